#include "pointwise_likelihoods.hpp"

#include <algorithm>
#include <cmath>

#include "priors.hpp"
#include "special_functions.hpp"

namespace pyinla {

namespace {

const double kLogTwoPi = std::log(2.0 * M_PI);

struct Terms {
  double d0, d1, d2, d3;
};

double log1p_exp(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// A family defined by its value and derivatives at one observation; the range loop and log_density follow.
class PointwiseLikelihood : public Likelihood {
 public:
  virtual Terms terms(const ObservationData& data, int i, double eta, const double* theta) const = 0;

  void prepare(ObservationData& data) const override { data.constant.assign(data.y.size(), 0.0); }

  void evaluate(const ObservationData& data, const double* eta, int begin, int end, const double* theta,
                const LogLikTerms& out) const override {
    for (int i = begin; i < end; ++i) {
      if (std::isnan(data.y[i])) continue;
      const Terms t = terms(data, i, eta[i], theta);
      out.d0[i] = t.d0;
      out.d1[i] = t.d1;
      out.d2[i] = t.d2;
      out.d3[i] = t.d3;
    }
  }

  double log_density(const ObservationData& data, int i, double eta, const double* theta) const override {
    return terms(data, i, eta, theta).d0;
  }
};

// Sum of pmf(k), k = 0..y, for the cdf of a count.
template <typename LogPmf>
double count_cdf(double y, LogPmf log_pmf) {
  double total = 0;
  for (int k = 0; k <= static_cast<int>(y); ++k) total += std::exp(log_pmf(k));
  return std::min(total, 1.0);
}

// y ~ negative binomial with mean mu = E exp(eta) and size s = exp(theta): variance mu + mu^2 / s.
class NegativeBinomialLikelihood : public PointwiseLikelihood {
 public:
  std::vector<FamilyHyperparameter> hyperparameters() const override {
    return {{"size", "size for the nbinomial observations (1/overdispersion)", "log size", "pc.mgamma", {7.0},
             std::log(10.0), static_cast<int>(UserScale::kPrecision)}};
  }
  double inverse_link(double eta) const override { return std::exp(eta); }

  static double log_pmf(double y, double log_mu, double size) {
    const double log_sum = std::log(size + std::exp(log_mu));
    return std::lgamma(y + size) - std::lgamma(size) - std::lgamma(y + 1) + size * (std::log(size) - log_sum) +
           y * (log_mu - log_sum);
  }

  Terms terms(const ObservationData& data, int i, double eta, const double* theta) const override {
    const double size = std::exp(theta[0]), y = data.y[i];
    const double log_mu = std::log(data.E[i]) + eta;
    const double p = logistic(log_mu - theta[0]);  // mu / (size + mu)
    const double a = y + size;
    return {log_pmf(y, log_mu, size), y - a * p, -a * p * (1 - p), -a * p * (1 - p) * (1 - 2 * p)};
  }

  double cdf(const ObservationData& data, int i, double eta, const double* theta) const override {
    const double log_mu = std::log(data.E[i]) + eta, size = std::exp(theta[0]);
    return count_cdf(data.y[i], [&](int k) { return log_pmf(k, log_mu, size); });
  }
};

// y ~ Gamma with mean exp(eta) and precision phi = exp(theta): shape phi, rate phi / mean.
class GammaLikelihood : public PointwiseLikelihood {
 public:
  std::vector<FamilyHyperparameter> hyperparameters() const override {
    return {{"prec", "Precision-parameter for the Gamma observations", "Intern precision-parameter for the Gamma "
             "observations", "loggamma", {1.0, 0.01}, std::log(100.0), static_cast<int>(UserScale::kPrecision)}};
  }
  double inverse_link(double eta) const override { return std::exp(eta); }

  Terms terms(const ObservationData& data, int i, double eta, const double* theta) const override {
    const double phi = std::exp(theta[0]), y = data.y[i];
    const double ratio = phi * y * std::exp(-eta);  // rate times y
    const double d0 = phi * theta[0] - phi * eta - std::lgamma(phi) + (phi - 1) * std::log(y) - ratio;
    return {d0, -phi + ratio, -ratio, ratio};
  }

  double cdf(const ObservationData& data, int i, double eta, const double* theta) const override {
    // Regularised lower incomplete gamma P(phi, phi y / mean) by its series.
    const double phi = std::exp(theta[0]);
    const double x = phi * data.y[i] * std::exp(-eta);
    double term = 1.0 / phi, sum = term;
    for (int k = 1; k < 10000 && term > 1e-16 * sum; ++k) {
      term *= x / (phi + k);
      sum += term;
    }
    return std::min(1.0, std::exp(phi * std::log(x) - x - std::lgamma(phi)) * sum);
  }
};

// y in (0, 1) ~ Beta with mean logistic(eta) and precision phi = exp(theta).
class BetaLikelihood : public PointwiseLikelihood {
 public:
  std::vector<FamilyHyperparameter> hyperparameters() const override {
    return {{"prec", "precision parameter for the beta observations", "intern precision-parameter for the beta "
             "observations", "loggamma", {1.0, 0.1}, std::log(10.0), static_cast<int>(UserScale::kPrecision)}};
  }
  double inverse_link(double eta) const override { return logistic(eta); }

  Terms terms(const ObservationData& data, int i, double eta, const double* theta) const override {
    const double phi = std::exp(theta[0]), y = data.y[i];
    const double mu = logistic(eta);
    const double a = mu * phi, b = (1 - mu) * phi;
    const double d0 = std::lgamma(phi) - std::lgamma(a) - std::lgamma(b) + (a - 1) * std::log(y) +
                      (b - 1) * std::log1p(-y);
    // With g(mu) = phi (log(y / (1 - y)) - digamma(a) + digamma(b)) and m = mu (1 - mu) = d mu / d eta:
    // d1 = m g, d2 = m' g + m^2 g', d3 = m'' g + 3 m m' g' + m^3 g''.
    const double m = mu * (1 - mu), m1 = m * (1 - 2 * mu), m2 = m * (1 - 6 * m);
    const double g = phi * (std::log(y) - std::log1p(-y) - digamma(a) + digamma(b));
    const double g1 = -phi * phi * (trigamma(a) + trigamma(b));
    const double g2 = -phi * phi * phi * (tetragamma(a) - tetragamma(b));
    return {d0, m * g, m1 * g + m * m * g1, m2 * g + 3 * m * m1 * g1 + m * m * m * g2};
  }

  double cdf(const ObservationData& data, int i, double eta, const double* theta) const override {
    const double phi = std::exp(theta[0]), mu = logistic(eta);
    return incomplete_beta(mu * phi, (1 - mu) * phi, data.y[i]);
  }
};

// y = eta + e / sqrt(tau) with e a Student t of nu = 2 + exp(theta_2) degrees of freedom scaled to variance 1.
class StudentTLikelihood : public PointwiseLikelihood {
 public:
  std::vector<FamilyHyperparameter> hyperparameters() const override {
    return {{"prec", "precision for the student-t observations", "log precision for the student-t observations",
             "loggamma", {1.0, 5e-5}, 0.0, static_cast<int>(UserScale::kPrecision)},
            {"dof", "degrees of freedom for student-t", "dof_intern for student-t", "pc.dof", {15.0, 0.5}, 5.0,
             static_cast<int>(UserScale::kDegreesOfFreedom)}};
  }
  double inverse_link(double eta) const override { return eta; }

  Terms terms(const ObservationData& data, int i, double eta, const double* theta) const override {
    const double tau = std::exp(theta[0]), nu = 2 + std::exp(theta[1]), c = nu - 2;
    const double r = data.y[i] - eta;
    const double u = tau * r * r, d = c + u;
    const double d0 = std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2) - 0.5 * std::log(M_PI * c) + 0.5 * theta[0] -
                      (nu + 1) / 2 * std::log1p(u / c);
    return {d0, (nu + 1) * tau * r / d, -(nu + 1) * tau * (c - u) / (d * d),
            -2 * (nu + 1) * tau * tau * r * (3 * c - u) / (d * d * d)};
  }

  double cdf(const ObservationData& data, int i, double eta, const double* theta) const override {
    // P(T <= t) for t = r sqrt(tau nu / (nu - 2)): the tail beyond |t| is I_{nu / (nu + t^2)}(nu / 2, 1 / 2) / 2.
    const double tau = std::exp(theta[0]), nu = 2 + std::exp(theta[1]);
    const double t = (data.y[i] - eta) * std::sqrt(tau * nu / (nu - 2));
    const double tail = 0.5 * incomplete_beta(nu / 2, 0.5, nu / (nu + t * t));
    return t >= 0 ? 1.0 - tail : tail;
  }
};

// log y ~ N(eta, 1 / tau).
class LognormalLikelihood : public PointwiseLikelihood {
 public:
  std::vector<FamilyHyperparameter> hyperparameters() const override {
    return {{"prec", "Precision for the lognormal observations", "Log precision for the lognormal observations",
             "loggamma", {1.0, 5e-5}, 0.0, static_cast<int>(UserScale::kPrecision)}};
  }
  double inverse_link(double eta) const override { return eta; }

