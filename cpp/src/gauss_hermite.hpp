// Gauss-Hermite quadrature for expectations under a standard normal distribution.
#pragma once

#include <vector>

namespace pyinla {

struct QuadratureRule {
  std::vector<double> nodes, weights;  // sum_k weights[k] f(nodes[k]) ~ E f(Z), Z ~ N(0, 1)
};

// The n-point rule for the probabilists' Hermite polynomials (Golub-Welsch), computed once per n.
const QuadratureRule& gauss_hermite(int n);

}  // namespace pyinla
