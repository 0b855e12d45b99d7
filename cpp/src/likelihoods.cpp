#include "likelihoods.hpp"

#include "pointwise_likelihoods.hpp"

#include <algorithm>
#include <cmath>

namespace pyinla {

namespace {

const double kLogTwoPi = std::log(2.0 * M_PI);

// Sum of probabilities k = 0..y of a discrete distribution given by its log probability, in a stable order.
template <typename LogProbability>
double discrete_cdf(double y, LogProbability log_probability) {
  double total = 0;
  for (int k = 0; k <= static_cast<int>(y); ++k) total += std::exp(log_probability(k));
  return std::min(total, 1.0);
}

// y ~ N(eta, 1 / (tau * scale_i)), theta = log tau.
class GaussianLikelihood : public Likelihood {
 public:
  std::vector<FamilyHyperparameter> hyperparameters() const override {
    return {{"prec", "Precision for the Gaussian observations", "Log precision for the Gaussian observations",
             "loggamma", {1.0, 5e-5}, 4.0, 0}};
  }
  bool is_gaussian() const override { return true; }

  void prepare(ObservationData& data) const override {
    data.constant.resize(data.y.size());
    for (std::size_t i = 0; i < data.y.size(); ++i) data.constant[i] = 0.5 * (std::log(data.scale[i]) - kLogTwoPi);
  }

  double inverse_link(double eta) const override { return eta; }

  double log_density(const ObservationData& data, int i, double eta, const double* theta) const override {
    const double residual = data.y[i] - eta;
    return data.constant[i] + 0.5 * theta[0] - 0.5 * std::exp(theta[0]) * data.scale[i] * residual * residual;
  }

  double cdf(const ObservationData& data, int i, double eta, const double* theta) const override {
    return predictive_cdf(data, i, eta, 0.0, theta);
  }

  double predictive_cdf(const ObservationData& data, int i, double mean, double variance,
                        const double* theta) const override {
    const double sd = std::sqrt(1.0 / (std::exp(theta[0]) * data.scale[i]) + variance);
    return 0.5 * std::erfc(-(data.y[i] - mean) / (sd * std::sqrt(2.0)));
  }

  void evaluate(const ObservationData& data, const double* eta, int begin, int end, const double* theta,
                const LogLikTerms& out) const override {
    const double tau = std::exp(theta[0]);
    const double half_log_tau = 0.5 * theta[0];
    for (int i = begin; i < end; ++i) {
      if (std::isnan(data.y[i])) continue;
      const double precision = tau * data.scale[i];
      const double residual = data.y[i] - eta[i];
      out.d0[i] = data.constant[i] + half_log_tau - 0.5 * precision * residual * residual;
      out.d1[i] = precision * residual;
      out.d2[i] = -precision;
      out.d3[i] = 0.0;
    }
  }
};

// y ~ Poisson(E_i exp(eta)).
class PoissonLikelihood : public Likelihood {
 public:

  void prepare(ObservationData& data) const override {
    data.constant.resize(data.y.size());
    for (std::size_t i = 0; i < data.y.size(); ++i) {
      data.constant[i] = std::isnan(data.y[i]) ? 0.0 : data.y[i] * std::log(data.E[i]) - std::lgamma(data.y[i] + 1.0);
    }
  }

  double inverse_link(double eta) const override { return std::exp(eta); }

  double log_density(const ObservationData& data, int i, double eta, const double*) const override {
    return data.constant[i] + data.y[i] * eta - data.E[i] * std::exp(eta);
  }

  double cdf(const ObservationData& data, int i, double eta, const double*) const override {
    const double log_mu = std::log(data.E[i]) + eta;
    const double mu = std::exp(log_mu);
    return discrete_cdf(data.y[i], [&](int k) { return k * log_mu - mu - std::lgamma(k + 1.0); });
  }

  void evaluate(const ObservationData& data, const double* eta, int begin, int end, const double*,
                const LogLikTerms& out) const override {
    for (int i = begin; i < end; ++i) {
      const double y = data.y[i];
      if (std::isnan(y)) continue;
      const double mu = data.E[i] * std::exp(eta[i]);
      out.d0[i] = data.constant[i] + y * eta[i] - mu;
      out.d1[i] = y - mu;
      out.d2[i] = -mu;
      out.d3[i] = -mu;
    }
  }
};

// y ~ Binomial(N_i, p), p = 1 / (1 + exp(-eta)).
class BinomialLikelihood : public Likelihood {
 public:

  void prepare(ObservationData& data) const override {
    data.constant.resize(data.y.size());
    for (std::size_t i = 0; i < data.y.size(); ++i) {
      const double y = data.y[i], n = data.Ntrials[i];
      data.constant[i] = std::isnan(y) ? 0.0 : std::lgamma(n + 1.0) - std::lgamma(y + 1.0) - std::lgamma(n - y + 1.0);
    }
  }

  double inverse_link(double eta) const override { return 1.0 / (1.0 + std::exp(-eta)); }

  double log_density(const ObservationData& data, int i, double eta, const double*) const override {
    const double log1p_exp = eta > 0 ? eta + std::log1p(std::exp(-eta)) : std::log1p(std::exp(eta));
    return data.constant[i] + data.y[i] * eta - data.Ntrials[i] * log1p_exp;
  }

  double cdf(const ObservationData& data, int i, double eta, const double*) const override {
    const double n = data.Ntrials[i];
    const double log_p = -std::log1p(std::exp(-eta)), log_q = -std::log1p(std::exp(eta));
    return discrete_cdf(data.y[i], [&](int k) {
      return std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0) + k * log_p + (n - k) * log_q;
    });
  }

  void evaluate(const ObservationData& data, const double* eta, int begin, int end, const double*,
                const LogLikTerms& out) const override {
    for (int i = begin; i < end; ++i) {
      const double y = data.y[i];
      if (std::isnan(y)) continue;
      const double n = data.Ntrials[i];
      const double e = eta[i];
      const double p = 1.0 / (1.0 + std::exp(-e));
      // log(1 + exp(eta)) without overflow for large |eta|.
      const double log1p_exp = e > 0 ? e + std::log1p(std::exp(-e)) : std::log1p(std::exp(e));
      out.d0[i] = data.constant[i] + y * e - n * log1p_exp;
      out.d1[i] = y - n * p;
      out.d2[i] = -n * p * (1.0 - p);
      out.d3[i] = -n * p * (1.0 - p) * (1.0 - 2.0 * p);
    }
  }
};

}  // namespace

std::unique_ptr<Likelihood> make_likelihood(const std::string& name) {
  if (name == "gaussian") return std::make_unique<GaussianLikelihood>();
  if (name == "poisson") return std::make_unique<PoissonLikelihood>();
  if (name == "binomial") return std::make_unique<BinomialLikelihood>();
  return make_pointwise_likelihood(name);
}

}  // namespace pyinla
