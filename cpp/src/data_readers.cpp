#include "data_readers.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "errors.hpp"
#include "ini_reader.hpp"

namespace pyinla {

namespace {

// Maximum length of the excerpt of a line that an error message quotes.
constexpr std::size_t kMaxExcerpt = 80;

std::string excerpt(const std::string& text) { return escape_for_message(text, kMaxExcerpt); }

// Line-by-line reader that skips blank and comment lines and tracks the line number for error messages.
class DataLines {
 public:
  explicit DataLines(const std::string& path) : path_(path) {
    const std::string problem = open_text_file(path, &in_);
    if (!problem.empty()) throw DataFileError(escape_for_message(path) + ": cannot open the data file: " + problem);
  }

  bool next(std::string* line) {
    std::string raw;
    while (std::getline(in_, raw)) {
      ++line_number_;
      if (line_number_ == 1) strip_byte_order_mark(&raw);
      if (raw.find('\0') != std::string::npos) fail("binary data (a NUL byte) in a data file, which must be text");
      const auto first = raw.find_first_not_of(" \t\r");
      if (first == std::string::npos || raw[first] == '#') continue;
      const auto last = raw.find_last_not_of(" \t\r");
      *line = raw.substr(first, last - first + 1);
      return true;
    }
    if (in_.bad()) throw DataFileError(escape_for_message(path_) + ": reading the data file failed");
    return false;
  }

  [[noreturn]] void fail(const std::string& message) const { fail_at(line_number_, message); }

  [[noreturn]] void fail_at(long line, const std::string& message) const {
    throw DataFileError(escape_for_message(path_) + ":" + std::to_string(line) + ": " + message);
  }

  long line_number() const { return line_number_; }

 private:
  std::string path_;
  std::ifstream in_;
  long line_number_ = 0;
};

enum class ParseStatus { kValid, kInvalid, kOutOfRange };

// Parses a whole word as a double; `nan` and `na` in any case give NaN. A result that underflows to zero or a
// subnormal is valid, one that overflows (e.g. 1e999) is out of range.
ParseStatus parse_number(const std::string& word, double* value) {
  std::string lower(word);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "nan" || lower == "na") {
    *value = std::nan("");
    return ParseStatus::kValid;
  }
  if (word.empty()) return ParseStatus::kInvalid;
  char* end = nullptr;
  errno = 0;
  *value = std::strtod(word.c_str(), &end);
  if (end != word.c_str() + word.size()) return ParseStatus::kInvalid;
  if (errno == ERANGE && std::isinf(*value)) return ParseStatus::kOutOfRange;
  return ParseStatus::kValid;
}

// Parses a whole word as a base-10 integer that fits in an int.
ParseStatus parse_integer(const std::string& word, long* value) {
  if (word.empty()) return ParseStatus::kInvalid;
  char* end = nullptr;
  errno = 0;
  *value = std::strtol(word.c_str(), &end, 10);
  if (end != word.c_str() + word.size()) return ParseStatus::kInvalid;
  if (errno == ERANGE || *value < INT_MIN || *value > INT_MAX) return ParseStatus::kOutOfRange;
  return ParseStatus::kValid;
}

std::string out_of_range(const std::string& word) { return "the number '" + excerpt(word) + "' is out of range"; }

std::vector<std::string> split_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

void expect_count(const std::string& path, std::size_t got, std::size_t expected, const char* what) {
  if (got != expected) {
    throw DataFileError(escape_for_message(path) + ": expected " + std::to_string(expected) + " " + what +
                        ", found " + std::to_string(got));
  }
}

}  // namespace

