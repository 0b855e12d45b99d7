#include "likelihoods.hpp"

#include <cmath>

namespace pyinla {

namespace {

const double kLogTwoPi = std::log(2.0 * M_PI);

// y ~ N(eta, 1 / (tau * scale_i)), theta = log tau.
class GaussianLikelihood : public Likelihood {
 public:
  int hyper_count() const override { return 1; }
  bool is_gaussian() const override { return true; }

  void prepare(ObservationData& data) const override {
    data.constant.resize(data.y.size());
    for (std::size_t i = 0; i < data.y.size(); ++i) data.constant[i] = 0.5 * (std::log(data.scale[i]) - kLogTwoPi);
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
  int hyper_count() const override { return 0; }

  void prepare(ObservationData& data) const override {
    data.constant.resize(data.y.size());
    for (std::size_t i = 0; i < data.y.size(); ++i) {
      data.constant[i] = std::isnan(data.y[i]) ? 0.0 : data.y[i] * std::log(data.E[i]) - std::lgamma(data.y[i] + 1.0);
    }
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
  int hyper_count() const override { return 0; }

  void prepare(ObservationData& data) const override {
    data.constant.resize(data.y.size());
    for (std::size_t i = 0; i < data.y.size(); ++i) {
      const double y = data.y[i], n = data.Ntrials[i];
      data.constant[i] = std::isnan(y) ? 0.0 : std::lgamma(n + 1.0) - std::lgamma(y + 1.0) - std::lgamma(n - y + 1.0);
    }
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
  return nullptr;
}

}  // namespace pyinla
