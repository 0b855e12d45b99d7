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

  LogLikTerms evaluate(const ObservationData& data, int i, double eta, const double* theta) const override {
    const double precision = std::exp(theta[0]) * data.scale[i];
    const double residual = data.y[i] - eta;
    LogLikTerms t;
    t.d0 = 0.5 * (std::log(precision) - kLogTwoPi) - 0.5 * precision * residual * residual;
    t.d1 = precision * residual;
    t.d2 = -precision;
    t.d3 = 0.0;
    return t;
  }
};

// y ~ Poisson(E_i exp(eta)).
class PoissonLikelihood : public Likelihood {
 public:
  int hyper_count() const override { return 0; }

  LogLikTerms evaluate(const ObservationData& data, int i, double eta, const double*) const override {
    const double y = data.y[i];
    const double mu = data.E[i] * std::exp(eta);
    LogLikTerms t;
    t.d0 = y * (std::log(data.E[i]) + eta) - mu - std::lgamma(y + 1.0);
    t.d1 = y - mu;
    t.d2 = -mu;
    t.d3 = -mu;
    return t;
  }
};

// y ~ Binomial(N_i, p), p = 1 / (1 + exp(-eta)).
class BinomialLikelihood : public Likelihood {
 public:
  int hyper_count() const override { return 0; }

  LogLikTerms evaluate(const ObservationData& data, int i, double eta, const double*) const override {
    const double y = data.y[i];
    const double n = data.Ntrials[i];
    const double p = 1.0 / (1.0 + std::exp(-eta));
    // log(1 + exp(eta)) without overflow for large |eta|.
    const double log1p_exp = eta > 0 ? eta + std::log1p(std::exp(-eta)) : std::log1p(std::exp(eta));
    const double log_choose = std::lgamma(n + 1.0) - std::lgamma(y + 1.0) - std::lgamma(n - y + 1.0);
    LogLikTerms t;
    t.d0 = log_choose + y * eta - n * log1p_exp;
    t.d1 = y - n * p;
    t.d2 = -n * p * (1.0 - p);
    t.d3 = -n * p * (1.0 - p) * (1.0 - 2.0 * p);
    return t;
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
