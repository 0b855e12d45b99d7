#include "sparse_cholesky.hpp"

#include <Eigen/OrderingMethods>
#include <algorithm>
#include <cmath>

namespace pyinla {

SymmetricPattern::SymmetricPattern(const SparseMatrix& symmetric) {
  const int n = static_cast<int>(symmetric.rows());

  // AMD works on the full symmetric pattern; Eigen returns P with P * A * P' the reordered matrix.
  Eigen::AMDOrdering<int> amd;
  Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> p;
  amd(symmetric.selfadjointView<Eigen::Lower>(), p);
  // Eigen's ordering returns the inverse permutation in the convention of SimplicialCholesky.
  Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> pinv = p.inverse();
  permutation_.assign(pinv.indices().data(), pinv.indices().data() + n);

  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(symmetric.nonZeros());
  for (int col = 0; col < n; ++col) {
    for (SparseMatrix::InnerIterator it(symmetric, col); it; ++it) {
      const int a = permutation_[it.row()], b = permutation_[col];
      if (a >= b) entries.emplace_back(a, b, 0.0);
    }
  }
  // Every diagonal entry is kept, even when the input pattern lacks it.
  for (int i = 0; i < n; ++i) entries.emplace_back(i, i, 0.0);
  lower_.resize(n, n);
  lower_.setFromTriplets(entries.begin(), entries.end());
  lower_.makeCompressed();
  std::fill(lower_.valuePtr(), lower_.valuePtr() + lower_.nonZeros(), 0.0);
}

int SymmetricPattern::value_index(int i, int j) const {
  int a = permutation_[i], b = permutation_[j];
  if (a < b) std::swap(a, b);
  const int* rows = lower_.innerIndexPtr();
  const int begin = lower_.outerIndexPtr()[b], end = lower_.outerIndexPtr()[b + 1];
  const int* hit = std::lower_bound(rows + begin, rows + end, a);
  return (hit != rows + end && *hit == a) ? static_cast<int>(hit - rows) : -1;
}

bool CholeskyFactor::factorize(const SparseMatrix& permuted_lower) {
  llt_.analyzePattern(permuted_lower);
  llt_.factorize(permuted_lower);
  sigma_.clear();
  return llt_.info() == Eigen::Success;
}

double CholeskyFactor::log_determinant() const {
  const SparseMatrix& l = llt_.matrixL().nestedExpression();
  double sum = 0;
  for (int j = 0; j < l.outerSize(); ++j) sum += std::log(l.valuePtr()[l.outerIndexPtr()[j]]);
  return 2.0 * sum;
}

Eigen::VectorXd CholeskyFactor::solve(const Eigen::VectorXd& b) const {
  const auto& perm = pattern_->permutation();
  const int n = static_cast<int>(b.size());
  Eigen::VectorXd permuted(n);
  for (int i = 0; i < n; ++i) permuted[perm[i]] = b[i];
  const Eigen::VectorXd solved = llt_.solve(permuted);
  Eigen::VectorXd x(n);
  for (int i = 0; i < n; ++i) x[i] = solved[perm[i]];
  return x;
}

Eigen::MatrixXd CholeskyFactor::solve(const Eigen::MatrixXd& b) const {
  Eigen::MatrixXd x(b.rows(), b.cols());
  for (int c = 0; c < b.cols(); ++c) x.col(c) = solve(Eigen::VectorXd(b.col(c)));
  return x;
}

void CholeskyFactor::compute_selected_inverse() {
  const SparseMatrix& l = llt_.matrixL().nestedExpression();
  const int n = static_cast<int>(l.cols());
  const int* colptr = l.outerIndexPtr();
  const int* rows = l.innerIndexPtr();
  const double* lv = l.valuePtr();
  sigma_.assign(l.nonZeros(), 0.0);

  // position[r] is the slot of row r in the current column's off-diagonal list, or -1.
  std::vector<int> position(n, -1);
  std::vector<double> acc;

  // Column j of the inverse needs only columns k > j of the inverse inside the pattern of L, so the columns
  // are filled from the last to the first (Takahashi, Fagan and Chen, 1973).
  for (int j = n - 1; j >= 0; --j) {
    const int diag = colptr[j];
    const int first = diag + 1, end = colptr[j + 1];
    const int m = end - first;
    acc.assign(m, 0.0);
    for (int t = 0; t < m; ++t) position[rows[first + t]] = t;

    // acc[t] = sum over k in the column's pattern of L(k, j) * Sigma(k, rows[t]); each stored Sigma(i, k),
    // i >= k, serves both (k, i) and (i, k).
    for (int t = 0; t < m; ++t) {
      const int k = rows[first + t];
      for (int q = colptr[k]; q < colptr[k + 1]; ++q) {
        const int u = position[rows[q]];
        if (u < 0) continue;
        acc[u] += lv[first + t] * sigma_[q];
        if (rows[q] != k) acc[t] += lv[first + u] * sigma_[q];
      }
    }

    const double ljj = lv[diag];
    double diagonal_sum = 0;
    for (int t = 0; t < m; ++t) {
      sigma_[first + t] = -acc[t] / ljj;
      diagonal_sum += lv[first + t] * sigma_[first + t];
    }
    sigma_[diag] = 1.0 / (ljj * ljj) - diagonal_sum / ljj;
    for (int t = 0; t < m; ++t) position[rows[first + t]] = -1;
  }
}

double CholeskyFactor::inverse_entry(int i, int j) const {
  const auto& perm = pattern_->permutation();
  int a = perm[i], b = perm[j];
  if (a < b) std::swap(a, b);
  const SparseMatrix& l = llt_.matrixL().nestedExpression();
  const int* rows = l.innerIndexPtr();
  const int begin = l.outerIndexPtr()[b], end = l.outerIndexPtr()[b + 1];
  const int* hit = std::lower_bound(rows + begin, rows + end, a);
  if (hit == rows + end || *hit != a) return std::nan("");
  return sigma_[hit - rows];
}

Eigen::VectorXd CholeskyFactor::inverse_diagonal() const {
  const auto& perm = pattern_->permutation();
  const SparseMatrix& l = llt_.matrixL().nestedExpression();
  const int n = static_cast<int>(l.cols());
  Eigen::VectorXd d(n);
  for (int i = 0; i < n; ++i) d[i] = sigma_[l.outerIndexPtr()[perm[i]]];
  return d;
}

}  // namespace pyinla
