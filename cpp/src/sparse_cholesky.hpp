// Sparse Cholesky factorization with a fill-reducing ordering computed once per pattern, and selected inversion
// (Takahashi recursions) of the factor's pattern.
#pragma once

#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <Eigen/SparseCholesky>
#include <vector>

namespace pyinla {

using SparseMatrix = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;

// The fill-reducing (AMD) ordering of a symmetric pattern and the permuted lower triangle it gives. Precision
// matrices keep their pattern for every theta, so this is computed once and shared read-only by all evaluations.
class SymmetricPattern {
 public:
  // `symmetric` holds both triangles (values are ignored).
  explicit SymmetricPattern(const SparseMatrix& symmetric);

  int size() const { return static_cast<int>(permutation_.size()); }

  // A zero-valued copy of the permuted lower triangle, to be filled through value_index().
  SparseMatrix empty_lower() const { return lower_; }

  // Position in empty_lower().valuePtr() of the original entry (i, j), either triangle; -1 if not in the pattern.
  int value_index(int i, int j) const;

  // permutation()[i] is the permuted position of original index i.
  const std::vector<int>& permutation() const { return permutation_; }

 private:
  std::vector<int> permutation_;
  SparseMatrix lower_;
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

  // Computes the entries of the inverse on the pattern of L (Takahashi recursions). Afterwards
  // inverse_entry() and inverse_diagonal() may be called.
  void compute_selected_inverse();
  double inverse_entry(int i, int j) const;  // original indices; both must be in the pattern of L
  Eigen::VectorXd inverse_diagonal() const;  // original ordering

 private:
  const SymmetricPattern* pattern_;
  Eigen::SimplicialLLT<SparseMatrix, Eigen::Lower, Eigen::NaturalOrdering<int>> llt_;
  std::vector<double> sigma_;  // inverse on L's pattern, aligned with L's value array
};

}  // namespace pyinla
