#include "ini_reader.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "errors.hpp"

namespace pyinla {

namespace {

std::string trim(const std::string& s) {
  const char* space = " \t\r\n";
  const auto first = s.find_first_not_of(space);
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(space);
  return s.substr(first, last - first + 1);
}

bool parse_double(const std::string& text, double* value) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  *value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && errno != ERANGE;
}

}  // namespace

void IniSection::add(const std::string& key, const std::string& value, int line) {
  if (values_.count(key)) {
    std::ostringstream msg;
    msg << file_ << ":" << line << ": key '" << key << "' in section [" << name_
        << "] is repeated (first set on line " << values_.at(key).line << ")";
    throw ModelFileError(msg.str());
  }
  values_[key] = Entry{value, line};
  order_.push_back(key);
}

void IniSection::fail(const std::string& key, const std::string& message) const {
  std::ostringstream msg;
  auto it = values_.find(key);
  msg << file_ << ":" << (it != values_.end() ? it->second.line : line_) << ": [" << name_ << "] " << key << ": "
      << message;
  throw ModelFileError(msg.str());
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
  double value = 0;
  if (!parse_double(entry(key).value, &value)) fail(key, "expected a number, got '" + entry(key).value + "'");
  return value;
}

double IniSection::get_double(const std::string& key, double fallback) const {
  return has(key) ? get_double(key) : fallback;
}

long IniSection::get_int(const std::string& key) const {
  const std::string& text = entry(key).value;
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE)
    fail(key, "expected an integer, got '" + text + "'");
  return value;
}

long IniSection::get_int(const std::string& key, long fallback) const { return has(key) ? get_int(key) : fallback; }

bool IniSection::get_bool(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const std::string& text = entry(key).value;
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  fail(key, "expected true or false, got '" + text + "'");
}

std::vector<double> IniSection::get_doubles(const std::string& key) const {
  std::istringstream in(entry(key).value);
  std::vector<double> numbers;
  std::string word;
  while (in >> word) {
    double value = 0;
    if (!parse_double(word, &value)) fail(key, "expected numbers separated by spaces, got '" + word + "'");
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
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelFileError(path + ": cannot open the model file");

  IniFile file;
  file.path_ = path;
  std::string raw;
  int line_number = 0;
  while (std::getline(in, raw)) {
    ++line_number;
    if (raw.find('\0') != std::string::npos) {
      throw ModelFileError(path + ":" + std::to_string(line_number) + ": binary data in a text file");
    }
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;

    if (line[0] == '[') {
      if (line.back() != ']' || line.size() < 3) {
        throw ModelFileError(path + ":" + std::to_string(line_number) + ": malformed section header '" + line + "'");
      }
      const std::string name = trim(line.substr(1, line.size() - 2));
      if (file.has(name)) {
        throw ModelFileError(path + ":" + std::to_string(line_number) + ": section [" + name + "] is repeated");
      }
      file.sections_.emplace_back(path, name, line_number);
      continue;
    }

    const auto equals = line.find('=');
    if (equals == std::string::npos) {
      throw ModelFileError(path + ":" + std::to_string(line_number) + ": expected 'key = value', got '" + line + "'");
    }
    if (file.sections_.empty()) {
      throw ModelFileError(path + ":" + std::to_string(line_number) + ": key before the first [section]");
    }
    const std::string key = trim(line.substr(0, equals));
    if (key.empty()) throw ModelFileError(path + ":" + std::to_string(line_number) + ": empty key");
    file.sections_.back().add(key, trim(line.substr(equals + 1)), line_number);
  }
  return file;
}

bool IniFile::has(const std::string& name) const {
  for (const auto& s : sections_)
    if (s.name() == name) return true;
  return false;
}

const IniSection& IniFile::section(const std::string& name) const {
  for (const auto& s : sections_)
    if (s.name() == name) return s;
  throw ModelFileError(path_ + ": missing section [" + name + "]");
}

void IniFile::reject_unknown_sections(const std::vector<std::string>& known,
                                      const std::vector<std::string>& prefixes) const {
  for (const auto& s : sections_) {
    bool ok = false;
    for (const auto& k : known) ok = ok || s.name() == k;
    for (const auto& p : prefixes) ok = ok || s.name().rfind(p, 0) == 0;
    if (!ok) throw ModelFileError(path_ + ": unknown section [" + s.name() + "]");
  }
}

}  // namespace pyinla
