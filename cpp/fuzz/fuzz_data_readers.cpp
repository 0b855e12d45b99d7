// libFuzzer harness for the data-file readers: read_vector, read_index, read_labels, read_graph and
// read_symmetric_triplets, each on the same file written from the input. A DataFileError is the expected outcome
// for a bad input; its message must keep the promise of docs/engine-format.md (checked by check_error). Any
// other exception, a sanitizer report or a failed check of a result is a finding.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "data_readers.hpp"
#include "fuzz_common.hpp"

namespace {

using pyinla_fuzz::require;

// Messages quote at most a short excerpt of the input, so this bound leaves room for the fixed text and the path.
constexpr std::size_t kMaxMessage = 1024;

const std::string& data_path() {
  static const std::string path = pyinla_fuzz::scratch_folder() + "/data.txt";
  return path;
}

// Number of data lines as docs/engine-format.md defines them: lines that are neither blank (spaces, tabs and
// a carriage return only) nor comments (first other character '#'), after an optional UTF-8 byte order mark.
std::size_t count_data_lines(const std::string& text) {
  std::size_t start = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  std::size_t count = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    const auto first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos && line[first] != '#') ++count;
    start = end + 1;
  }
  return count;
}

// Runs `read` and returns whether it returned normally. A DataFileError is expected for malformed content, and
// its message must keep the promise. Any other exception escapes to libFuzzer as a finding.
template <typename Read>
bool try_read(Read read) {
  try {
    read();
    return true;
  } catch (const pyinla::EngineError& error) {
    pyinla_fuzz::check_error(error, pyinla::kExitDataFile, data_path(), kMaxMessage);
    return false;
  }
}

void check_vector(std::size_t expected, bool allow_missing) {
  const std::vector<double> values = pyinla::read_vector(data_path(), expected, allow_missing);
  require(values.size() == expected, "read_vector returned another number of values");
  for (double x : values) {
    require(!std::isinf(x), "read_vector returned an infinite value");
    require(allow_missing || !std::isnan(x), "read_vector returned nan where it is not allowed");
  }
}

void check_index(std::size_t expected, int levels) {
  const std::vector<int> index = pyinla::read_index(data_path(), expected, levels);
  require(index.size() == expected, "read_index returned another number of values");
  for (int level : index) require(level >= 0 && level < levels, "read_index returned a level out of range");
}

void check_graph() {
  const pyinla::Graph graph = pyinla::read_graph(data_path());
  require(graph.n > 0, "read_graph returned no nodes");
  require(graph.neighbours.size() == static_cast<std::size_t>(graph.n), "read_graph: one list per node");
  for (int i = 0; i < graph.n; ++i) {
    const auto& list = graph.neighbours[i];
    require(std::is_sorted(list.begin(), list.end()), "read_graph: neighbour list not sorted");
    require(std::adjacent_find(list.begin(), list.end()) == list.end(), "read_graph: neighbour listed twice");
    for (int j : list) {
      require(j >= 0 && j < graph.n, "read_graph: neighbour out of range");
      require(j != i, "read_graph: node is its own neighbour");
      const auto& back = graph.neighbours[j];
      require(std::binary_search(back.begin(), back.end(), i), "read_graph: graph not symmetric");
    }
  }
}

void check_triplets(int n) {
  const Eigen::SparseMatrix<double> matrix = pyinla::read_symmetric_triplets(data_path(), n);
  require(matrix.rows() == n && matrix.cols() == n, "read_symmetric_triplets: wrong size");
  for (int k = 0; k < matrix.outerSize(); ++k) {
    for (Eigen::SparseMatrix<double>::InnerIterator it(matrix, k); it; ++it) {
      require(std::isfinite(it.value()), "read_symmetric_triplets: value not finite");
      require(matrix.coeff(it.col(), it.row()) == it.value(), "read_symmetric_triplets: not symmetric");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  pyinla_fuzz::write_file(data_path(), data, size);
  const std::size_t lines = count_data_lines(text);

  try_read([&] { check_vector(lines, true); });
  try_read([&] { check_vector(lines, false); });
  try_read([&] { check_vector(lines + 1, true); });
  for (int levels : {1, 3, 1 << 20}) try_read([&] { check_index(lines, levels); });

  // Labels are any text, so with the right count only a NUL byte can make them fail.
  const bool labels_read = try_read([&] {
    const std::vector<std::string> labels = pyinla::read_labels(data_path(), lines);
    require(labels.size() == lines, "read_labels returned another number of labels");
    for (const auto& label : labels) require(!label.empty(), "read_labels returned an empty label");
  });
  require(labels_read || text.find('\0') != std::string::npos, "read_labels rejected text without a NUL byte");

  try_read(check_graph);
  for (int n : {1, 3, 50}) try_read([&] { check_triplets(n); });
  return 0;
}
