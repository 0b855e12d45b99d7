// Latent models: the precision matrix of each random term as a sum of fixed matrices with theta-dependent
// coefficients, plus its linear constraints.
#pragma once

#include <Eigen/Dense>
#include <string>
#include <vector>

#include "data_readers.hpp"
#include "priors.hpp"
#include "sparse_cholesky.hpp"

namespace pyinla {

// One random term f(...): a block of the latent field x.
struct LatentTerm {
  std::string name;
  std::string model;
  int n = 0;       // number of levels
  int offset = 0;  // first position of the block in x
  std::vector<int> index;  // level used by each observation (kNoLevel: none)
  std::vector<double> weights;  // what each observation's level is multiplied by (empty: all 1)
  std::vector<std::string> labels;

  // Q(theta) = sum_k c_k(theta) * parts[k] + diagonal * I.
  std::vector<SparseMatrix> parts;
  double diagonal = 0;

  // Linear constraints C x_block = 0, one row each.
  Eigen::MatrixXd constraints;

  std::vector<Hyperparameter> hyperparameters;

  // group=: G groups of the term correlated by a group model ("ar1", "exchangeable" or "iid"; empty without).
  // parts then holds, for each base part k and group part l, kron(group part l, base part k), k slowest.
  std::string group_model;
  int groups = 1;
  int base_part_count = 0;

  // ar: the order p, with hyperparameters (log marginal precision, p partial autocorrelations).
  int ar_order = 0;

  // copy and z tie part of the block to other latent values with a large fixed precision, as R-INLA does:
  // copy holds beta * (the source term) and z holds v = Z z next to z. copy_source is the source term's
  // position in Model::random (-1 for other models).
  int copy_source = -1;
  double tie_precision = 0;
  SparseMatrix z_matrix;  // z: the n x m matrix Z

  // log|R|*, the log pseudo-determinant of an intrinsic term's structure matrix (0 for proper terms). It is left
  // out of the prior's normalising constant, as R-INLA does, so log marginal likelihoods compare with R-INLA's.
  double log_pseudo_determinant = 0;

  // Fills `c` with the coefficients c_k for the term's hyperparameters `theta` (internal scale).
  void coefficients(const double* theta, std::vector<double>* c) const;
  // The coefficients of the model without its group structure.
  void base_coefficients(const double* theta, std::vector<double>* c) const;

  // True when Q = c_0 * parts[0] exactly, so log|Q| and the constraint term follow from constants.
  bool is_scaled_structure() const { return parts.size() == 1 && diagonal == 0.0; }
};

// The parts of the group precision over G groups: ar1 (I, inner diagonal, first off-diagonals), exchangeable
// (I and the all-ones matrix) or iid (I).
std::vector<SparseMatrix> group_parts(const std::string& model, int groups);

// The coefficients of group_parts() for the group correlation rho (unused for iid).
std::vector<double> group_coefficients(const std::string& model, int groups, double rho);

// Structure matrices R (the precision at tau = 1), each n x n with both triangles stored.
SparseMatrix random_walk_structure(int n, int order, bool cyclic);

// rw1 on increasing locations s: increments x_{i+1} - x_i with variance proportional to s_{i+1} - s_i, scaled by
// the mean spacing so that equally spaced locations give the usual rw1.
SparseMatrix irregular_rw1_structure(const std::vector<double>& locations);
// rw2 on increasing locations s: second differences of an irregular grid, weighted by the local spacing. This is
// a finite-difference form of the integrated Wiener process. The result is scaled by the cube of the mean
// spacing, so equally spaced locations give the usual rw2. Its null space is the constant and linear functions of s.
SparseMatrix irregular_rw2_structure(const std::vector<double>& locations);
SparseMatrix seasonal_structure(int n, int season_length);

// AR(p) coefficients phi_1..phi_p from partial autocorrelations (the Durbin-Levinson recursion); any partial
// autocorrelations in (-1, 1) give a stationary process.
std::vector<double> pacf_to_ar(const std::vector<double>& pacf);

// The precision of a stationary AR(p) of length n with unit innovation variance is a quadratic form in
// a = (1, -phi_1, ..., -phi_p): Q = sum_{i <= j} a_i a_j parts[k(i, j)], k running over the pairs i <= j with j
// fastest. The parts hold the innovation rows p+1..n and, for the first p values, the Gohberg-Semencul form of
// the inverse Toeplitz covariance.
std::vector<SparseMatrix> ar_parts(int n, int order);

// The parts of the z model on (v, z), v n long and z m long: [[I, -Z], [-Z', Z'Z]] (the tie v = Z z) and
// [[0, 0], [0, I]] (the iid prior of z).
std::vector<SparseMatrix> z_parts(const SparseMatrix& z);
SparseMatrix besag_structure(const Graph& graph);

// The three parts of the AR(1) precision: I, diag(0, 1, ..., 1, 0), and the first off-diagonals.
std::vector<SparseMatrix> ar1_parts(int n);

// The parts of bym (iid and spatial precisions) or bym2 (precision and mixing) on x = (first half, spatial half),
// each 2n x 2n, from the besag structure R (already scaled for bym2).
std::vector<SparseMatrix> bym_parts(const SparseMatrix& structure, bool bym2);

// Eigenvalues of the generalised inverse of R on the space orthogonal to its null space (dense: computed once per
// term, for the bym2 mixing prior).
std::vector<double> generalised_inverse_eigenvalues(const SparseMatrix& structure);

// Connected components of a graph, as a component number per node.
std::vector<int> connected_components(const Graph& graph);

// log|R|* of a positive semidefinite R whose null space is spanned by the rows of `null_basis`.
double log_pseudo_determinant(const SparseMatrix& structure, const Eigen::MatrixXd& null_basis);

// Factor s such that s * R has constrained marginal variances (of its generalised inverse) with geometric mean 1.
double structure_scale(const SparseMatrix& structure, const Eigen::MatrixXd& constraints);

}  // namespace pyinla