  Terms terms(const ObservationData& data, int i, double eta, const double* theta) const override {
    const double tau = std::exp(theta[0]), log_y = std::log(data.y[i]);
    const double r = log_y - eta;
    return {0.5 * (theta[0] - kLogTwoPi) - log_y - 0.5 * tau * r * r, tau * r, -tau, 0.0};
  }

  double cdf(const ObservationData& data, int i, double eta, const double* theta) const override {
    return normal_cdf((std::log(data.y[i]) - eta) * std::sqrt(std::exp(theta[0])));
  }
};

// Zero-inflation with probability pi = logistic(theta) on top of a count model: a zero is either structural or a
// zero of the count model, every other value comes from the count model with weight 1 - pi.
class ZeroInflatedLikelihood : public PointwiseLikelihood {
 public:
  std::vector<FamilyHyperparameter> hyperparameters() const override {
    return {{"prob", "zero-probability parameter for zero-inflated " + family_label(),
             "intern zero-probability parameter for zero-inflated " + family_label(), "normal", {-1.0, 0.2}, -1.0,
             static_cast<int>(UserScale::kProbability)}};
  }

  Terms terms(const ObservationData& data, int i, double eta, const double* theta) const override {
    const double log_pi = -log1p_exp(-theta[0]), log_not_pi = -log1p_exp(theta[0]);
    const Terms count = count_terms(data, i, eta);
    if (data.y[i] > 0) return {log_not_pi + count.d0, count.d1, count.d2, count.d3};

    // log(pi + (1 - pi) p0(eta)) with p0 the count model's probability of zero: with q = (1 - pi) p0 / P and
    // s = d log p0 / d eta, d1 = q s, and the higher derivatives by the chain rule on q' = q (1 - q) s.
    const double log_q_part = log_not_pi + count.d0;
    const double log_total = std::max(log_pi, log_q_part) + std::log1p(std::exp(-std::abs(log_pi - log_q_part)));
    const double q = std::exp(log_q_part - log_total);
    const double s = count.d1, s1 = count.d2, s2 = count.d3;
    const double q1 = q * (1 - q) * s;
    const double q2 = q1 * (1 - 2 * q) * s + q * (1 - q) * s1;
    return {log_total, q * s, q1 * s + q * s1, q2 * s + 2 * q1 * s1 + q * s2};
  }

