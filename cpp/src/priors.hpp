// Priors of the hyperparameters, all as densities of theta on the internal scale.
#pragma once

#include <string>
#include <vector>

namespace pyinla {

class IniSection;

// The PC priors follow Simpson et al. (2017), "Penalising model component complexity", Statistical Science 32:
// an exponential prior on the distance d = sqrt(2 KLD) from a base model, moved to theta by its Jacobian.
enum class PriorKind {
  kLogGamma,
  kPcPrec,
  kNormal,
  kFlat,
  kPcMixing,
  kPcMgamma,  // size of the negative binomial on theta = log(size); base model size = infinity (Poisson)
  kPcDof,     // Student-t degrees of freedom on theta = log(nu - 2); base model nu = infinity (Gaussian)
  kPcAlphaw,  // Weibull shape on theta = log(alpha); base model alpha = 1 (exponential)
  kPcCor0,    // correlation on theta = log((1 + rho) / (1 - rho)); base model rho = 0
};

// The prior's name as the model file spells it.
const char* prior_name(PriorKind kind);

struct Prior {
  PriorKind kind = PriorKind::kFlat;
  std::vector<double> param;
  // kPcMixing: the eigenvalues of the scaled structure's generalised inverse on its constraint space, which
  // define the distance of the bym2 mixing parameter from its base model (Riebler et al., 2016).
  std::vector<double> eigenvalues;

  // log pi(theta), normalised over the real line (except the flat prior, which is 0).
  double log_density(double theta) const;

  double log_pc_mixing_density(double theta) const;
  double log_pc_mgamma_density(double theta) const;
  double log_pc_dof_density(double theta) const;
  double log_pc_alphaw_density(double theta) const;
  double log_pc_cor0_density(double theta) const;

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
  kIdentity,          // the value is theta itself (copy's beta)
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
