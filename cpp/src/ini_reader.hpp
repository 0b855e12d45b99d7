// Reader of the engine's model file: an INI file of [sections] with `key = value` lines.
#pragma once

#include <cstddef>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace pyinla {

// Helpers shared by the readers of the model file and of the data files.

// `text` made safe to quote in a one-line error message. Printable ASCII and valid UTF-8 stay as they are.
// Tab, carriage return and line feed become \t, \r and \n, and every other control character, DEL, invalid
// UTF-8 byte, C1 control and Unicode line or paragraph separator becomes \xNN, one escape per byte. When the
// result would be longer than `max_length` bytes, it is cut at a character boundary and "..." is appended.
std::string escape_for_message(const std::string& text, std::size_t max_length = std::string::npos);

// Opens `path` for reading in binary mode. Returns an empty string on success, else the reason in words,
// e.g. "No such file or directory" or "is a directory". Only regular files are opened, so that a device or
// a pipe named in a model file can neither block the engine nor feed it an endless line.
std::string open_text_file(const std::string& path, std::ifstream* in);

// Removes a UTF-8 byte order mark from the start of `line` (call it on the first line of a file).
void strip_byte_order_mark(std::string* line);

class IniSection {
 public:
  IniSection(std::string file, std::string name, long line)
      : file_(std::move(file)), name_(std::move(name)), line_(line) {}

  const std::string& name() const { return name_; }
  long line() const { return line_; }  // line of the section header
  bool has(const std::string& key) const { return values_.count(key) != 0; }

  // Typed getters. The ones without a default throw ModelFileError when the key is absent; every getter throws
  // when the value does not parse, naming the file, line, section and key. Numbers must be finite: nan, inf
  // and values beyond the range of double are rejected. Integers must fit in an int.
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  double get_double(const std::string& key) const;
  double get_double(const std::string& key, double fallback) const;
  long get_int(const std::string& key) const;
  long get_int(const std::string& key, long fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::vector<double> get_doubles(const std::string& key) const;

  // Throws ModelFileError for the first key that was never read, so typos are not silently ignored.
  void reject_unread_keys() const;

  // Keys in file order, for echoing the configuration.
  const std::vector<std::string>& keys() const { return order_; }

  void add(const std::string& key, const std::string& value, long line);

  // Throws ModelFileError "FILE:LINE: [section] key: message", with the line of `key` (of the section header
  // when the key is absent). The message is passed through escape_for_message and cut at 1000 bytes.
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  struct Entry {
    std::string value;
    long line;
  };
  const Entry& entry(const std::string& key) const;

  std::string file_;
  std::string name_;
  long line_;
  std::map<std::string, Entry> values_;
  std::vector<std::string> order_;
  mutable std::map<std::string, bool> read_;
};

class IniFile {
 public:
  // Parses `path`; throws ModelFileError with the file and line of the first syntax error. Section names and
  // keys must be printable ASCII; values may be any text without a NUL byte.
  static IniFile read(const std::string& path);

  const std::string& path() const { return path_; }
  bool has(const std::string& section) const;
  const IniSection& section(const std::string& name) const;
  const std::vector<IniSection>& sections() const { return sections_; }

  // Throws ModelFileError unless every section name is in `known` or starts with one of `prefixes`.
  void reject_unknown_sections(const std::vector<std::string>& known, const std::vector<std::string>& prefixes) const;

 private:
  std::string path_;
  std::vector<IniSection> sections_;
  std::map<std::string, std::size_t> section_index_;  // position in sections_ by name
};

}  // namespace pyinla
