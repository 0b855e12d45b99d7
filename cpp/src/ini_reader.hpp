// Reader of the engine's model file: an INI file of [sections] with `key = value` lines.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pyinla {

class IniSection {
 public:
  IniSection(std::string file, std::string name, int line) : file_(std::move(file)), name_(std::move(name)), line_(line) {}

  const std::string& name() const { return name_; }
  bool has(const std::string& key) const { return values_.count(key) != 0; }

  // Typed getters. The ones without a default throw ModelFileError when the key is absent; every getter throws
  // when the value does not parse, naming the file, line, section and key.
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

  void add(const std::string& key, const std::string& value, int line);
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  struct Entry {
    std::string value;
    int line;
  };
  const Entry& entry(const std::string& key) const;

  std::string file_;
  std::string name_;
  int line_;
  std::map<std::string, Entry> values_;
  std::vector<std::string> order_;
  mutable std::map<std::string, bool> read_;
};

class IniFile {
 public:
  // Parses `path`; throws ModelFileError with the file and line of the first syntax error.
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
};

}  // namespace pyinla
