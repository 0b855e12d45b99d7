#include "log.hpp"

#include <iostream>

#include "errors.hpp"

namespace pyinla {

void Logger::open(const std::string& path, bool verbose) {
  file_.open(path, std::ios::out | std::ios::trunc);
  if (!file_) throw OutputError(path + ": cannot write the log file");
  verbose_ = verbose;
}

void Logger::line(const std::string& text) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (file_) file_ << text << '\n' << std::flush;
  if (verbose_) std::cout << text << std::endl;  // endl flushes, so a reader sees each line as it is written
}

Logger& run_log() {
  static Logger logger;
  return logger;
}

}  // namespace pyinla
