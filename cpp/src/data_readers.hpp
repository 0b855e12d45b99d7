// Readers of the data files a model file names: vectors, level indices, labels, graphs and sparse matrices.
// Each throws DataFileError naming the file and line at fault. Each reads only regular files, skips blank lines,
// comment lines (first non-blank character '#') and a UTF-8 byte order mark at the start, and accepts CRLF line
// ends.
#pragma once

#include <Eigen/Sparse>
#include <string>
#include <vector>

namespace pyinla {

// Reads exactly `expected` numbers, one per line. `nan` or `na` (any case) is accepted only when `allow_missing`
// is set. Infinite values and numbers beyond the range of double are rejected.
std::vector<double> read_vector(const std::string& path, std::size_t expected, bool allow_missing);

// The index of an observation that a random term does not apply to (R-INLA's NA in f()).
constexpr int kNoLevel = -1;

// Reads exactly `expected` integers, each in [0, levels), or kNoLevel when `allow_none`.
std::vector<int> read_index(const std::string& path, std::size_t expected, int levels, bool allow_none = false);

// Reads exactly `expected` non-empty lines of text.
std::vector<std::string> read_labels(const std::string& path, std::size_t expected);

// An undirected graph as neighbour lists over 0-based nodes.
struct Graph {
  int n = 0;
  std::vector<std::vector<int>> neighbours;
};

// Reads a graph in R-INLA's text format, 0- or 1-based, and checks that it is symmetric, that no node is listed
// twice or is its own neighbour, and that every id fits one numbering.
Graph read_graph(const std::string& path);

// Reads a symmetric n x n matrix given as `i j value` triplets (0-based), one or both triangles.
Eigen::SparseMatrix<double> read_symmetric_triplets(const std::string& path, int n);

// Reads a rows x cols matrix given as `i j value` triplets (0-based), each entry at most once.
Eigen::SparseMatrix<double> read_triplets(const std::string& path, int rows, int cols);

}  // namespace pyinla
