#include "sparse_cholesky.hpp"

#include <Eigen/OrderingMethods>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>

#include "threads.hpp"

namespace pyinla {

namespace {

// Elimination tree of the symmetric matrix whose lower triangle is `lower` (Liu's algorithm with path
// compression, on the upper triangle seen column by column).
std::vector<int> elimination_tree(const SparseMatrix& lower) {
  const int n = static_cast<int>(lower.cols());
  // Row lists of the lower triangle give, for each column k, the rows i < k of the upper triangle.
  std::vector<std::vector<int>> upper(n);
  for (int col = 0; col < n; ++col)
    for (SparseMatrix::InnerIterator it(lower, col); it; ++it)
      if (it.row() > col) upper[it.row()].push_back(col);
  std::vector<int> parent(n, -1), ancestor(n, -1);
  for (int k = 0; k < n; ++k) {
    for (int i : upper[k]) {
      while (i != -1 && i < k) {
        const int next = ancestor[i];
        ancestor[i] = k;
        if (next == -1) parent[i] = k;
        i = next;
      }
    }
  }
  return parent;
}

// Postorder of a forest given by parent pointers: children before parents, each subtree contiguous.
std::vector<int> postorder(const std::vector<int>& parent) {
  const int n = static_cast<int>(parent.size());
  std::vector<std::vector<int>> children(n);
  std::vector<int> roots;
  for (int j = 0; j < n; ++j) (parent[j] < 0 ? roots : children[parent[j]]).push_back(j);
  std::vector<int> order;
  order.reserve(n);
  std::vector<std::pair<int, std::size_t>> stack;
  for (int root : roots) {
    stack.emplace_back(root, 0);
    while (!stack.empty()) {
      auto& [node, next_child] = stack.back();
      if (next_child < children[node].size()) {
        const int child = children[node][next_child++];
        stack.emplace_back(child, 0);
      } else {
        order.push_back(node);
        stack.pop_back();
      }
    }
  }
  return order;
}

SparseMatrix permuted_lower(const SparseMatrix& symmetric, const std::vector<int>& permutation) {
  const int n = static_cast<int>(symmetric.rows());
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(symmetric.nonZeros() / 2 + n);
  for (int col = 0; col < n; ++col)
    for (SparseMatrix::InnerIterator it(symmetric, col); it; ++it) {
      const int a = permutation[it.row()], b = permutation[col];
      if (a >= b) entries.emplace_back(a, b, 0.0);
    }
  // Every diagonal entry is kept, even when the input pattern lacks it.
  for (int i = 0; i < n; ++i) entries.emplace_back(i, i, 0.0);
  SparseMatrix lower(n, n);
  lower.setFromTriplets(entries.begin(), entries.end());
  lower.makeCompressed();
  std::fill(lower.valuePtr(), lower.valuePtr() + lower.nonZeros(), 0.0);
  return lower;
}

// Subtrees with fewer columns than this run as one serial task.
constexpr int kSerialSubtree = 64;

}  // namespace

SymmetricPattern::SymmetricPattern(const SparseMatrix& symmetric) {
  const int n = static_cast<int>(symmetric.rows());

  // AMD on the full symmetric pattern. Eigen's orderings return the inverse of the permutation that
  // SimplicialCholesky applies, so invert it: amd_position[i] is the new position of original index i.
  Eigen::AMDOrdering<int> amd;
  Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> p;
  amd(symmetric.selfadjointView<Eigen::Lower>(), p);
  const Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> inverse = p.inverse();
  std::vector<int> amd_position(inverse.indices().data(), inverse.indices().data() + n);

  // Postorder the elimination tree of the AMD ordering, which keeps its fill and makes every subtree a
  // contiguous range of columns.
  const std::vector<int> order = postorder(elimination_tree(permuted_lower(symmetric, amd_position)));
  std::vector<int> rank(n);
  for (int k = 0; k < n; ++k) rank[order[k]] = k;
  permutation_.resize(n);
  for (int i = 0; i < n; ++i) permutation_[i] = rank[amd_position[i]];

  lower_ = permuted_lower(symmetric, permutation_);
  analyse(symmetric, permutation_);
}

void SymmetricPattern::analyse(const SparseMatrix&, const std::vector<int>&) {
  const int n = static_cast<int>(lower_.cols());
  parent_ = elimination_tree(lower_);

  // Column structure of L: the lower pattern of A's column j merged with the structures of j's children,
  // without the children themselves.
  children_.assign(n, {});
  for (int j = 0; j < n; ++j)
    if (parent_[j] >= 0) children_[parent_[j]].push_back(j);
  std::vector<std::vector<int>> structure(n);
  std::vector<int> mark(n, -1);
  for (int j = 0; j < n; ++j) {
    std::vector<int>& rows = structure[j];
    mark[j] = j;
    rows.push_back(j);
    for (SparseMatrix::InnerIterator it(lower_, j); it; ++it) {
      const int r = static_cast<int>(it.row());
      if (mark[r] != j) {
        mark[r] = j;
        rows.push_back(r);
      }
    }
    for (int c : children_[j])
      for (int r : structure[c])
        if (r > j && mark[r] != j) {
          mark[r] = j;
          rows.push_back(r);
        }
    std::sort(rows.begin() + 1, rows.end());
  }

  l_column_start_.assign(n + 1, 0);
  for (int j = 0; j < n; ++j) l_column_start_[j + 1] = l_column_start_[j] + static_cast<int>(structure[j].size());
  l_rows_.reserve(l_column_start_[n]);
  for (int j = 0; j < n; ++j) l_rows_.insert(l_rows_.end(), structure[j].begin(), structure[j].end());

  // Row lists: for each row j, the columns k < j with L(j, k) != 0 and the position of that entry.
  std::vector<int> count(n + 1, 0);
  for (int k = 0; k < n; ++k)
    for (int q = l_column_start_[k] + 1; q < l_column_start_[k + 1]; ++q) ++count[l_rows_[q] + 1];
  row_entry_start_.assign(n + 1, 0);
  for (int j = 0; j < n; ++j) row_entry_start_[j + 1] = row_entry_start_[j] + count[j + 1];
  row_entry_column_.resize(row_entry_start_[n]);
  row_entry_position_.resize(row_entry_start_[n]);
  std::vector<int> fill(row_entry_start_.begin(), row_entry_start_.end() - 1);
  for (int k = 0; k < n; ++k)
    for (int q = l_column_start_[k] + 1; q < l_column_start_[k + 1]; ++q) {
      const int j = l_rows_[q];
      row_entry_column_[fill[j]] = k;
      row_entry_position_[fill[j]++] = q;
    }

  // In postorder a subtree is a contiguous range ending at its root.
  first_descendant_.resize(n);
  for (int j = 0; j < n; ++j) first_descendant_[j] = j;
  for (int j = 0; j < n; ++j)
    if (parent_[j] >= 0) first_descendant_[parent_[j]] = std::min(first_descendant_[parent_[j]], first_descendant_[j]);
}

int SymmetricPattern::value_index(int i, int j) const {
  int a = permutation_[i], b = permutation_[j];
  if (a < b) std::swap(a, b);
  const int* rows = lower_.innerIndexPtr();
  const int begin = lower_.outerIndexPtr()[b], end = lower_.outerIndexPtr()[b + 1];
  const int* hit = std::lower_bound(rows + begin, rows + end, a);
  return (hit != rows + end && *hit == a) ? static_cast<int>(hit - rows) : -1;
}

namespace {

// Runs `column(j)` for every column of the elimination forest, children before parents (`bottom_up`) or parents
// before children. A chain of single children runs in order; the subtrees below a branch run side by side in
// the inner arena.
void walk_tree(const SymmetricPattern& s, bool bottom_up, const std::function<void(int)>& column) {
  const auto& first = s.first_descendant();
  const auto& children = s.children();

  std::function<void(int)> subtree = [&](int root) {
    if (root - first[root] + 1 < kSerialSubtree) {
      if (bottom_up) {
        for (int j = first[root]; j <= root; ++j) column(j);
      } else {
        for (int j = root; j >= first[root]; --j) column(j);
      }
      return;
    }
    int branch = root;
    while (children[branch].size() == 1) branch = children[branch][0];
    if (!bottom_up)
      for (int j = root; j >= branch; --j) column(j);
    run_tasks(static_cast<int>(children[branch].size()), [&](int c) { subtree(children[branch][c]); });
    if (bottom_up)
      for (int j = branch; j <= root; ++j) column(j);
  };

  std::vector<int> roots;
  for (int j = 0; j < s.size(); ++j)
    if (s.parent()[j] < 0) roots.push_back(j);
  run_in_inner_arena([&] { run_tasks(static_cast<int>(roots.size()), [&](int r) { subtree(roots[r]); }); });
}

}  // namespace

bool CholeskyFactor::factor_column(int j, const SparseMatrix& a, std::vector<double>& work) {
  const auto& start = pattern_->l_column_start();
  const auto& rows = pattern_->l_rows();
  const auto& entry_start = pattern_->row_entry_start();
  const auto& entry_column = pattern_->row_entry_column();
  const auto& entry_position = pattern_->row_entry_position();

  // Left-looking: L(j:n, j) = A(j:n, j) - sum over k with L(j, k) != 0 of L(j:n, k) L(j, k), scaled.
  for (SparseMatrix::InnerIterator it(a, j); it; ++it) work[it.row()] = it.value();
  for (int e = entry_start[j]; e < entry_start[j + 1]; ++e) {
    const int k = entry_column[e];
    const int q0 = entry_position[e];
    const double ljk = l_[q0];
    for (int q = q0; q < start[k + 1]; ++q) work[rows[q]] -= l_[q] * ljk;
  }

  const double d = work[j];
  work[j] = 0.0;
  const bool positive = d > 0 && std::isfinite(d);
  const double ljj = positive ? std::sqrt(d) : 1.0;
  l_[start[j]] = ljj;
  for (int q = start[j] + 1; q < start[j + 1]; ++q) {
    l_[q] = work[rows[q]] / ljj;
    work[rows[q]] = 0.0;
  }
  return positive;
}

bool CholeskyFactor::factorize(const SparseMatrix& permuted_lower) {
  const int n = pattern_->size();
  l_.assign(pattern_->l_rows().size(), 0.0);
  sigma_.clear();
  std::atomic<bool> positive{true};
  walk_tree(*pattern_, true, [&](int j) {
    thread_local std::vector<double> work;
    if (static_cast<int>(work.size()) < n) work.assign(n, 0.0);
    if (!factor_column(j, permuted_lower, work)) positive = false;
  });
  return positive;
}

double CholeskyFactor::log_determinant() const {
  const auto& start = pattern_->l_column_start();
  double sum = 0;
  for (int j = 0; j < pattern_->size(); ++j) sum += std::log(l_[start[j]]);
  return 2.0 * sum;
}

// Back substitution L' y = y in place, on the permuted ordering.
void CholeskyFactor::solve_upper_in_place(Eigen::VectorXd& y) const {
  const auto& start = pattern_->l_column_start();
  const auto& rows = pattern_->l_rows();
  for (int j = static_cast<int>(y.size()) - 1; j >= 0; --j) {
    double s = y[j];
    for (int q = start[j] + 1; q < start[j + 1]; ++q) s -= l_[q] * y[rows[q]];
    y[j] = s / l_[start[j]];
  }
}

Eigen::VectorXd CholeskyFactor::solve(const Eigen::VectorXd& b) const {
  const auto& perm = pattern_->permutation();
  const auto& start = pattern_->l_column_start();
  const auto& rows = pattern_->l_rows();
  const int n = static_cast<int>(b.size());
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) y[perm[i]] = b[i];

