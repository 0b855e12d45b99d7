#include "ini_reader.hpp"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <system_error>

#include "errors.hpp"

namespace pyinla {

namespace {

// Maximum length of the excerpt of a line or value that an error message quotes.
constexpr std::size_t kMaxExcerpt = 80;

// Maximum length of the message that IniSection::fail passes on, because callers may quote whole values.
constexpr std::size_t kMaxFailMessage = 1000;

std::string trim(const std::string& s) {
  const char* space = " \t\r\n";
  const auto first = s.find_first_not_of(space);
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(space);
  return s.substr(first, last - first + 1);
}

std::string excerpt(const std::string& text) { return escape_for_message(text, kMaxExcerpt); }

// Length of the UTF-8 sequence that starts at text[i] with a byte >= 0x80, or 0 when the sequence is invalid
// (bad continuation, overlong form, surrogate, beyond U+10FFFF) or encodes a C1 control character or a line or
// paragraph separator, which would break the message's line for some readers.
std::size_t printable_utf8_length(const std::string& text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned lead = byte(i);
  std::size_t length = 0;
  unsigned code_point = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    code_point = lead & 0x1fu;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    code_point = lead & 0x0fu;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    code_point = lead & 0x07u;
  } else {
    return 0;
  }
  if (length > text.size() - i) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0u) != 0x80u) return 0;
    code_point = (code_point << 6) | (byte(i + k) & 0x3fu);
  }
  const unsigned smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < smallest[length] || code_point > 0x10ffff) return 0;
  if (code_point >= 0xd800 && code_point <= 0xdfff) return 0;
  if (code_point <= 0x9f || code_point == 0x2028 || code_point == 0x2029) return 0;
  return length;
}

// Section names and keys are printable ASCII, so every message can quote them as they are.
bool is_printable_ascii(const std::string& name) {
  for (unsigned char ch : name)
    if (ch < 0x20 || ch > 0x7e) return false;
  return true;
}

enum class NumberStatus { kValid, kInvalid, kOutOfRange, kNotFinite };

// Parses a whole word as a double. A result that underflows to zero or a subnormal is valid. One that overflows
// (e.g. 1e999) is out of range, and nan and inf are not finite.
NumberStatus parse_double(const std::string& text, double* value) {
  if (text.empty()) return NumberStatus::kInvalid;
  char* end = nullptr;
  errno = 0;
  *value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return NumberStatus::kInvalid;
  if (errno == ERANGE && std::isinf(*value)) return NumberStatus::kOutOfRange;
  if (!std::isfinite(*value)) return NumberStatus::kNotFinite;
  return NumberStatus::kValid;
}

std::string number_problem(NumberStatus status, const std::string& text, const char* expected) {
  switch (status) {
    case NumberStatus::kOutOfRange:
      return "the number '" + excerpt(text) + "' is out of range";
    case NumberStatus::kNotFinite:
      return "expected a finite number, got '" + excerpt(text) + "'";
    default:
      return std::string("expected ") + expected + ", got '" + excerpt(text) + "'";
  }
}

[[noreturn]] void fail_at_line(const std::string& path, long line, const std::string& message) {
  throw ModelFileError(escape_for_message(path) + ":" + std::to_string(line) + ": " + message);
}

}  // namespace

std::string escape_for_message(const std::string& text, std::size_t max_length) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char ch = static_cast<unsigned char>(text[i]);
    std::string piece;
    std::size_t step = 1;
    if (ch >= 0x20 && ch < 0x7f) {
      piece.assign(1, static_cast<char>(ch));
    } else if (ch >= 0x80 && (step = printable_utf8_length(text, i)) > 0) {
      piece = text.substr(i, step);
    } else {
      step = 1;
      if (ch == '\t') {
        piece = "\\t";
      } else if (ch == '\r') {
        piece = "\\r";
      } else if (ch == '\n') {
        piece = "\\n";
      } else {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned>(ch));
        piece = hex;
      }
    }
    if (piece.size() > max_length - out.size()) {
      out += "...";
      break;
    }
    out += piece;
    i += step;
  }
  return out;
}

std::string open_text_file(const std::string& path, std::ifstream* in) {
  if (path.empty()) return "the file name is empty";
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error) return error.message();
  if (std::filesystem::is_directory(status)) return "is a directory";
  if (!std::filesystem::is_regular_file(status)) return "is not a regular file";
  errno = 0;
  in->open(path, std::ios::binary);
  if (!*in) return errno != 0 ? std::strerror(errno) : "cannot be opened";
  return "";
}

void strip_byte_order_mark(std::string* line) {
  if (line->rfind("\xEF\xBB\xBF", 0) == 0) line->erase(0, 3);
}

void IniSection::add(const std::string& key, const std::string& value, long line) {
  auto it = values_.find(key);
  if (it != values_.end()) {
    fail_at_line(file_, line, "key '" + excerpt(key) + "' in section [" + excerpt(name_) +
                                  "] is repeated (first set on line " + std::to_string(it->second.line) + ")");
  }
  values_[key] = Entry{value, line};
  order_.push_back(key);
}

void IniSection::fail(const std::string& key, const std::string& message) const {
  auto it = values_.find(key);
  fail_at_line(file_, it != values_.end() ? it->second.line : line_,
               "[" + excerpt(name_) + "] " + excerpt(key) + ": " + escape_for_message(message, kMaxFailMessage));
}