  double cdf(const ObservationData& data, int i, double eta, const double* theta) const override {
    const double pi = logistic(theta[0]);
    return pi + (1 - pi) * count_cdf(data, i, eta);
  }

 protected:
  virtual std::string family_label() const = 0;
  // log p(y_i | eta) of the count model and its derivatives in eta.
  virtual Terms count_terms(const ObservationData& data, int i, double eta) const = 0;
  virtual double count_cdf(const ObservationData& data, int i, double eta) const = 0;
};

class ZeroInflatedPoissonLikelihood : public ZeroInflatedLikelihood {
 public:
  double inverse_link(double eta) const override { return std::exp(eta); }

 protected:
  std::string family_label() const override { return "poisson_1"; }

  Terms count_terms(const ObservationData& data, int i, double eta) const override {
    const double y = data.y[i], mu = data.E[i] * std::exp(eta);
    return {y * (std::log(data.E[i]) + eta) - mu - std::lgamma(y + 1), y - mu, -mu, -mu};
  }

  double count_cdf(const ObservationData& data, int i, double eta) const override {
    const double log_mu = std::log(data.E[i]) + eta, mu = std::exp(log_mu);
    return pyinla::count_cdf(data.y[i], [&](int k) { return k * log_mu - mu - std::lgamma(k + 1.0); });
  }
};

class ZeroInflatedBinomialLikelihood : public ZeroInflatedLikelihood {
 public:
  double inverse_link(double eta) const override { return logistic(eta); }

