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

void Logger::warning(const std::string& text) {
  line("warning: " + text);
  std::lock_guard<std::mutex> lock(mutex_);
  warnings_.push_back(text);
}

std::vector<std::string> Logger::warnings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return warnings_;
}

void Logger::clear_warnings() {
  std::lock_guard<std::mutex> lock(mutex_);
  warnings_.clear();
}

Logger& run_log() {
  static Logger logger;
  return logger;
}

}  // namespace pyinla