  // L y = P b, then L' z = y.
  for (int j = 0; j < n; ++j) {
    y[j] /= l_[start[j]];
    for (int q = start[j] + 1; q < start[j + 1]; ++q) y[rows[q]] -= l_[q] * y[j];
  }
  solve_upper_in_place(y);

  Eigen::VectorXd x(n);
  for (int i = 0; i < n; ++i) x[i] = y[perm[i]];
  return x;
}

Eigen::VectorXd CholeskyFactor::solve_transposed_factor(const Eigen::VectorXd& u) const {
  const auto& perm = pattern_->permutation();
  Eigen::VectorXd y = u;
  solve_upper_in_place(y);
  Eigen::VectorXd x(u.size());
  for (Eigen::Index i = 0; i < u.size(); ++i) x[i] = y[perm[i]];
  return x;
}

Eigen::MatrixXd CholeskyFactor::solve(const Eigen::MatrixXd& b) const {
  Eigen::MatrixXd x(b.rows(), b.cols());
  for (int c = 0; c < b.cols(); ++c) x.col(c) = solve(Eigen::VectorXd(b.col(c)));
  return x;
}

void CholeskyFactor::invert_column(int j, std::vector<int>& position, std::vector<double>& acc) {
  const auto& start = pattern_->l_column_start();
  const auto& rows = pattern_->l_rows();
  const int diag = start[j];
  const int first = diag + 1, end = start[j + 1];
  const int m = end - first;
  acc.assign(m, 0.0);
  for (int t = 0; t < m; ++t) position[rows[first + t]] = t;

  // acc[t] = sum over k in the column's pattern of L(k, j) Sigma(k, rows[t]); each stored Sigma(i, k), i >= k,
  // serves both (k, i) and (i, k). The columns k are ancestors of j, so they are already done.
  for (int t = 0; t < m; ++t) {
    const int k = rows[first + t];
    for (int q = start[k]; q < start[k + 1]; ++q) {
      const int u = position[rows[q]];
      if (u < 0) continue;
      acc[u] += l_[first + t] * sigma_[q];
      if (rows[q] != k) acc[t] += l_[first + u] * sigma_[q];
    }
  }

  const double ljj = l_[diag];
  double diagonal_sum = 0;
  for (int t = 0; t < m; ++t) {
    sigma_[first + t] = -acc[t] / ljj;
    diagonal_sum += l_[first + t] * sigma_[first + t];
  }
  sigma_[diag] = 1.0 / (ljj * ljj) - diagonal_sum / ljj;
  for (int t = 0; t < m; ++t) position[rows[first + t]] = -1;
}

