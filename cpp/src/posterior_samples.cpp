#include "posterior_samples.hpp"

#include <fstream>
#include <random>

#include "csv_format.hpp"
#include "errors.hpp"
#include "threads.hpp"

namespace pyinla {

void write_posterior_samples(const LatentGaussianModel& lgm, const ThetaMode& mode, const ThetaIntegration& in,
                             int count, std::uint64_t seed, const std::string& path) {
  const Model& m = lgm.model();

  // How many draws each integration point gets: `count` draws of a point index by the weights.
  std::mt19937_64 generator(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<int> per_point(in.points.size(), 0);
  for (int s = 0; s < count; ++s) {
    double u = uniform(generator), cumulative = 0;
    std::size_t k = 0;
    for (; k + 1 < in.points.size(); ++k) {
      cumulative += in.points[k].weight;
      if (u < cumulative) break;
    }
    ++per_point[k];
  }

  // Each point draws its latent samples with its own seed, so the result is the same for any thread count.
  std::vector<Eigen::MatrixXd> draws(in.points.size());
  run_outer(static_cast<int>(in.points.size()), [&](int k) {
    if (per_point[k] == 0) return;
    draws[k] = lgm.evaluate(in.points[k].theta, mode.latent_mode, Detail::kLogDensity, per_point[k],
                            seed + 1 + static_cast<std::uint64_t>(k)).samples;
  });

  std::ofstream out(path, std::ios::trunc);
  if (!out) throw OutputError(path + ": cannot write the samples");
  out << "sample,point";
  for (int k : m.free_index) out << "," << csv_field(m.hyperparameters[k].user_name);
  for (const auto& t : m.random)
    for (const auto& label : t.labels) out << "," << csv_field(t.name + ":" + label);
  for (const auto& f : m.fixed) out << "," << csv_field(f.name);
  out << '\n';

  int sample = 0;
  for (std::size_t k = 0; k < in.points.size(); ++k) {
    for (int j = 0; j < per_point[k]; ++j) {
      out << ++sample << "," << k;
      for (std::size_t h = 0; h < m.free_index.size(); ++h) {
        out << "," << format_number(to_user_scale(m.hyperparameters[m.free_index[h]].scale, in.points[k].theta[h]));
      }
      for (int i = 0; i < m.latent_size; ++i) out << "," << format_number(draws[k](i, j));
      out << '\n';
    }
  }
  if (!out) throw OutputError(path + ": writing the samples failed");
}

}  // namespace pyinla
