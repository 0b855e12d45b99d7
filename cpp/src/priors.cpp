#include "priors.hpp"

#include <algorithm>
#include <cmath>

#include "ini_reader.hpp"

namespace pyinla {

namespace {
const double kLogTwoPi = std::log(2.0 * M_PI);
}

double Prior::log_density(double theta) const {
  switch (kind) {
    case PriorKind::kLogGamma: {
      // Gamma(shape a, rate b) on tau = exp(theta), with the Jacobian of the log transform.
      const double a = param[0], b = param[1];
      return a * std::log(b) - std::lgamma(a) + a * theta - b * std::exp(theta);
    }
    case PriorKind::kPcPrec: {
      // Simpson et al. (2017): exponential prior on sigma = tau^(-1/2) with P(sigma > u) = alpha.
      const double lambda = -std::log(param[1]) / param[0];
      return std::log(lambda / 2.0) - lambda * std::exp(-theta / 2.0) - theta / 2.0;
    }
    case PriorKind::kNormal: {
      const double mean = param[0], precision = param[1];
      const double d = theta - mean;
      return 0.5 * (std::log(precision) - kLogTwoPi) - 0.5 * precision * d * d;
    }
    case PriorKind::kFlat:
      return 0.0;
    case PriorKind::kPcMixing:
      return log_pc_mixing_density(theta);
  }
  return 0.0;
}

// PC prior of phi = logistic(theta) in bym2: d(phi) = sqrt(2 KLD(phi)) with
// KLD(phi) = 1/2 sum_i [phi (g_i - 1) - log(1 + phi (g_i - 1))], d ~ Exp(lambda) with P(phi < u) = alpha, and the
// Jacobians d d / d phi and d phi / d theta.
double Prior::log_pc_mixing_density(double theta) const {
  const double u = param[0], alpha = param[1];
  auto kld = [&](double phi) {
    double sum = 0;
    for (double g : eigenvalues) sum += phi * (g - 1) - std::log1p(phi * (g - 1));
    return 0.5 * sum;
  };
  const double lambda = -std::log(1 - alpha) / std::sqrt(2 * kld(u));
  const double phi = 1.0 / (1.0 + std::exp(-theta));
  double derivative = 0;  // d KLD / d phi
  for (double g : eigenvalues) derivative += 0.5 * phi * (g - 1) * (g - 1) / (1 + phi * (g - 1));
  const double k = std::max(kld(phi), 1e-300);
  const double d = std::sqrt(2 * k);
  // d d / d phi = KLD' / d; as phi -> 0 both vanish and their ratio tends to a constant, kept finite here.
  const double d_prime = std::max(derivative / std::max(d, 1e-150), 1e-300);
  return std::log(lambda) - lambda * d + std::log(d_prime) + std::log(phi * (1 - phi));
}

Prior Prior::parse(const std::string& name, const std::vector<double>& param, const IniSection& section,
                   const std::string& key) {
  Prior prior;
  prior.param = param;
  auto need = [&](std::size_t count) {
    if (param.size() != count) {
      section.fail(key, "prior '" + name + "' takes " + std::to_string(count) + " parameters, got " +
                            std::to_string(param.size()));
    }
  };

  if (name == "loggamma") {
    need(2);
    if (!(param[0] > 0) || !(param[1] > 0)) section.fail(key, "loggamma needs a positive shape and rate");
    prior.kind = PriorKind::kLogGamma;
  } else if (name == "pc.prec") {
    need(2);
    if (!(param[0] > 0) || !(param[1] > 0 && param[1] < 1)) {
      section.fail(key, "pc.prec needs u > 0 and 0 < alpha < 1");
    }
    prior.kind = PriorKind::kPcPrec;
  } else if (name == "normal" || name == "gaussian") {
    need(2);
    if (!(param[1] > 0)) section.fail(key, "normal needs a positive precision");
    prior.kind = PriorKind::kNormal;
  } else if (name == "pc") {
    need(2);
    if (!(param[0] > 0 && param[0] < 1) || !(param[1] > 0 && param[1] < 1)) {
      section.fail(key, "pc (for phi) needs 0 < u < 1 and 0 < alpha < 1");
    }
    prior.kind = PriorKind::kPcMixing;
  } else if (name == "flat") {
    prior.kind = PriorKind::kFlat;
    prior.param.clear();
  } else {
    section.fail(key, "unknown prior '" + name + "' (known: loggamma, pc.prec, normal, gaussian, flat, and pc for phi)");
  }
  return prior;
}

double to_user_scale(UserScale scale, double theta) {
  switch (scale) {
    case UserScale::kPrecision:
      return std::exp(theta);
    case UserScale::kCorrelation:
      return 2.0 / (1.0 + std::exp(-theta)) - 1.0;
    case UserScale::kProbability:
      return 1.0 / (1.0 + std::exp(-theta));
    case UserScale::kDegreesOfFreedom:
      return 2.0 + std::exp(theta);
  }
  return theta;
}

double user_scale_derivative(UserScale scale, double theta) {
  const double e = std::exp(-theta);
  switch (scale) {
    case UserScale::kPrecision:
    case UserScale::kDegreesOfFreedom:
      return std::exp(theta);
    case UserScale::kCorrelation:
      return 2 * e / ((1 + e) * (1 + e));
    case UserScale::kProbability:
      return e / ((1 + e) * (1 + e));
  }
  return 1.0;
}

Hyperparameter read_hyperparameter(const IniSection& section, const std::string& short_name,
                                   const std::string& default_prior, const std::vector<double>& default_param,
                                   double default_initial) {
  const std::string base = "hyper." + short_name + ".";
  const std::string prior_name = section.get_string(base + "prior", default_prior);
  const std::vector<double> param = section.has(base + "param") ? section.get_doubles(base + "param")
                                                                 : (prior_name == default_prior ? default_param
                                                                                                : std::vector<double>{});
  Hyperparameter h;
  h.prior = Prior::parse(prior_name, param, section, section.has(base + "param") ? base + "param" : base + "prior");
  h.initial = section.get_double(base + "initial", default_initial);
  h.fixed = section.get_bool(base + "fixed", false);
  return h;
}

}  // namespace pyinla
