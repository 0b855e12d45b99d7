// Progress messages: always to the run's log file, and to stdout when verbose.
#pragma once

#include <fstream>
#include <mutex>
#include <string>

namespace pyinla {

class Logger {
 public:
  Logger() = default;
  void open(const std::string& path, bool verbose);
  void line(const std::string& text);

 private:
  std::ofstream file_;
  bool verbose_ = false;
  std::mutex mutex_;
};

// The run's logger, opened by main().
Logger& run_log();

}  // namespace pyinla
