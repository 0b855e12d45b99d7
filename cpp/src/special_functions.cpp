#include "special_functions.hpp"

#include <cmath>

namespace pyinla {

// Each function moves x above 10 with its recurrence, then uses the asymptotic series, accurate to about 1e-12
// there (Abramowitz and Stegun, 6.3.18 and 6.4.12).

double digamma(double x) {
  double shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  const double r = 1 / (x * x);
  return shift + std::log(x) - 0.5 / x -
         r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132)))));
}

double trigamma(double x) {
  double shift = 0;
  while (x < 10) {
    shift += 1 / (x * x);
    x += 1;
  }
  const double r = 1 / (x * x);
  return shift + 1 / x + 0.5 * r +
         r / x * (1.0 / 6 - r * (1.0 / 30 - r * (1.0 / 42 - r * (1.0 / 30 - r * (5.0 / 66)))));
}

double tetragamma(double x) {
  double shift = 0;
  while (x < 10) {
    shift -= 2 / (x * x * x);
    x += 1;
  }
  const double r = 1 / (x * x);
  // Derivative of the trigamma series term by term.
  return shift - r - r / x -
         r * r * (0.5 - r * (1.0 / 6 - r * (1.0 / 6 - r * (3.0 / 10 - r * (5.0 / 6)))));
}

}  // namespace pyinla
