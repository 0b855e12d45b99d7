// Observation models: log pi(y_i | eta_i, theta) and its derivatives in eta_i.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace pyinla {

// Per-observation data every family may use; missing responses are NaN and skipped.
struct ObservationData {
  std::vector<double> y;
  std::vector<double> event;    // survival families: 1 for an observed event, 0 for a right-censored time
  std::vector<double> E;        // poisson exposure (default 1)
  std::vector<double> Ntrials;  // binomial trials (default 1)
  std::vector<double> scale;    // gaussian precision scale (default 1)
  // The part of log pi(y_i | eta_i, theta) that depends on neither eta nor theta, set by Likelihood::prepare().
  std::vector<double> constant;
};

// Value and the first three derivatives in eta of log pi(y_i | eta_i), one array each.
struct LogLikTerms {
  double* d0;
  double* d1;
  double* d2;
  double* d3;
};

// A hyperparameter of a family, with R-INLA's names and default prior.
struct FamilyHyperparameter {
  std::string short_name;     // key in the model file: hyper.<short_name>.*
  std::string user_name;      // e.g. "Precision for the Gaussian observations"
  std::string internal_name;  // e.g. "Log precision for the Gaussian observations"
  std::string prior;
  std::vector<double> param;
  double initial = 0;
  int user_scale = 0;  // a UserScale value (priors.hpp)
};

class Likelihood {
 public:
  virtual ~Likelihood() = default;

  // The family's hyperparameters, in the order of theta.
  virtual std::vector<FamilyHyperparameter> hyperparameters() const { return {}; }
  int hyper_count() const { return static_cast<int>(hyperparameters().size()); }

  // True for the survival families, whose data carry an event indicator.
  virtual bool is_survival() const { return false; }

  // True when log pi is quadratic in eta, so one Newton step gives the exact mode.
  virtual bool is_gaussian() const { return false; }

  // Computes data.constant once, before any evaluation.
  virtual void prepare(ObservationData& data) const = 0;

  // log pi(y_i | eta_i, theta) at one observation with a response.
  virtual double log_density(const ObservationData& data, int i, double eta, const double* theta_family) const = 0;

  // The mean of y_i as a function of eta_i, without E or Ntrials: the inverse of the link function.
  virtual double inverse_link(double eta) const = 0;

  // P(Y_i <= y_i | eta_i, theta), for the probability integral transform.
  virtual double cdf(const ObservationData& data, int i, double eta, const double* theta_family) const = 0;

  // P(Y_i <= y_i) when eta_i ~ N(mean, variance). The default returns cdf() at the mean, and callers average it
  // over quadrature nodes. The Gaussian family integrates eta out exactly, because its cdf can be far steeper than
  // the spread of eta.
  virtual double predictive_cdf(const ObservationData& data, int i, double mean, double variance,
                                const double* theta_family) const {
    (void)variance;
    return cdf(data, i, mean, theta_family);
  }

  // Fills out.dK[i] for observations i in [begin, end) with a response; `theta_family` points to hyper_count()
  // values on the internal scale. Entries of missing responses are left untouched.
  virtual void evaluate(const ObservationData& data, const double* eta, int begin, int end,
                        const double* theta_family, const LogLikTerms& out) const = 0;
};

// Builds the family named `name`; returns nullptr for an unknown name.
std::unique_ptr<Likelihood> make_likelihood(const std::string& name);

}  // namespace pyinla