void CholeskyFactor::compute_selected_inverse() {
  const int n = pattern_->size();
  sigma_.assign(l_.size(), 0.0);
  // Column j of the inverse needs only its ancestors' columns inside the pattern of L (Takahashi, Fagan and
  // Chen, 1973), so the tree is walked from the roots down.
  walk_tree(*pattern_, false, [&](int j) {
    thread_local std::vector<int> position;
    thread_local std::vector<double> acc;
    if (static_cast<int>(position.size()) < n) position.assign(n, -1);
    invert_column(j, position, acc);
  });
}

double CholeskyFactor::inverse_entry(int i, int j) const {
  const auto& perm = pattern_->permutation();
  const auto& start = pattern_->l_column_start();
  const auto& rows = pattern_->l_rows();
  int a = perm[i], b = perm[j];
  if (a < b) std::swap(a, b);
  const int* begin = rows.data() + start[b];
  const int* end = rows.data() + start[b + 1];
  const int* hit = std::lower_bound(begin + 1, end, a);
  if (a == b) return sigma_[start[b]];
  if (hit == end || *hit != a) return std::nan("");
  return sigma_[hit - rows.data()];
}

Eigen::VectorXd CholeskyFactor::inverse_diagonal() const {
  const auto& perm = pattern_->permutation();
  const auto& start = pattern_->l_column_start();
  Eigen::VectorXd d(pattern_->size());
  for (int i = 0; i < pattern_->size(); ++i) d[i] = sigma_[start[perm[i]]];
  return d;
}

}  // namespace pyinla
