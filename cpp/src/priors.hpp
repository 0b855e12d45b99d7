// Priors of the hyperparameters, all as densities of theta on the internal scale.
#pragma once

#include <string>
#include <vector>

namespace pyinla {

class IniSection;

enum class PriorKind { kLogGamma, kPcPrec, kNormal, kFlat, kPcMixing };

struct Prior {
  PriorKind kind = PriorKind::kFlat;
  std::vector<double> param;
  // kPcMixing: the eigenvalues of the scaled structure's generalised inverse on its constraint space, which
  // define the distance of the bym2 mixing parameter from its base model (Riebler et al., 2016).
  std::vector<double> eigenvalues;

  // log pi(theta), normalised over the real line (except the flat prior, which is 0).
  double log_density(double theta) const;

  double log_pc_mixing_density(double theta) const;

  // Parses a prior name and its parameters; throws ModelFileError through `section` naming `key`.
  static Prior parse(const std::string& name, const std::vector<double>& param, const IniSection& section,
                     const std::string& key);
};

// The map from theta to the scale users read.
enum class UserScale {
  kPrecision,         // tau = exp(theta)
  kCorrelation,       // rho = 2 / (1 + exp(-theta)) - 1
  kProbability,       // p = 1 / (1 + exp(-theta))
  kDegreesOfFreedom,  // nu = 2 + exp(theta)
};

// d user / d theta.
double user_scale_derivative(UserScale scale, double theta);

double to_user_scale(UserScale scale, double theta);

// One hyperparameter of the model, with its names as R-INLA prints them.
struct Hyperparameter {
  std::string user_name;      // e.g. "Precision for plate"
  std::string internal_name;  // e.g. "Log precision for plate"
  Prior prior;
  UserScale scale = UserScale::kPrecision;
  double initial = 0;
  bool fixed = false;
};

// Reads `hyper.<short_name>.prior|param|initial|fixed` from `section`, falling back to the given defaults.
Hyperparameter read_hyperparameter(const IniSection& section, const std::string& short_name,
                                   const std::string& default_prior, const std::vector<double>& default_param,
                                   double default_initial);

}  // namespace pyinla
