// Progress messages: always to the run's log file, and to stdout when verbose.
#pragma once

#include <fstream>
#include <mutex>
#include <string>
#include <vector>

namespace pyinla {

class Logger {
 public:
  Logger() = default;
  void open(const std::string& path, bool verbose);
  void line(const std::string& text);

  // Logs `text` as a warning and keeps it for results/warnings.txt, so the caller sees it after the run.
  void warning(const std::string& text);
  std::vector<std::string> warnings() const;
  // Forgets the warnings so far (they stay in the log), when the optimiser restarts from a better point.
  void clear_warnings();

 private:
  std::ofstream file_;
  bool verbose_ = false;
  std::vector<std::string> warnings_;
  mutable std::mutex mutex_;
};

// The run's logger, opened by main().
Logger& run_log();

}  // namespace pyinla
