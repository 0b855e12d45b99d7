// Families written one observation at a time: negative binomial, gamma, beta, Student t, lognormal, the
// zero-inflated Poisson and binomial (type 1), and the exponential and Weibull survival models with right
// censoring.
#pragma once

#include <memory>
#include <string>

#include "likelihoods.hpp"

namespace pyinla {

// Returns the family named `name`, or nullptr when it is not one of these.
std::unique_ptr<Likelihood> make_pointwise_likelihood(const std::string& name);

}  // namespace pyinla
