// Joint samples of the hyperparameters and the latent field from the fitted approximation: theta from the
// integration points by their weights, then x from the Gaussian approximation at that point.
#pragma once

#include <cstdint>
#include <string>

#include "gaussian_approximation.hpp"
#include "integration.hpp"
#include "optimiser.hpp"

namespace pyinla {

// Draws `count` samples with the given seed and writes them to `path` as CSV: sample, point, the free
// hyperparameters on the user scale, then every entry of the latent field (random terms as name:label, then the
// fixed effects). The draws do not depend on the thread count.
void write_posterior_samples(const LatentGaussianModel& lgm, const ThetaMode& mode, const ThetaIntegration& in,
                             int count, std::uint64_t seed, const std::string& path);

}  // namespace pyinla
