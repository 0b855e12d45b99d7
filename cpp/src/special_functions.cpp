#include "special_functions.hpp"

#include <cmath>
#include <initializer_list>

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

namespace {

// The continued fraction of I_x(a, b) (its even and odd coefficients d_2m and d_2m+1), by the modified Lentz
// method. It converges quickly for x < (a + 1) / (a + b + 2).
double incomplete_beta_fraction(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::abs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double fraction = d;
  for (int m = 1; m <= 500; ++m) {
    const double even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
    const double odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
    for (double coefficient : {even, odd}) {
      d = 1.0 + coefficient * d;
      c = 1.0 + coefficient / c;
      if (std::abs(d) < tiny) d = tiny;
      if (std::abs(c) < tiny) c = tiny;
      d = 1.0 / d;
      fraction *= c * d;
    }
    if (std::abs(c * d - 1.0) < 1e-15) break;
  }
  return fraction;
}

}  // namespace

double incomplete_beta(double a, double b, double x) {
  if (!(x > 0)) return 0.0;
  if (!(x < 1)) return 1.0;

  // x^a (1 - x)^b / (a B(a, b)) times the continued fraction. Past the mean, I_x(a, b) = 1 - I_1-x(b, a) converges faster.
  const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return std::exp(log_front) * incomplete_beta_fraction(a, b, x) / a;
  return 1.0 - std::exp(log_front) * incomplete_beta_fraction(b, a, 1 - x) / b;
}

}  // namespace pyinla
