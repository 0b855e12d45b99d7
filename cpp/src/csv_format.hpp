// Formatting of CSV fields and numbers for the result files.
#pragma once

#include <charconv>
#include <string>

namespace pyinla {

// The shortest text that reads back as the same double, so a number read back equals the one computed.
inline std::string format_number(double v) {
  char buffer[40];
  const auto written = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, written.ptr);
}

// CSV field, quoted when it contains a comma, a quote or a line break.
inline std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char ch : text) {
    if (ch == '"') quoted += '"';
    quoted += ch;
  }
  return quoted + "\"";
}

}  // namespace pyinla
