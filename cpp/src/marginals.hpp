// Posterior marginals. A latent variable's is a mixture over the integration points, and a hyperparameter's is
// a density interpolated from the log density of theta on the integration grid.
#pragma once

#include <string>
#include <vector>

#include "integration.hpp"
#include "model.hpp"

namespace pyinla {

struct MarginalSummary {
  double mean = 0, sd = 0, q025 = 0, q50 = 0, q975 = 0, mode = 0;
  double kld = 0;  // symmetric Kullback-Leibler divergence of the Gaussian from the corrected marginal at theta*
};

struct Density {
  std::vector<double> x, density;
};

struct LatentMarginals {
  std::vector<MarginalSummary> summary;  // one per latent variable, in the order of x
  std::vector<Density> fixed_density;    // one per fixed effect, 81 points
  std::vector<Density> latent_density;   // one per entry of the latent field, 41 points (for the random terms)
};

LatentMarginals summarise_latent(const Model& model, const ThetaIntegration& integration);

// Marginals of the linear predictor eta_o and of the fitted value g^-1(eta_o), one per observation.
struct PredictorMarginals {
  std::vector<MarginalSummary> linear_predictor, fitted;
  std::vector<Density> linear_predictor_density, fitted_density;
};

// Each eta_o is a mixture over the integration points of its Gaussian marginals. The fitted value is its transform
// by the inverse link: quantiles map through it, and the mean and sd come from Gauss-Hermite quadrature.
PredictorMarginals summarise_predictor(const Model& model, const ThetaIntegration& integration);

// Marginals of the linear combinations: mixtures over the integration points of their Gaussian marginals.
struct LincombMarginals {
  std::vector<MarginalSummary> summary;
  std::vector<Density> density;
};

LincombMarginals summarise_lincombs(const Model& model, const ThetaIntegration& integration);

struct HyperparameterMarginal {
  MarginalSummary user, internal;
  Density user_density;
};

// One entry per free hyperparameter.
std::vector<HyperparameterMarginal> summarise_hyperparameters(const Model& model, const ThetaIntegration& integration);

}  // namespace pyinla
