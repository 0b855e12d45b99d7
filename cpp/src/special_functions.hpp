// Digamma and its first two derivatives, for the beta likelihood and the PC priors.
#pragma once

namespace pyinla {

double digamma(double x);
double trigamma(double x);
double tetragamma(double x);

}  // namespace pyinla
