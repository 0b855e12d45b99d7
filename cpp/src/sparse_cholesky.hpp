// Sparse Cholesky factorization on a symbolic structure computed once per pattern, and selected inversion
// (Takahashi recursions) on the factor's pattern. Both walk the elimination tree, so independent subtrees run
// side by side in the inner arena while each column's arithmetic stays the same, whatever the thread count.
#pragma once

#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <vector>

namespace pyinla {

using SparseMatrix = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;

// The fill-reducing ordering of a symmetric pattern, the permuted lower triangle it gives, and the symbolic
// Cholesky factor: the pattern of L and the elimination tree. Precision matrices keep their pattern for every
// theta, so this is computed once and shared read-only by all evaluations.
class SymmetricPattern {
 public:
  // `symmetric` contains both triangles (values are ignored).
  explicit SymmetricPattern(const SparseMatrix& symmetric);

  int size() const { return static_cast<int>(permutation_.size()); }

  // A zero-valued copy of the permuted lower triangle, to be filled through value_index().
  SparseMatrix empty_lower() const { return lower_; }

  // Position in empty_lower().valuePtr() of the original entry (i, j), either triangle; -1 if not in the pattern.
  int value_index(int i, int j) const;

  // permutation()[i] is the permuted position of original index i.
  const std::vector<int>& permutation() const { return permutation_; }

  // Pattern of L in compressed columns, rows sorted, the diagonal first.
  const std::vector<int>& l_column_start() const { return l_column_start_; }
  const std::vector<int>& l_rows() const { return l_rows_; }

  // For column j, the entries L(j, k), k < j, as positions in L's value array, by increasing k.
  const std::vector<int>& row_entry_start() const { return row_entry_start_; }
  const std::vector<int>& row_entry_column() const { return row_entry_column_; }
  const std::vector<int>& row_entry_position() const { return row_entry_position_; }

  // Elimination tree in postorder: the subtree of node j is the range [first_descendant[j], j].
  const std::vector<int>& parent() const { return parent_; }
  const std::vector<int>& first_descendant() const { return first_descendant_; }
  const std::vector<std::vector<int>>& children() const { return children_; }

 private:
  void analyse(const SparseMatrix& symmetric, const std::vector<int>& ordering);

  std::vector<int> permutation_;
  SparseMatrix lower_;
  std::vector<int> l_column_start_, l_rows_;
  std::vector<int> row_entry_start_, row_entry_column_, row_entry_position_;
  std::vector<int> parent_, first_descendant_;
  std::vector<std::vector<int>> children_;
};

// Numeric Cholesky factor L L' of a permuted matrix built on a SymmetricPattern.
class CholeskyFactor {
 public:
  explicit CholeskyFactor(const SymmetricPattern& pattern) : pattern_(&pattern) {}

  // Factorizes the permuted lower triangle; returns false when the matrix is not positive definite.
  bool factorize(const SparseMatrix& permuted_lower);

  double log_determinant() const;

  // Solves (the original, unpermuted) matrix times x = b.
  Eigen::VectorXd solve(const Eigen::VectorXd& b) const;
  Eigen::MatrixXd solve(const Eigen::MatrixXd& b) const;

  // Solves L' y = u in the permuted ordering and returns y in the original one: for u ~ N(0, I), y ~ N(0, Q^-1).
  Eigen::VectorXd solve_transposed_factor(const Eigen::VectorXd& u) const;

  // Computes the entries of the inverse on the pattern of L (Takahashi recursions). Afterwards
  // inverse_entry() and inverse_diagonal() may be called.
  void compute_selected_inverse();
  double inverse_entry(int i, int j) const;  // original indices; both must be in the pattern of L
  Eigen::VectorXd inverse_diagonal() const;  // original ordering

 private:
  bool factor_column(int j, const SparseMatrix& a, std::vector<double>& work);
  void solve_upper_in_place(Eigen::VectorXd& y) const;
  void invert_column(int j, std::vector<int>& position, std::vector<double>& acc);

  const SymmetricPattern* pattern_;
  std::vector<double> l_;      // values of L on the pattern
  std::vector<double> sigma_;  // inverse on L's pattern, aligned with l_
};

}  // namespace pyinla
