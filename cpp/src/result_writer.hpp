// Writes the result files (CSV) into the results folder; see docs/engine-format.md.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "criteria.hpp"
#include "integration.hpp"
#include "marginals.hpp"
#include "model.hpp"

namespace pyinla {

struct RunResults {
  const Model* model = nullptr;
  const ThetaIntegration* integration = nullptr;
  const LatentMarginals* latent = nullptr;
  const std::vector<HyperparameterMarginal>* hyper = nullptr;
  const PredictorMarginals* predictor = nullptr;  // when [compute] predictor is set
  const ModelCriteria* criteria = nullptr;         // when dic, waic or cpo is set
  const LincombMarginals* lincombs = nullptr;      // when the model has [lincomb.K] sections
  std::vector<std::pair<std::string, double>> timing;  // stage, seconds
};

// Throws OutputError when a file cannot be written.
void write_results(const std::string& folder, const RunResults& results);

}  // namespace pyinla
