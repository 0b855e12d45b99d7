// Model criteria from the posterior of the linear predictor: DIC, WAIC, and CPO with PIT per observation.
#pragma once

#include <vector>

#include "integration.hpp"
#include "model.hpp"

namespace pyinla {

struct ModelCriteria {
  // DIC = mean deviance + p_D, with p_D = mean deviance - deviance at the posterior mean.
  double dic = 0, dic_p_effective = 0, mean_deviance = 0, deviance_of_mean = 0;
  // WAIC = -2 (lppd - p_WAIC), with p_WAIC the summed posterior variance of log pi(y_o | eta_o).
  double waic = 0, waic_p_effective = 0;
  // Per observation (NaN for a missing response): CPO = pi(y_o | y_-o), PIT = P(Y_o <= y_o | y_-o), and 1 when
  // the leave-one-out approximation failed (the observation carries more information than the posterior).
  std::vector<double> cpo, pit;
  std::vector<int> failure;
  // Each observation's share of DIC, WAIC and their effective numbers of parameters (NaN for a missing
  // response), which sum to the totals: R-INLA's local.dic, local.p.eff and their WAIC counterparts.
  std::vector<double> local_dic, local_dic_p_effective, local_waic, local_waic_p_effective;
};

ModelCriteria compute_criteria(const Model& model, const ThetaIntegration& integration);

// The marginal of eta_o at one theta on Gauss-Hermite nodes. The engine's marginal N(mean, sd^2) already contains
// the quadratic expansion L~ of log pi(y_o | eta) at the mean, so cavity(eta) * pi(y_o | eta) is proportional to
// N(mean, sd^2) * pi / L~: reweighting the nodes by r = pi / L~ corrects the Gaussian marginal for the
// observation's own likelihood, which matters most when eta_o is informed mainly by y_o.
struct TiltedMarginal {
  std::vector<double> eta, log_density, weight;  // weights of the corrected marginal, summing to 1
  double ratio = 0;                               // E[pi / L~] under N(mean, sd^2)
  double log_at_mean = 0;                         // log pi(y_o | eta) at the Gaussian mean
  bool corrected = false;  // false when the ratio overflowed or vanished and the weights stayed Gaussian
};

TiltedMarginal tilted_marginal(const Model& model, const ConditionalLatent& latent, int o, const double* theta);

}  // namespace pyinla
