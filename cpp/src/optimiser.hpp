// The mode of log pi~(theta | y) by BFGS with central-difference gradients, and the Hessian at the mode.
#pragma once

#include <Eigen/Dense>
#include <vector>

#include "gaussian_approximation.hpp"

namespace pyinla {

struct ThetaMode {
  std::vector<double> theta;       // theta*, internal scale
  double log_posterior = 0;        // log pi~(theta* | y)
  Eigen::VectorXd latent_mode;     // x* at theta*, the start of every later Newton iteration
  Eigen::MatrixXd hessian;         // of -log pi~(theta | y) at theta*
  int iterations = 0;
  int evaluations = 0;
};

// Finds theta*; the gradient and Hessian evaluations run side by side in the outer arena, each starting from the
// latent mode of the current iterate, so the result does not depend on the thread count.
ThetaMode find_theta_mode(const LatentGaussianModel& lgm, const std::vector<double>& start);

// The initial values of the free hyperparameters, from the model file.
std::vector<double> initial_theta(const Model& model);

// Evaluates log pi~(theta | y) at each theta, side by side, each Newton iteration starting from `start`.
std::vector<double> evaluate_log_posteriors(const LatentGaussianModel& lgm, const std::vector<std::vector<double>>& thetas,
                                            const Eigen::VectorXd& start);

}  // namespace pyinla