 protected:
  std::string family_label() const override { return "binomial_1"; }

  Terms count_terms(const ObservationData& data, int i, double eta) const override {
    const double y = data.y[i], n = data.Ntrials[i], p = logistic(eta);
    const double d0 = std::lgamma(n + 1) - std::lgamma(y + 1) - std::lgamma(n - y + 1) + y * eta - n * log1p_exp(eta);
    return {d0, y - n * p, -n * p * (1 - p), -n * p * (1 - p) * (1 - 2 * p)};
  }

  double count_cdf(const ObservationData& data, int i, double eta) const override {
    const double n = data.Ntrials[i], log_p = -log1p_exp(-eta), log_q = -log1p_exp(eta);
    return pyinla::count_cdf(data.y[i], [&](int k) {
      return std::lgamma(n + 1) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1) + k * log_p + (n - k) * log_q;
    });
  }
};

// Survival time y with event indicator d: hazard alpha y^(alpha - 1) exp(eta) (alpha = 1 for the exponential),
// log p = d (log alpha + eta + (alpha - 1) log y) - exp(eta) y^alpha; a censored time contributes log S(y).
class WeibullLikelihood : public PointwiseLikelihood {
 public:
  explicit WeibullLikelihood(bool exponential) : exponential_(exponential) {}

  bool is_survival() const override { return true; }

  std::vector<FamilyHyperparameter> hyperparameters() const override {
    if (exponential_) return {};
    // theta = log(alpha), where R-INLA's theta is 10 log(alpha). The optimiser starts at the prior's base model
    // alpha = 1.
    return {{"alpha", "alpha parameter for weibull", "alpha_intern for weibull", "pc.alphaw", {5.0}, 0.0,
             static_cast<int>(UserScale::kPrecision)}};
  }
  double inverse_link(double eta) const override { return std::exp(eta); }

  Terms terms(const ObservationData& data, int i, double eta, const double* theta) const override {
    const double log_alpha = exponential_ ? 0.0 : theta[0], alpha = std::exp(log_alpha);
    const double y = data.y[i], d = data.event[i];
    const double cumulative = std::exp(eta + alpha * std::log(y));
    const double d0 = d * (log_alpha + eta + (alpha - 1) * std::log(y)) - cumulative;
    return {d0, d - cumulative, -cumulative, -cumulative};
  }

  double cdf(const ObservationData& data, int i, double eta, const double* theta) const override {
    const double alpha = exponential_ ? 1.0 : std::exp(theta[0]);
    return -std::expm1(-std::exp(eta + alpha * std::log(data.y[i])));
  }

 private:
  bool exponential_;
};

}  // namespace

std::unique_ptr<Likelihood> make_pointwise_likelihood(const std::string& name) {
  if (name == "nbinomial") return std::make_unique<NegativeBinomialLikelihood>();
  if (name == "gamma") return std::make_unique<GammaLikelihood>();
  if (name == "beta") return std::make_unique<BetaLikelihood>();
  if (name == "t") return std::make_unique<StudentTLikelihood>();
  if (name == "lognormal") return std::make_unique<LognormalLikelihood>();
  if (name == "zeroinflatedpoisson1") return std::make_unique<ZeroInflatedPoissonLikelihood>();
  if (name == "zeroinflatedbinomial1") return std::make_unique<ZeroInflatedBinomialLikelihood>();
  if (name == "exponential") return std::make_unique<WeibullLikelihood>(true);
  if (name == "weibull") return std::make_unique<WeibullLikelihood>(false);
  return nullptr;
}

}  // namespace pyinla