std::vector<double> read_vector(const std::string& path, std::size_t expected, bool allow_missing) {
  DataLines lines(path);
  std::vector<double> values;
  std::string line;
  while (lines.next(&line)) {
    double value = 0;
    const ParseStatus status = parse_number(line, &value);
    if (status == ParseStatus::kOutOfRange) lines.fail(out_of_range(line));
    if (status != ParseStatus::kValid) lines.fail("expected one number, got '" + excerpt(line) + "'");
    if (std::isnan(value) && !allow_missing) lines.fail("missing value (nan) is not allowed here");
    if (std::isinf(value)) lines.fail("infinite value '" + excerpt(line) + "'");
    if (values.size() == expected) lines.fail("more than the expected " + std::to_string(expected) + " values");
    values.push_back(value);
  }
  expect_count(path, values.size(), expected, "values");
  return values;
}

std::vector<int> read_index(const std::string& path, std::size_t expected, int levels, bool allow_none) {
  DataLines lines(path);
  std::vector<int> index;
  std::string line;
  while (lines.next(&line)) {
    long value = 0;
    const ParseStatus status = parse_integer(line, &value);
    if (status == ParseStatus::kOutOfRange) lines.fail(out_of_range(line));
    if (status != ParseStatus::kValid) lines.fail("expected one integer, got '" + excerpt(line) + "'");
    if ((value < 0 && !(allow_none && value == kNoLevel)) || value >= levels) {
      lines.fail("level " + std::to_string(value) + " outside 0.." + std::to_string(static_cast<long>(levels) - 1) +
                 (allow_none ? " (or -1 for none)" : ""));
    }
    if (index.size() == expected) lines.fail("more than the expected " + std::to_string(expected) + " values");
    index.push_back(static_cast<int>(value));
  }
  expect_count(path, index.size(), expected, "values");
  return index;
}

std::vector<std::string> read_labels(const std::string& path, std::size_t expected) {
  DataLines lines(path);
  std::vector<std::string> labels;
  std::string line;
  while (lines.next(&line)) {
    if (labels.size() == expected) lines.fail("more than the expected " + std::to_string(expected) + " labels");
    labels.push_back(line);
  }
  expect_count(path, labels.size(), expected, "labels");
  return labels;
}

