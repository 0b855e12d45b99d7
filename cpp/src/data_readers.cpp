#include "data_readers.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "errors.hpp"

namespace pyinla {

namespace {

// Line-by-line reader that skips blank and comment lines and knows where it is, for error messages.
class DataLines {
 public:
  explicit DataLines(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) throw DataFileError(path + ": cannot open the data file");
  }

  bool next(std::string* line) {
    std::string raw;
    while (std::getline(in_, raw)) {
      ++line_number_;
      if (raw.find('\0') != std::string::npos) fail("binary data in a text file");
      const auto first = raw.find_first_not_of(" \t\r");
      if (first == std::string::npos || raw[first] == '#') continue;
      const auto last = raw.find_last_not_of(" \t\r");
      *line = raw.substr(first, last - first + 1);
      return true;
    }
    return false;
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw DataFileError(path_ + ":" + std::to_string(line_number_) + ": " + message);
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ifstream in_;
  int line_number_ = 0;
};

bool parse_number(const std::string& word, double* value) {
  std::string lower(word);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "nan" || lower == "na") {
    *value = std::nan("");
    return true;
  }
  char* end = nullptr;
  errno = 0;
  *value = std::strtod(word.c_str(), &end);
  return !word.empty() && end == word.c_str() + word.size() && errno != ERANGE;
}

bool parse_integer(const std::string& word, long* value) {
  char* end = nullptr;
  errno = 0;
  *value = std::strtol(word.c_str(), &end, 10);
  return !word.empty() && end == word.c_str() + word.size() && errno != ERANGE;
}

std::vector<std::string> split_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

void expect_count(const std::string& path, std::size_t got, std::size_t expected) {
  if (got != expected) {
    throw DataFileError(path + ": expected " + std::to_string(expected) + " values, found " + std::to_string(got));
  }
}

}  // namespace

std::vector<double> read_vector(const std::string& path, std::size_t expected, bool allow_missing) {
  DataLines lines(path);
  std::vector<double> values;
  std::string line;
  while (lines.next(&line)) {
    double value = 0;
    if (!parse_number(line, &value)) lines.fail("expected one number, got '" + line + "'");
    if (std::isnan(value) && !allow_missing) lines.fail("missing value (nan) is not allowed here");
    if (std::isinf(value)) lines.fail("infinite value");
    if (values.size() == expected) lines.fail("more than the expected " + std::to_string(expected) + " values");
    values.push_back(value);
  }
  expect_count(path, values.size(), expected);
  return values;
}

std::vector<int> read_index(const std::string& path, std::size_t expected, int levels) {
  DataLines lines(path);
  std::vector<int> index;
  std::string line;
  while (lines.next(&line)) {
    long value = 0;
    if (!parse_integer(line, &value)) lines.fail("expected one integer, got '" + line + "'");
    if (value < 0 || value >= levels) {
      lines.fail("level " + std::to_string(value) + " outside 0.." + std::to_string(levels - 1));
    }
    if (index.size() == expected) lines.fail("more than the expected " + std::to_string(expected) + " values");
    index.push_back(static_cast<int>(value));
  }
  expect_count(path, index.size(), expected);
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
  expect_count(path, labels.size(), expected);
  return labels;
}

Graph read_graph(const std::string& path) {
  DataLines lines(path);
  std::vector<long> tokens;
  std::string line;
  while (lines.next(&line)) {
    for (const auto& word : split_words(line)) {
      long value = 0;
      if (!parse_integer(word, &value)) lines.fail("expected integers, got '" + word + "'");
      tokens.push_back(value);
    }
  }
  if (tokens.empty() || tokens[0] <= 0) throw DataFileError(path + ": the first number must be the node count n > 0");

  // Collect the node records first, then decide between 0- and 1-based ids.
  const long n = tokens[0];
  std::vector<std::pair<long, std::vector<long>>> records;
  std::size_t pos = 1;
  long min_id = n, max_id = -1;
  for (long k = 0; k < n; ++k) {
    if (pos >= tokens.size()) {
      throw DataFileError(path + ": expected " + std::to_string(n) + " node records, found " + std::to_string(k));
    }
    const long id = tokens[pos];
    const long count = pos + 1 < tokens.size() ? tokens[pos + 1] : -1;
    if (count < 0 || pos + 2 + count > tokens.size()) {
      throw DataFileError(path + ": node " + std::to_string(id) + ": neighbour count missing or too large");
    }
    std::vector<long> nbs(tokens.begin() + pos + 2, tokens.begin() + pos + 2 + count);
    records.emplace_back(id, nbs);
    min_id = std::min(min_id, id);
    max_id = std::max(max_id, id);
    for (long j : nbs) {
      min_id = std::min(min_id, j);
      max_id = std::max(max_id, j);
    }
    pos += 2 + count;
  }
  if (pos != tokens.size()) throw DataFileError(path + ": extra numbers after the " + std::to_string(n) + " nodes");

  long base = 0;
  if (min_id == 0 && max_id <= n - 1) {
    base = 0;
  } else if (min_id >= 1 && max_id == n) {
    base = 1;
  } else {
    throw DataFileError(path + ": node ids must be 0..n-1 or 1..n with n = " + std::to_string(n));
  }

  Graph graph;
  graph.n = static_cast<int>(n);
  graph.neighbours.assign(n, {});
  std::vector<bool> seen(n, false);
  for (const auto& [id, nbs] : records) {
    const long node = id - base;
    if (seen[node]) throw DataFileError(path + ": node " + std::to_string(id) + " is listed twice");
    seen[node] = true;
    for (long j : nbs) {
      if (j - base == node) throw DataFileError(path + ": node " + std::to_string(id) + " is its own neighbour");
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
        throw DataFileError(path + ": the graph is not symmetric: node " + std::to_string(i + base) +
                            " lists " + std::to_string(j + base) + " but not the reverse");
      }
    }
  }
  return graph;
}

Eigen::SparseMatrix<double> read_symmetric_triplets(const std::string& path, int n) {
  DataLines lines(path);
  std::map<std::pair<int, int>, double> upper;
  std::string line;
  while (lines.next(&line)) {
    const auto words = split_words(line);
    if (words.size() != 3) lines.fail("expected 'i j value', got '" + line + "'");
    long i = 0, j = 0;
    double value = 0;
    if (!parse_integer(words[0], &i) || !parse_integer(words[1], &j) || !parse_number(words[2], &value) ||
        !std::isfinite(value)) {
      lines.fail("expected 'i j value' with integer indices and a finite value, got '" + line + "'");
    }
    if (i < 0 || j < 0 || i >= n || j >= n) {
      lines.fail("index outside 0.." + std::to_string(n - 1));
    }
    const auto key = std::make_pair(static_cast<int>(std::min(i, j)), static_cast<int>(std::max(i, j)));
    auto it = upper.find(key);
    if (it != upper.end() && (i == j || it->second != value)) {
      lines.fail("entry (" + std::to_string(i) + ", " + std::to_string(j) + ") is given twice with different values"
                 " or twice on the diagonal");
    }
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

}  // namespace pyinla
