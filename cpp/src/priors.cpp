#include "priors.hpp"

#include <algorithm>
#include <cmath>

#include "ini_reader.hpp"
#include "special_functions.hpp"

namespace pyinla {

namespace {

const double kLogTwoPi = std::log(2.0 * M_PI);
const double kLogPi = std::log(M_PI);
constexpr double kEulerGamma = 0.57721566490153286061;

// Largest log(lambda d) evaluated. Beyond it the density is below exp(-1e299), which a double cannot tell from 0, so
// the log density stays at -exp(690) there instead of -inf. pc.alphaw reaches it for alpha below about 1/300.
constexpr double kMaxLogPenalty = 690.0;

// Logs of the Kullback-Leibler divergence KLD of a PC prior and of |d KLD / d theta|. With d = sqrt(2 KLD), so that
// d d / d theta = (d KLD / d theta) / d, the log density of theta is log(c lambda) - lambda d + log_slope - log d.
struct LogDivergence {
  double log_kld;
  double log_slope;
};

double log_pc_density(double log_lambda_c, double lambda, const LogDivergence& divergence) {
  const double log_distance = 0.5 * (M_LN2 + divergence.log_kld);
  const double log_penalty = std::log(lambda) + log_distance;
  // The negated test also catches a divergence that overflowed to inf or nan (alpha below exp(-709)).
  if (!(log_penalty <= kMaxLogPenalty)) return -std::exp(kMaxLogPenalty);
  return log_lambda_c - std::exp(log_penalty) + divergence.log_slope - log_distance;
}

// Divergence of the negative binomial with size b = exp(theta) from the Poisson, as in R-INLA's pc.mgamma. The KLD
// of the Gamma(b, b) mixing distribution from the point mass at 1 is log(b) - digamma(b), and
// d KLD / d theta = -b (trigamma(b) - 1/b).
LogDivergence mgamma_divergence(double theta) {
  // Above b = 100 both differences cancel, and b (trigamma(b) - 1/b) ~ 1 / (2 b) underflows long before b overflows.
  // So both come from their asymptotic series in r = 1/b (Abramowitz and Stegun 6.3.18 and 6.4.12), written as
  // (r/2)(1 + ...). The first term left out is below 1e-15 of the sum there.
  constexpr double kLogSeriesSize = 4.605170185988091;  // log(100)
  if (theta > kLogSeriesSize) {
    const double r = std::exp(-theta), r3 = r * r * r, r5 = r3 * r * r;
    const double log_half_r = -theta - M_LN2;
    return {log_half_r + std::log1p(r / 6 - r3 / 60 + r5 / 126), log_half_r + std::log1p(r / 3 - r3 / 15 + r5 / 21)};
  }
  const double b = std::exp(theta);
  // Below b = 1e-8 use digamma(b) = -1/b - gamma_E + zeta(2) b + O(b^2) and trigamma(b) = 1/b^2 + zeta(2) + O(b),
  // written as (1/b)(1 + ...) and (1/b^2)(1 + ...): exact to rounding there, and finite even where 1/b^2 overflows.
  constexpr double kSmallSize = 1e-8;
  constexpr double kZeta2 = M_PI * M_PI / 6;
  if (b < kSmallSize) {
    return {-theta + std::log1p(b * (theta + kEulerGamma) - kZeta2 * b * b), -theta + std::log1p(-b + kZeta2 * b * b)};
  }
  return {std::log(theta - digamma(b)), theta + std::log(trigamma(b) - 1 / b)};
}

// Divergence of the Student-t with nu = 2 + exp(theta) degrees of freedom, scaled to variance 1, from N(0, 1). Its
// entropy is H = (nu + 1)/2 (digamma((nu + 1)/2) - digamma(nu/2)) + log B(nu/2, 1/2) + log(nu - 2)/2. Both have
// variance 1, so KLD = log(2 pi e)/2 - H, and d KLD / d nu = (nu + 1)/4 (trigamma(nu/2) - trigamma((nu + 1)/2))
// - 1 / (2 (nu - 2)). The slope returned is d KLD / d theta = (nu - 2) d KLD / d nu.
LogDivergence dof_divergence(double theta) {
  const double excess = std::exp(theta);  // nu - 2, kept apart so that nu close to 2 loses no digits
  const double nu = 2 + excess;
  constexpr double kSeriesDof = 100;
  if (nu > kSeriesDof) {
    // KLD ~ 3 / (4 nu^2), and the closed form keeps only about 1e-16 nu^2 relative accuracy. So use the series in
    // x = 1/nu, expanded by computer algebra from the closed form: KLD = x^2 sum c_k x^k and
    // d KLD / d nu = -x^3 sum (k + 2) c_k x^k. The first term left out is below 1e-14 of the sum at nu = 100.
    static const double c[] = {3.0 / 4,  3.0 / 2,   17.0 / 8,   29.0 / 10, 61.0 / 12,
                               145.0 / 14, 273.0 / 16, 119.0 / 6};
    const double x = 1 / nu;
    double sum = 0, slope_sum = 0;
    for (int k = 7; k >= 0; --k) {
      sum = sum * x + c[k];
      slope_sum = slope_sum * x + (k + 2) * c[k];
    }
    const double log_nu = theta + std::log1p(2 / excess);
    return {std::log(sum) - 2 * log_nu, std::log(slope_sum) - 3 * log_nu + theta};
  }
  const double half = nu / 2, half_plus = (nu + 1) / 2;
  const double entropy = half_plus * (digamma(half_plus) - digamma(half)) + std::lgamma(half) + 0.5 * kLogPi -
                         std::lgamma(half_plus) + 0.5 * theta;
  const double kld = 0.5 * (kLogTwoPi + 1) - entropy;
  // (nu - 2) d KLD / d nu, with the pole of the last term taken out exactly.
  const double slope = excess * (nu + 1) / 4 * (trigamma(half) - trigamma(half_plus)) - 0.5;
  return {std::log(kld), std::log(std::abs(slope))};
}

// Divergence of the Weibull with shape alpha = exp(theta) from the exponential (alpha = 1), as in R-INLA's
// pc.alphaw: KLD = Gamma(1 + 1/alpha) + log(alpha) - gamma_E + gamma_E / alpha - 1. With g = 1/alpha,
// d KLD / d theta = -g digamma(1 + g) Gamma(1 + g) + 1 - gamma_E g.
LogDivergence alphaw_divergence(double theta) {
  // Near alpha = 1 the closed form cancels to 0, so there KLD = sum_k a_k theta^k, k = 2..6, its Taylor series.
  // a_2 = ((1 - gamma_E)^2 + pi^2/6) / 2, and a_3..a_6 come from the derivatives of Gamma at 2 (in gamma_E, pi^2,
  // zeta(3), zeta(5)). The first term left out is below 1e-10 of the sum at |theta| = 0.01.
  constexpr double kSeriesTheta = 0.01;
  if (std::abs(theta) < kSeriesTheta) {
    static const double a[] = {0.91184033042643969479, -0.66008391634019262783, 0.47852124903956645318,
                               -0.36149560443708387188, 0.26939505395647335177};
    double sum = 0, slope_sum = 0;  // KLD / theta^2 and (d KLD / d theta) / theta
    for (int k = 4; k >= 0; --k) {
      sum = sum * theta + a[k];
      slope_sum = slope_sum * theta + (k + 2) * a[k];
    }
    // At theta = 0, the base model, log KLD = -inf while slope / d tends to sqrt(2 a_2). Flooring |theta| at 1e-300
    // lets the log |theta| common to both logs cancel in the density instead of giving inf - inf.
    const double log_abs_theta = std::log(std::max(std::abs(theta), 1e-300));
    return {std::log(sum) + 2 * log_abs_theta, std::log(std::abs(slope_sum)) + log_abs_theta};
  }
  // Gamma(1 + g) overflows for alpha < 1/171, so it stays as its log L, with KLD = e^L (1 + rest e^-L).
  const double g = std::exp(-theta);
  const double log_gamma = std::lgamma(1 + g);
  const double rest = theta - kEulerGamma + kEulerGamma * g - 1;
  const double scaled = std::exp(-log_gamma);
  const double log_kld = log_gamma + std::log1p(rest * scaled);
  const double log_slope = log_gamma + std::log(std::abs(g * digamma(1 + g) - (1 - kEulerGamma * g) * scaled));
  return {log_kld, log_slope};
}

// 2 log cosh(theta / 2) = -log(1 - rho^2) for rho = tanh(theta / 2), without forming 1 - rho^2.
double minus_log_one_minus_rho_squared(double theta) {
  const double x = std::abs(theta) / 2;
  if (x < 1) {
    const double s = std::sinh(x);
    return std::log1p(s * s);
  }
  return 2 * (x + std::log1p(std::exp(-2 * x)) - M_LN2);
}

}  // namespace

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
    case PriorKind::kPcMgamma:
      return log_pc_mgamma_density(theta);
    case PriorKind::kPcDof:
      return log_pc_dof_density(theta);
    case PriorKind::kPcAlphaw:
      return log_pc_alphaw_density(theta);
    case PriorKind::kPcCor0:
      return log_pc_cor0_density(theta);
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

// pc.mgamma with rate lambda: d ~ Exp(lambda) on (0, inf) with d = 0 at size = inf.
double Prior::log_pc_mgamma_density(double theta) const {
  const double lambda = param[0];
  return log_pc_density(std::log(lambda), lambda, mgamma_divergence(theta));
}

// pc.dof with P(nu < u) = alpha: d ~ Exp(lambda) with lambda = -log(alpha) / d(u), since d falls as nu grows.
double Prior::log_pc_dof_density(double theta) const {
  const double u = param[0], alpha = param[1];
  const double log_distance_u = 0.5 * (M_LN2 + dof_divergence(std::log(u - 2)).log_kld);
  const double lambda = -std::log(alpha) / std::exp(log_distance_u);
  return log_pc_density(std::log(lambda), lambda, dof_divergence(theta));
}

// pc.alphaw with rate lambda: alpha < 1 and alpha > 1 each carry half of the Exp(lambda) mass on d.
double Prior::log_pc_alphaw_density(double theta) const {
  const double lambda = param[0];
  return log_pc_density(std::log(lambda / 2), lambda, alphaw_divergence(theta));
}

// pc.cor0 with P(|rho| > u) = alpha: mu(rho) = sqrt(-log(1 - rho^2)) ~ Exp(lambda) with lambda = -log(alpha) / mu(u)
// and half the mass on each sign of rho. So pi(rho) = (lambda / 2) exp(-lambda mu) |rho| / (mu (1 - rho^2)), and
// d rho / d theta = (1 - rho^2) / 2 gives pi(theta) = (lambda / 4) exp(-lambda mu) |rho| / mu.
double Prior::log_pc_cor0_density(double theta) const {
  const double u = param[0], alpha = param[1];
  const double lambda = -std::log(alpha) / std::sqrt(-std::log1p(-u * u));
  const double mu = std::sqrt(minus_log_one_minus_rho_squared(theta));
  // Both |rho| and mu vanish at theta = 0, where their ratio is 1 - x^2/4 + O(x^4) for x = theta / 2.
  const double x = theta / 2;
  const double log_ratio = std::abs(x) < 1e-4 ? std::log1p(-x * x / 4) : std::log(std::abs(std::tanh(x)) / mu);
  return std::log(lambda / 4) - lambda * mu + log_ratio;
}

Prior Prior::parse(const std::string& name, const std::vector<double>& param, const IniSection& section,
                   const std::string& key) {
  Prior prior;
  prior.param = param;
  auto need = [&](std::size_t count) {
    if (param.size() != count) {
      section.fail(key, "prior '" + name + "' takes " + std::to_string(count) +
                            (count == 1 ? " parameter, got " : " parameters, got ") + std::to_string(param.size()));
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
  } else if (name == "pc.mgamma" || name == "pc.alphaw") {
    need(1);
    if (!(param[0] > 0)) {
      section.fail(key, name + " needs lambda > 0, the rate of the exponential prior on the distance");
    }
    prior.kind = name == "pc.mgamma" ? PriorKind::kPcMgamma : PriorKind::kPcAlphaw;
  } else if (name == "pc.dof") {
    need(2);
    if (!(param[0] > 2) || !(param[1] > 0 && param[1] < 1)) {
      section.fail(key, "pc.dof needs u > 2 and 0 < alpha < 1 (P(dof < u) = alpha)");
    }
    prior.kind = PriorKind::kPcDof;
  } else if (name == "pc.cor0") {
    need(2);
    if (!(param[0] > 0 && param[0] < 1) || !(param[1] > 0 && param[1] < 1)) {
      section.fail(key, "pc.cor0 needs 0 < u < 1 and 0 < alpha < 1 (P(|rho| > u) = alpha)");
    }
    prior.kind = PriorKind::kPcCor0;
  } else if (name == "flat") {
    prior.kind = PriorKind::kFlat;
    prior.param.clear();
  } else {
    section.fail(key, "unknown prior '" + name + "' (known: loggamma, pc.prec, normal, gaussian, flat, pc.mgamma, "
                      "pc.dof, pc.alphaw, pc.cor0, and pc for phi)");
  }
  return prior;
}

const char* prior_name(PriorKind kind) {
  switch (kind) {
    case PriorKind::kLogGamma:
      return "loggamma";
    case PriorKind::kPcPrec:
      return "pc.prec";
    case PriorKind::kNormal:
      return "normal";
    case PriorKind::kFlat:
      return "flat";
    case PriorKind::kPcMixing:
      return "pc";
    case PriorKind::kPcMgamma:
      return "pc.mgamma";
    case PriorKind::kPcDof:
      return "pc.dof";
    case PriorKind::kPcAlphaw:
      return "pc.alphaw";
    case PriorKind::kPcCor0:
      return "pc.cor0";
  }
  return "unknown";
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
    case UserScale::kIdentity:
      return theta;
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
    case UserScale::kIdentity:
      return 1.0;
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