Graph read_graph(const std::string& path) {
  // All numbers of the file in order, with the line of each, since one node may span several lines.
  DataLines lines(path);
  std::vector<long> tokens;
  std::vector<long> token_lines;
  std::string line;
  while (lines.next(&line)) {
    for (const auto& word : split_words(line)) {
      long value = 0;
      const ParseStatus status = parse_integer(word, &value);
      if (status == ParseStatus::kOutOfRange) lines.fail(out_of_range(word));
      if (status != ParseStatus::kValid) lines.fail("expected integers, got '" + excerpt(word) + "'");
      tokens.push_back(value);
      token_lines.push_back(lines.line_number());
    }
  }
  if (tokens.empty()) throw DataFileError(escape_for_message(path) + ": empty graph file, expected the node count n");
  if (tokens[0] <= 0) lines.fail_at(token_lines[0], "the first number must be the node count n > 0");

  // Collect the node records first, then decide between 0- and 1-based ids.
  const long n = tokens[0];
  std::vector<std::pair<long, std::vector<long>>> records;
  std::vector<long> record_lines;
  std::vector<std::size_t> record_positions;  // index in tokens of each record's node id
  std::size_t pos = 1;
  long min_id = n, max_id = -1;
  for (long k = 0; k < n; ++k) {
    if (pos >= tokens.size()) {
      lines.fail_at(token_lines.back(), "expected " + std::to_string(n) + " node records, found " + std::to_string(k));
    }
    const long id = tokens[pos];
    if (pos + 1 >= tokens.size()) {
      lines.fail_at(token_lines[pos], "node " + std::to_string(id) + ": the number of neighbours is missing");
    }
    const long count = tokens[pos + 1];
    // Compared as counts of tokens left, so that a huge count cannot overflow the position.
    const std::size_t left = tokens.size() - (pos + 2);
    if (count < 0 || static_cast<unsigned long>(count) > left) {
      lines.fail_at(token_lines[pos + 1], "node " + std::to_string(id) + ": the number of neighbours, " +
                                               std::to_string(count) + ", is negative or more than the " +
                                               std::to_string(left) + " numbers left in the file");
    }
    std::vector<long> nbs(tokens.begin() + pos + 2, tokens.begin() + pos + 2 + count);
    records.emplace_back(id, nbs);
    record_lines.push_back(token_lines[pos]);
    record_positions.push_back(pos);
    min_id = std::min(min_id, id);
    max_id = std::max(max_id, id);
    for (long j : nbs) {
      min_id = std::min(min_id, j);
      max_id = std::max(max_id, j);
    }
    pos += 2 + count;
  }
  if (pos != tokens.size()) {
    lines.fail_at(token_lines[pos], "extra numbers after the " + std::to_string(n) + " node records");
  }

  long base = 0;
  if (min_id == 0 && max_id <= n - 1) {
    base = 0;
  } else if (min_id >= 1 && max_id <= n) {
    base = 1;
  } else {
    // Name the first id that fits neither numbering; when there is none, both 0 and n occur.
    long first_zero_line = 0, first_n_line = 0;
    for (std::size_t pos_id : record_positions) {
      const std::size_t end = pos_id + 2 + static_cast<std::size_t>(tokens[pos_id + 1]);
      for (std::size_t t = pos_id; t < end; ++t) {
        if (t == pos_id + 1) continue;  // the count of neighbours
        if (tokens[t] < 0 || tokens[t] > n) {
          lines.fail_at(token_lines[t], "node id " + std::to_string(tokens[t]) +
                                            " is outside 0..n-1 and 1..n with n = " + std::to_string(n));
        }
        if (tokens[t] == 0 && first_zero_line == 0) first_zero_line = token_lines[t];
        if (tokens[t] == n && first_n_line == 0) first_n_line = token_lines[t];
      }
    }
    lines.fail_at(first_n_line, "node ids mix the numberings 0..n-1 and 1..n: id 0 on line " +
                                    std::to_string(first_zero_line) + " and id n = " + std::to_string(n));
  }

  Graph graph;
  graph.n = static_cast<int>(n);
  graph.neighbours.assign(n, {});
  std::vector<long> listed_on(n, 0);  // line of each node's record, 0 until it is seen
  for (std::size_t r = 0; r < records.size(); ++r) {
    const auto& [id, nbs] = records[r];
    const long node = id - base;
    if (listed_on[node] != 0) {
      lines.fail_at(record_lines[r], "node " + std::to_string(id) + " is listed twice (first on line " +
                                         std::to_string(listed_on[node]) + ")");
    }
    listed_on[node] = record_lines[r];
    for (long j : nbs) {
      if (j - base == node) lines.fail_at(record_lines[r], "node " + std::to_string(id) + " is its own neighbour");
      graph.neighbours[node].push_back(static_cast<int>(j - base));
    }
    std::sort(graph.neighbours[node].begin(), graph.neighbours[node].end());
    graph.neighbours[node].erase(std::unique(graph.neighbours[node].begin(), graph.neighbours[node].end()),
                                 graph.neighbours[node].end());
  }

  for (int i = 0; i < graph.n; ++i) {
    for (int j : graph.neighbours[i]) {
      const auto& back = graph.neighbours[j];
      if (!std::binary_search(back.begin(), back.end(), i)) {
        lines.fail_at(listed_on[i], "the graph is not symmetric: node " + std::to_string(i + base) + " lists " +
                                        std::to_string(j + base) + " but node " + std::to_string(j + base) +
                                        " (line " + std::to_string(listed_on[j]) + ") does not list " +
                                        std::to_string(i + base));
      }
    }
  }
  return graph;
}