const IniSection::Entry& IniSection::entry(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) fail(key, "missing key");
  read_[key] = true;
  return it->second;
}

std::string IniSection::get_string(const std::string& key) const { return entry(key).value; }

std::string IniSection::get_string(const std::string& key, const std::string& fallback) const {
  return has(key) ? get_string(key) : fallback;
}

double IniSection::get_double(const std::string& key) const {
  const std::string& text = entry(key).value;
  double value = 0;
  const NumberStatus status = parse_double(text, &value);
  if (status != NumberStatus::kValid) fail(key, number_problem(status, text, "a number"));
  return value;
}

double IniSection::get_double(const std::string& key, double fallback) const {
  return has(key) ? get_double(key) : fallback;
}

long IniSection::get_int(const std::string& key) const {
  const std::string& text = entry(key).value;
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size()) fail(key, "expected an integer, got '" + excerpt(text) + "'");
  if (errno == ERANGE || value < INT_MIN || value > INT_MAX) {
    fail(key, "the integer '" + excerpt(text) + "' is out of range (at most " + std::to_string(INT_MAX) + ")");
  }
  return value;
}

long IniSection::get_int(const std::string& key, long fallback) const { return has(key) ? get_int(key) : fallback; }

bool IniSection::get_bool(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const std::string& text = entry(key).value;
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  fail(key, "expected true or false, got '" + excerpt(text) + "'");
}

std::vector<double> IniSection::get_doubles(const std::string& key) const {
  std::istringstream in(entry(key).value);
  std::vector<double> numbers;
  std::string word;
  while (in >> word) {
    double value = 0;
    const NumberStatus status = parse_double(word, &value);
    if (status != NumberStatus::kValid) fail(key, number_problem(status, word, "numbers separated by spaces"));
    numbers.push_back(value);
  }
  return numbers;
}

void IniSection::reject_unread_keys() const {
  for (const auto& key : order_) {
    if (!read_.count(key)) fail(key, "unknown key (see docs/engine-format.md for the keys of this section)");
  }
}

IniFile IniFile::read(const std::string& path) {
  std::ifstream in;
  const std::string problem = open_text_file(path, &in);
  if (!problem.empty()) throw ModelFileError(escape_for_message(path) + ": cannot open the model file: " + problem);

  IniFile file;
  file.path_ = path;
  std::string raw;
  long line_number = 0;
  while (std::getline(in, raw)) {
    ++line_number;
    if (line_number == 1) strip_byte_order_mark(&raw);
    if (raw.find('\0') != std::string::npos) {
      fail_at_line(path, line_number, "binary data (a NUL byte) in the model file, which must be text");
    }
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;

    if (line[0] == '[') {
      const std::string name = line.back() == ']' ? trim(line.substr(1, line.size() - 2)) : "";
      if (line.size() < 2 || line.back() != ']' || name.empty()) {
        fail_at_line(path, line_number, "malformed section header '" + excerpt(line) + "', expected '[name]'");
      }
      if (!is_printable_ascii(name)) {
        fail_at_line(path, line_number,
                     "section name '" + excerpt(name) + "' contains a character that is not printable ASCII");
      }
      auto known = file.section_index_.find(name);
      if (known != file.section_index_.end()) {
        fail_at_line(path, line_number, "section [" + excerpt(name) + "] is repeated (first on line " +
                                            std::to_string(file.sections_[known->second].line()) + ")");
      }
      file.section_index_[name] = file.sections_.size();
      file.sections_.emplace_back(path, name, line_number);
      continue;
    }

    const auto equals = line.find('=');
    if (equals == std::string::npos) {
      fail_at_line(path, line_number, "expected 'key = value' or '[section]', got '" + excerpt(line) + "'");
    }
    if (file.sections_.empty()) fail_at_line(path, line_number, "key before the first [section]");
    const std::string key = trim(line.substr(0, equals));
    if (key.empty()) fail_at_line(path, line_number, "empty key in '" + excerpt(line) + "'");
    if (!is_printable_ascii(key)) {
      fail_at_line(path, line_number, "key '" + excerpt(key) + "' contains a character that is not printable ASCII");
    }
    file.sections_.back().add(key, trim(line.substr(equals + 1)), line_number);
  }
  if (in.bad()) throw ModelFileError(escape_for_message(path) + ": reading the model file failed");
  return file;
}

bool IniFile::has(const std::string& name) const { return section_index_.count(name) != 0; }

const IniSection& IniFile::section(const std::string& name) const {
  auto it = section_index_.find(name);
  if (it == section_index_.end()) {
    throw ModelFileError(escape_for_message(path_) + ": missing section [" + excerpt(name) + "]");
  }
  return sections_[it->second];
}

void IniFile::reject_unknown_sections(const std::vector<std::string>& known,
                                      const std::vector<std::string>& prefixes) const {
  for (const auto& s : sections_) {
    bool ok = false;
    for (const auto& k : known) ok = ok || s.name() == k;
    for (const auto& p : prefixes) ok = ok || s.name().rfind(p, 0) == 0;
    if (ok) continue;

    std::string expected;
    for (const auto& k : known) expected += (expected.empty() ? "" : ", ") + k;
    for (const auto& p : prefixes) expected += (expected.empty() ? "" : ", ") + p + "K";
    fail_at_line(path_, s.line(), "unknown section [" + excerpt(s.name()) + "] (known: " + expected + ")");
  }
}

}  // namespace pyinla
