// Integration over theta: the points (grid, CCD or the mode alone), their weights, and the log marginal
// likelihood.
#pragma once

#include <Eigen/Dense>
#include <vector>

#include "gaussian_approximation.hpp"
#include "optimiser.hpp"

namespace pyinla {

struct IntegrationPoint {
  Eigen::VectorXd z;           // standardised coordinates: theta = theta* + B z
  std::vector<double> theta;
  double log_density = 0;      // log pi~(theta | y), unnormalised
  double weight = 0;           // normalised integration weight
};

// The log density of theta on a regular grid in z (every box point, also those dropped from the integration),
// for the hyperparameter marginals.
struct ZGrid {
  double dz = 0;
  std::vector<int> lower, upper;   // per axis, the smallest and largest step number
  std::vector<double> log_density; // row-major over the axes, axis 0 slowest
};

struct ThetaIntegration {
  std::string strategy;                 // grid, ccd or eb
  Eigen::VectorXd mode;                 // theta*
  Eigen::MatrixXd b;                    // theta = theta* + B z, B = V Lambda^1/2 of H^-1 = V Lambda V'
  std::vector<IntegrationPoint> points; // points with positive weight, the mode first
  std::vector<ConditionalLatent> latent;// Gaussian approximation at each point, with marginals
  ZGrid grid;                           // grid strategy only
  // Along each z axis, the standard deviation of log pi~ on the negative and positive side (for CCD and more
  // than two hyperparameters, where marginals use an asymmetric Gaussian).
  std::vector<double> sd_negative, sd_positive;
  double log_mlik_integration = 0;
  double log_mlik_gaussian = 0;
  // An evaluated theta whose log density exceeds the mode's: the optimiser stopped at a local mode.
  std::vector<double> higher_theta;
};

// Places the integration points around the mode and computes their weights and the marginal likelihood.
ThetaIntegration integrate_theta(const LatentGaussianModel& lgm, const ThetaMode& mode);

// Computes the Gaussian approximation with marginals at every integration point, side by side.
void compute_conditional_marginals(const LatentGaussianModel& lgm, const ThetaMode& mode, ThetaIntegration* in);

}  // namespace pyinla