namespace {

struct MatrixEntry {
  int i = 0, j = 0;
  double value = 0;
};

// Parses one `i j value` line of a rows x cols matrix, with integer indices inside the matrix and a finite value.
// `inside` describes the valid indices in the error message.
MatrixEntry parse_matrix_entry(const DataLines& lines, const std::string& line, long rows, long cols,
                               const std::string& inside) {
  const auto words = split_words(line);
  if (words.size() != 3) lines.fail("expected 'i j value', got '" + excerpt(line) + "'");
  long i = 0, j = 0;
  double value = 0;
  const ParseStatus status_i = parse_integer(words[0], &i);
  const ParseStatus status_j = parse_integer(words[1], &j);
  const ParseStatus status_value = parse_number(words[2], &value);
  if (status_value == ParseStatus::kOutOfRange) lines.fail(out_of_range(words[2]));
  if (status_i == ParseStatus::kInvalid || status_j == ParseStatus::kInvalid || status_value != ParseStatus::kValid ||
      !std::isfinite(value)) {
    lines.fail("expected 'i j value' with integer indices and a finite value, got '" + excerpt(line) + "'");
  }
  if (status_i != ParseStatus::kValid || status_j != ParseStatus::kValid || i < 0 || j < 0 || i >= rows ||
      j >= cols) {
    lines.fail("index (" + excerpt(words[0]) + ", " + excerpt(words[1]) + ") outside " + inside);
  }
  return {static_cast<int>(i), static_cast<int>(j), value};
}

}  // namespace

Eigen::SparseMatrix<double> read_symmetric_triplets(const std::string& path, int n) {
  if (n < 0) throw DataFileError(escape_for_message(path) + ": negative matrix size " + std::to_string(n));
  DataLines lines(path);
  std::map<std::pair<int, int>, double> upper;
  std::map<std::pair<int, int>, long> first_line;
  std::string line;
  while (lines.next(&line)) {
    const MatrixEntry entry = parse_matrix_entry(lines, line, n, n, "0.." + std::to_string(static_cast<long>(n) - 1));
    const long i = entry.i, j = entry.j;
    const double value = entry.value;
    const auto key = std::make_pair(static_cast<int>(std::min(i, j)), static_cast<int>(std::max(i, j)));
    auto it = upper.find(key);
    if (it != upper.end() && (i == j || it->second != value)) {
      lines.fail("entry (" + std::to_string(i) + ", " + std::to_string(j) + ") is given twice " +
                 (i == j ? "on the diagonal" : "with different values") + " (first on line " +
                 std::to_string(first_line[key]) + ")");
    }
    if (it == upper.end()) first_line[key] = lines.line_number();
    upper[key] = value;
  }

  std::vector<Eigen::Triplet<double>> triplets;
  for (const auto& [key, value] : upper) {
    triplets.emplace_back(key.first, key.second, value);
    if (key.first != key.second) triplets.emplace_back(key.second, key.first, value);
  }
  Eigen::SparseMatrix<double> matrix(n, n);
  matrix.setFromTriplets(triplets.begin(), triplets.end());
  return matrix;
}

Eigen::SparseMatrix<double> read_triplets(const std::string& path, int rows, int cols) {
  if (rows < 0 || cols < 0) throw DataFileError(escape_for_message(path) + ": negative matrix size");
  DataLines lines(path);
  const std::string inside = "the " + std::to_string(rows) + " x " + std::to_string(cols) + " matrix (0-based)";
  std::map<std::pair<int, int>, long> first_line;
  std::vector<Eigen::Triplet<double>> triplets;
  std::string line;
  while (lines.next(&line)) {
    const MatrixEntry entry = parse_matrix_entry(lines, line, rows, cols, inside);
    const auto [it, inserted] = first_line.emplace(std::make_pair(entry.i, entry.j), lines.line_number());
    if (!inserted) {
      lines.fail("entry (" + std::to_string(entry.i) + ", " + std::to_string(entry.j) +
                 ") is given twice (first on line " + std::to_string(it->second) + ")");
    }
    triplets.emplace_back(entry.i, entry.j, entry.value);
  }
  Eigen::SparseMatrix<double> matrix(rows, cols);
  matrix.setFromTriplets(triplets.begin(), triplets.end());
  return matrix;
}

}  // namespace pyinla
