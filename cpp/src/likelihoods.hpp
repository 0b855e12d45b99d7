// Observation models: log pi(y_i | eta_i, theta) and its derivatives in eta_i.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace pyinla {

// Per-observation data every family may use; missing responses are NaN and skipped.
struct ObservationData {
  std::vector<double> y;
  std::vector<double> E;        // poisson exposure (default 1)
  std::vector<double> Ntrials;  // binomial trials (default 1)
  std::vector<double> scale;    // gaussian precision scale (default 1)
};

// Value and the first three derivatives in eta of log pi(y_i | eta_i).
struct LogLikTerms {
  double d0 = 0, d1 = 0, d2 = 0, d3 = 0;
};

class Likelihood {
 public:
  virtual ~Likelihood() = default;

  // Number of hyperparameters of the family (the first entries of theta).
  virtual int hyper_count() const = 0;

  // `theta_family` points to hyper_count() values on the internal scale.
  virtual LogLikTerms evaluate(const ObservationData& data, int i, double eta, const double* theta_family) const = 0;

  // True when log pi is quadratic in eta, so one Newton step gives the exact mode.
  virtual bool is_gaussian() const { return false; }
};

// Builds the family named `name`; returns nullptr for an unknown name.
std::unique_ptr<Likelihood> make_likelihood(const std::string& name);

}  // namespace pyinla
