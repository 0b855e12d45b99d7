// The Gaussian approximation of the latent field for one theta, and the Laplace approximation of
// log pi(theta | y) built from it (Rue, Martino and Chopin, 2009, eq. 3).
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <memory>
#include <vector>

#include "model.hpp"
#include "sparse_cholesky.hpp"

namespace pyinla {

// The level of detail of an evaluation beyond log pi~(theta | y).
enum class Detail {
  kLogDensity,  // mode and log density only (the optimiser)
  kMarginals,   // also marginal variances and, for simplified.laplace, the skewness corrections
};

// The results for one theta.
struct ConditionalLatent {
  std::vector<double> theta;  // free hyperparameters, internal scale
  double log_posterior = 0;   // log pi~(theta | y) up to a constant
  Eigen::VectorXd mode;       // x*, the constrained mode of pi_G(x | theta, y)
  Eigen::VectorXd sd;         // marginal standard deviations of pi_G (kMarginals)
  // Simplified Laplace: x_i = mode_i + sd_i z has log density -z^2/2 + gamma1_i z + gamma3_i z^3/6 (kMarginals).
  Eigen::VectorXd gamma1;
  Eigen::VectorXd gamma3;
  int newton_iterations = 0;
  // The linear predictor eta = A x + offset under pi_G, when the model requests predictor outputs: its mean and
  // sd, and the first derivative and minus the second derivative of log pi(y_o | eta_o) at the mean.
  Eigen::VectorXd eta_mean, eta_sd, eta_gradient, eta_curvature;
  // Full Laplace (strategy laplace, or adaptive for the fixed effects): the mean, sd and skewness of the Laplace
  // approximation of each x_i's marginal; NaN where it was not computed.
  Eigen::VectorXd laplace_mean, laplace_sd, laplace_skewness;
  // Draws from pi_G(x | theta, y) given C x = 0, one per column (when evaluate() is asked for samples).
  Eigen::MatrixXd samples;
  // Mean and sd of each linear combination w'x under pi_G (kMarginals).
  Eigen::VectorXd lincomb_mean, lincomb_sd;
};

// Everything about the model that does not depend on theta: the observation matrix A (eta = A x + offset), the
// fill-reducing ordering of Q + A'WA, and where each term's entries go. Built once, then shared read-only by
// every evaluation.
class LatentGaussianModel {
 public:
  explicit LatentGaussianModel(const Model& model);

  const Model& model() const { return model_; }
  int theta_size() const { return static_cast<int>(model_.free_index.size()); }

  // Computes the Gaussian approximation at theta, starting Newton's method from `start` (or zero when empty).
  // Throws NumericalError when a precision matrix is not positive definite or Newton's method fails.
  ConditionalLatent evaluate(const std::vector<double>& theta, const Eigen::VectorXd& start, Detail detail,
                             int sample_count = 0, std::uint64_t seed = 0) const;

 private:
  // The prior of one random term: either constants (Q = tau R) or a pattern to factorize Q_j(theta) on.
  struct TermPrior {
    bool scaled = false;
    double log_det_structure = 0;   // log|R| (scaled)
    double log_det_constraint = 0;  // log|C R^-1 C'| (scaled)
    std::unique_ptr<SymmetricPattern> pattern;  // of Q_j (not scaled)
    std::vector<std::vector<int>> part_slots;   // per part, the value index of each lower entry
    std::vector<int> diagonal_slot;
  };

  void build_observation_matrix();
  void build_posterior_pattern();
  void build_term_priors();

  double log_prior_latent(const std::vector<double>& hyper, const Eigen::VectorXd& x) const;
  void assemble_prior(const std::vector<double>& hyper, double* values) const;
  void add_copy_tie(std::size_t k, double beta, double* values) const;
  double tied_quadratic_form(std::size_t k, const std::vector<double>& hyper, const Eigen::VectorXd& x) const;

  const Model& model_;
  Eigen::SparseMatrix<double, Eigen::RowMajor, int> a_;  // n_obs x latent_size
  Eigen::VectorXd prior_mean_;
  Eigen::MatrixXd constraints_;  // all constraints on x, one row each

  std::unique_ptr<SymmetricPattern> pattern_;  // of Q + A'A
  // For term t and part k: the value index of each stored lower-triangle entry of parts[k], in iteration order.
  std::vector<std::vector<std::vector<int>>> part_slots_;
  std::vector<int> diagonal_slot_;  // value index of (i, i)
  // For each copy term (empty for the others), the value index of (copy level i, source level i).
  std::vector<std::vector<int>> copy_slots_;
  // A'WA by value slot s of the lower triangle: the observations [slot_begin_[s], slot_begin_[s+1]) of
  // slot_observation_ add W_o times slot_weight_ (a_oi a_oj), in increasing o.
  std::vector<int> slot_begin_, slot_observation_;
  std::vector<double> slot_weight_;
  Eigen::SparseMatrix<double, Eigen::RowMajor, int> a_transpose_;  // A' by rows, for A'v over latent variables

  Eigen::VectorXd linear_predictor(const Eigen::VectorXd& x, const Eigen::VectorXd& offset) const;

  // Moments of the Laplace approximation of x_i's marginal at theta (Rue, Martino and Chopin, 2009, eq. 19):
  // log pi_LA(x_i) = log pi(x, y | theta) - log pi_GG(x_-i | x_i), with x_-i at its conditional mean under pi_G.
  void laplace_moments(int i, const std::vector<double>& hyper, const Eigen::VectorXd& mode, double sd,
                       const Eigen::VectorXd& column, double* mean, double* new_sd, double* skewness) const;
  Eigen::VectorXd transpose_times(const Eigen::VectorXd& v) const;

  std::vector<TermPrior> term_priors_;
};

}  // namespace pyinla
