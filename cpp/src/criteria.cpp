#include "criteria.hpp"

#include <algorithm>
#include <cmath>

#include "gauss_hermite.hpp"
#include "threads.hpp"

namespace pyinla {

namespace {

// Contributions of one observation, summed over observations in index order afterwards.
struct ObservationCriteria {
  double mean_log_density = 0;     // E log pi(y | eta, theta)
  double variance_log_density = 0; // Var log pi(y | eta, theta)
  double log_mean_density = 0;     // log E pi(y | eta, theta)
  double log_density_at_mean = 0;  // log pi(y | E eta, E theta)
  double cpo = NAN, pit = NAN;
  int failure = 0;
};

ObservationCriteria observation_criteria(const Model& m, const ThetaIntegration& in,
                                         const std::vector<std::vector<double>>& hyper, int o,
                                         const std::vector<double>& mean_hyper) {
  const Likelihood& likelihood = *m.likelihood;
  const QuadratureRule& rule = gauss_hermite(30);
  ObservationCriteria c;
  double first = 0, second = 0, density = 0, eta_mean = 0, inverse_cpo = 0, pit_weighted = 0;

  for (std::size_t k = 0; k < in.points.size(); ++k) {
    const ConditionalLatent& latent = in.latent[k];
    const double w = in.points[k].weight;
    const double* theta = hyper[k].data();
    const TiltedMarginal tilted = tilted_marginal(m, latent, o, theta);
    for (std::size_t g = 0; g < tilted.eta.size(); ++g) {
      const double l = tilted.log_density[g], v = w * tilted.weight[g];
      eta_mean += v * tilted.eta[g];
      first += v * l;
      second += v * l * l;
      density += v * std::exp(l);
    }

    // Leave-one-out: divide the Gaussian marginal of eta_o by the quadratic expansion of log pi(y_o | eta_o)
    // at its mean (the cavity of expectation propagation).
    const double mean = latent.eta_mean[o], sd = latent.eta_sd[o];
    const double precision = 1.0 / (sd * sd);
    const double curvature = latent.eta_curvature[o];
    const double cavity_precision = precision - curvature;
    // Without a proper cavity, or without a finite ratio E[pi / L~], CPO cannot be computed at this theta.
    if (!(cavity_precision > 1e-12 * precision) || !tilted.corrected) {
      c.failure = 1;
      continue;
    }
    const double gradient = latent.eta_gradient[o];
    const double cavity_mean = (precision * mean - gradient - curvature * mean) / cavity_precision;
    const double cavity_variance = 1.0 / cavity_precision;

    // CPO_k = int cavity(eta) pi(y_o | eta) d eta = Z E[pi / L~] under N(mean, sd^2), with Z the mass of
    // cavity * L~. The ratio is smooth (exactly 1 for a Gaussian likelihood), where pi alone can be far
    // narrower than the cavity.
    const double mu = cavity_mean - mean;
    const double spread = 1 + curvature * cavity_variance;
    const double log_z = tilted.log_at_mean - 0.5 * std::log(spread) +
                         (2 * mu * gradient + gradient * gradient * cavity_variance - mu * mu * curvature) / (2 * spread);
    const double cpo_k = std::exp(log_z) * tilted.ratio;

    // PIT_k = int cavity(eta) P(Y <= y_o | eta) d eta.
    double pit_k = 0;
    const double cavity_sd = std::sqrt(cavity_variance);
    for (std::size_t g = 0; g < rule.nodes.size(); ++g) {
      pit_k += rule.weights[g] * likelihood.predictive_cdf(m.data, o, cavity_mean + cavity_sd * rule.nodes[g],
                                                           cavity_variance, theta);
    }
    if (likelihood.is_gaussian()) pit_k = likelihood.predictive_cdf(m.data, o, cavity_mean, cavity_variance, theta);

    // 1 / CPO = E[1 / pi(y_o | y_-o, theta)] over pi(theta | y); PIT mixes over pi(theta | y_-o).
    inverse_cpo += w / cpo_k;
    pit_weighted += w / cpo_k * pit_k;
  }

  c.mean_log_density = first;
  c.variance_log_density = std::max(second - first * first, 0.0);
  c.log_mean_density = std::log(density);
  c.log_density_at_mean = likelihood.log_density(m.data, o, eta_mean, mean_hyper.data());
  if (!c.failure) {
    c.cpo = 1.0 / inverse_cpo;
    c.pit = std::clamp(pit_weighted / inverse_cpo, 0.0, 1.0);  // quadrature weights sum to 1 within rounding
  }
  return c;
}

}  // namespace

TiltedMarginal tilted_marginal(const Model& m, const ConditionalLatent& latent, int o, const double* theta) {
  const Likelihood& likelihood = *m.likelihood;
  const QuadratureRule& rule = gauss_hermite(30);
  const double mean = latent.eta_mean[o], sd = latent.eta_sd[o];
  const double gradient = latent.eta_gradient[o], curvature = latent.eta_curvature[o];
  TiltedMarginal t;
  t.log_at_mean = likelihood.log_density(m.data, o, mean, theta);
  for (std::size_t g = 0; g < rule.nodes.size(); ++g) {
    const double u = sd * rule.nodes[g];
    const double l = likelihood.log_density(m.data, o, mean + u, theta);
    const double log_expansion = t.log_at_mean + gradient * u - 0.5 * curvature * u * u;
    t.eta.push_back(mean + u);
    t.log_density.push_back(l);
    t.weight.push_back(rule.weights[g] * std::exp(l - log_expansion));
    t.ratio += t.weight.back();
  }

  // A ratio that overflows or vanishes leaves the Gaussian marginal as it is.
  t.corrected = std::isfinite(t.ratio) && t.ratio > 0;
  for (std::size_t g = 0; g < rule.nodes.size(); ++g) {
    t.weight[g] = t.corrected ? t.weight[g] / t.ratio : rule.weights[g];
  }
  return t;
}

ModelCriteria compute_criteria(const Model& m, const ThetaIntegration& in) {
  std::vector<std::vector<double>> hyper;
  std::vector<double> mean_theta(in.points.empty() ? 0 : in.points[0].theta.size(), 0.0);
  for (const auto& p : in.points) {
    hyper.push_back(m.full_hyperparameters(p.theta));
    for (std::size_t j = 0; j < p.theta.size(); ++j) mean_theta[j] += p.weight * p.theta[j];
  }
  const std::vector<double> mean_hyper = m.full_hyperparameters(mean_theta);

  std::vector<ObservationCriteria> per(m.n_obs);
  run_all_threads(m.n_obs, [&](int o) {
    if (!std::isnan(m.data.y[o])) per[o] = observation_criteria(m, in, hyper, o, mean_hyper);
  });

  ModelCriteria out;
  double lppd = 0;
  for (int o = 0; o < m.n_obs; ++o) {
    out.cpo.push_back(per[o].cpo);
    out.pit.push_back(per[o].pit);
    out.failure.push_back(per[o].failure);
    const ObservationCriteria& c = per[o];
    const bool missing = std::isnan(m.data.y[o]);
    const double p_dic = -2 * c.mean_log_density + 2 * c.log_density_at_mean;
    out.local_dic_p_effective.push_back(missing ? NAN : p_dic);
    out.local_dic.push_back(missing ? NAN : -2 * c.mean_log_density + p_dic);
    out.local_waic_p_effective.push_back(missing ? NAN : c.variance_log_density);
    out.local_waic.push_back(missing ? NAN : -2 * (c.log_mean_density - c.variance_log_density));
    if (missing) continue;
    out.mean_deviance += -2 * c.mean_log_density;
    out.deviance_of_mean += -2 * c.log_density_at_mean;
    lppd += c.log_mean_density;
    out.waic_p_effective += c.variance_log_density;
  }
  out.dic_p_effective = out.mean_deviance - out.deviance_of_mean;
  out.dic = out.mean_deviance + out.dic_p_effective;
  out.waic = -2 * (lppd - out.waic_p_effective);
  return out;
}

}  // namespace pyinla
