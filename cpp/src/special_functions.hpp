// Digamma and its first two derivatives (for the beta likelihood and the PC priors) and the incomplete beta function.
#pragma once

namespace pyinla {

double digamma(double x);
double trigamma(double x);
double tetragamma(double x);

// The regularised incomplete beta function I_x(a, b), for the beta and Student t distribution functions.
double incomplete_beta(double a, double b, double x);

}  // namespace pyinla
