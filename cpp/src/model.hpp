// The model as the engine fits it: observations, likelihood, latent field layout and hyperparameters, read from
// the model file and its data files.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "latent_models.hpp"
#include "likelihoods.hpp"
#include "priors.hpp"

namespace pyinla {

// A fixed effect: one column of the design with a Gaussian prior (precision 0 means flat).
struct FixedEffect {
  std::string name;
  std::vector<double> values;  // empty for an intercept (all ones)
  double mean = 0;
  double precision = 0.001;
  int offset = 0;  // position in x
};

// A linear combination w'x of the latent field, whose marginal is reported like a latent variable's.
struct LinearCombination {
  std::string name;
  std::vector<std::pair<int, double>> weights;  // (position in x, weight)
};

// Settings of the approximation (the [inla] section).
struct InlaSettings {
  std::string strategy = "simplified.laplace";
  std::string int_strategy = "auto";
  double dz = 0.75;
  double diff_logdens = 6.0;
};

// Outputs beyond the latent and hyperparameter marginals (the [compute] section).
struct ComputeSettings {
  bool predictor = false;  // summaries and marginals of the linear predictor and the fitted values
  bool dic = false;
  bool waic = false;
  bool cpo = false;  // CPO and PIT per observation

  bool needs_linear_predictor() const { return predictor || dic || waic || cpo; }
};

// Settings of the run itself (the [run] section and the command line); they never change the fit.
struct RunSettings {
  std::string num_threads = "16:1";
  bool verbose = false;
  std::string results_dir = "results";  // resolved against the model file's folder when read
  std::string log_file = "engine.log";
};

struct Model {
  std::string model_file;
  std::string family_name;
  int n_obs = 0;
  ObservationData data;
  std::vector<double> offset;
  std::unique_ptr<Likelihood> likelihood;

  std::vector<LatentTerm> random;
  std::vector<FixedEffect> fixed;
  int latent_size = 0;  // random blocks first, then fixed effects

  // All hyperparameters: the family's first, then each random term's, in order. `free_index` lists the ones
  // that are estimated (not fixed): theta is the vector of their values.
  std::vector<Hyperparameter> hyperparameters;
  std::vector<int> free_index;
  std::vector<int> random_hyper_first;  // position of each term's first hyperparameter in `hyperparameters`
  std::vector<LinearCombination> lincombs;

  InlaSettings inla;
  ComputeSettings compute;
  RunSettings run;

  // Full hyperparameter vector (fixed ones at their initial values) from the free theta.
  std::vector<double> full_hyperparameters(const std::vector<double>& theta) const;
};

// Reads and checks a model file and its data files. Throws ModelFileError or DataFileError.
Model read_model(const std::string& model_file);

}  // namespace pyinla
