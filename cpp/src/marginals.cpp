#include "marginals.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "criteria.hpp"
#include "gauss_hermite.hpp"
#include "threads.hpp"

namespace pyinla {

namespace {

const double kSqrtTwoOverPi = std::sqrt(2.0 / M_PI);
constexpr double kMaxSkewness = 0.99;  // the skew-normal family reaches at most about 0.995

double normal_pdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI); }
double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double normal_quantile(double p) {
  double lo = -40, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (normal_cdf(mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// Owen's T(h, a) = 1/(2 pi) int_0^a exp(-h^2 (1 + x^2) / 2) / (1 + x^2) dx, by composite Gauss-Legendre.
double owens_t(double h, double a) {
  static const double node[5] = {0.1488743389816312, 0.4333953941292472, 0.6794095682990244, 0.8650633666889845,
                                 0.9739065285171717};
  static const double weight[5] = {0.2955242247147529, 0.2692667193099963, 0.2190863625159820, 0.1494513491505806,
                                   0.0666713443086881};
  if (a == 0) return 0;
  const double sign = a < 0 ? -1 : 1;
  a = std::abs(a);
  const int panels = std::max(1, static_cast<int>(std::ceil(2 * a)));
  const double width = a / panels;
  double sum = 0;
  for (int p = 0; p < panels; ++p) {
    const double centre = (p + 0.5) * width;
    for (int k = 0; k < 5; ++k)
      for (double s : {-1.0, 1.0}) {
        const double x = centre + s * node[k] * width / 2;
        sum += weight[k] * std::exp(-0.5 * h * h * (1 + x * x)) / (1 + x * x);
      }
  }
  return sign * sum * width / 2 / (2 * M_PI);
}

// A skew-normal density (Azzalini, 1985): 2/omega phi(z) Phi(alpha z), z = (x - xi)/omega.
struct SkewNormal {
  double xi = 0, omega = 1, alpha = 0;

  // The skew-normal with the given mode, standard deviation and skewness (normal when the skewness is 0).
  // Simplified Laplace gives log pi(z) = -z^2/2 + gamma1 z + gamma3 z^3/6 around the Gaussian mean: its mode is at
  // gamma1 and its skewness gamma3, so the mean moves by about gamma3/2 standard deviations from the mode.
  static SkewNormal from_mode(double mode, double sd, double skewness) {
    SkewNormal sn;
    skewness = std::clamp(skewness, -kMaxSkewness, kMaxSkewness);
    if (std::abs(skewness) < 1e-12) {
      sn.xi = mode;
      sn.omega = sd;
      return sn;
    }
    // Invert skewness = (4 - pi)/2 * m^3 / (1 - m^2)^(3/2) with m = delta sqrt(2/pi), the mean of the standard form.
    const double r = std::cbrt(2 * std::abs(skewness) / (4 - M_PI));
    const double m = std::copysign(r / std::sqrt(1 + r * r), skewness);
    const double delta = m / kSqrtTwoOverPi;
    sn.alpha = delta / std::sqrt(1 - delta * delta);
    sn.omega = sd / std::sqrt(1 - m * m);
    sn.xi = mode - sn.omega * standard_mode(sn.alpha);
    return sn;
  }

  // Mode of 2 phi(z) Phi(alpha z): Newton's method on -z + alpha phi(alpha z) / Phi(alpha z) = 0.
  static double standard_mode(double alpha) {
    double z = 0;
    for (int it = 0; it < 50; ++it) {
      const double t = alpha * z;
      const double ratio = normal_pdf(t) / normal_cdf(t);
      const double g = -z + alpha * ratio;
      const double dg = -1 - alpha * alpha * ratio * (t + ratio);
      const double step = g / dg;
      z -= step;
      if (std::abs(step) < 1e-14) break;
    }
    return z;
  }

  // The skew-normal with the given mean, standard deviation and skewness.
  static SkewNormal from_moments(double mean, double sd, double skewness) {
    SkewNormal sn = from_mode(0.0, sd, skewness);
    sn.xi += mean - sn.mean();
    return sn;
  }

  double mean() const { return xi + omega * alpha / std::sqrt(1 + alpha * alpha) * kSqrtTwoOverPi; }

  double sd() const {
    const double m = alpha / std::sqrt(1 + alpha * alpha) * kSqrtTwoOverPi;
    return omega * std::sqrt(1 - m * m);
  }

  double pdf(double x) const {
    const double z = (x - xi) / omega;
    return 2 / omega * normal_pdf(z) * normal_cdf(alpha * z);
  }

  double cdf(double x) const {
    const double z = (x - xi) / omega;
    return alpha == 0 ? normal_cdf(z) : normal_cdf(z) - 2 * owens_t(z, alpha);
  }
};

// The maximiser of a unimodal f on [a, b], to a relative width of 1e-10, by golden-section search.
template <typename F>
double golden_section_maximum(F f, double a, double b) {
  const double ratio = (std::sqrt(5.0) - 1) / 2;
  double c = b - ratio * (b - a), d = a + ratio * (b - a);
  double fc = f(c), fd = f(d);
  while (b - a > 1e-10 * (1 + std::abs(a) + std::abs(b))) {
    if (fc >= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}

// A weighted mixture of skew-normal densities: the marginal of one latent variable over the integration points.
class Mixture {
 public:
  void add(double weight, const SkewNormal& part) {
    weights_.push_back(weight);
    parts_.push_back(part);
    means_.push_back(part.mean());
    sds_.push_back(part.sd());
  }

  double pdf(double x) const {
    double s = 0;
    for (std::size_t k = 0; k < parts_.size(); ++k) s += weights_[k] * parts_[k].pdf(x);
    return s;
  }

  double cdf(double x) const {
    double s = 0;
    for (std::size_t k = 0; k < parts_.size(); ++k) s += weights_[k] * parts_[k].cdf(x);
    return s;
  }

  double mean() const {
    double s = 0;
    for (std::size_t k = 0; k < parts_.size(); ++k) s += weights_[k] * means_[k];
    return s;
  }

  double sd() const {
    const double m = mean();
    double s = 0;
    for (std::size_t k = 0; k < parts_.size(); ++k) s += weights_[k] * (sds_[k] * sds_[k] + (means_[k] - m) * (means_[k] - m));
    return std::sqrt(std::max(s, 0.0));
  }

  // Safeguarded Newton's method on cdf(x) = p, inside a bracket that always holds the root.
  double quantile(double p, double z_p) const {
    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t k = 0; k < parts_.size(); ++k) {
      lo = std::min(lo, means_[k] - 40 * sds_[k]);
      hi = std::max(hi, means_[k] + 40 * sds_[k]);
    }
    double x = mean() + sd() * z_p;
    for (int it = 0; it < 200; ++it) {
      const double f = cdf(x) - p;
      if (f < 0) lo = x;
      else hi = x;
      const double density = pdf(x);
      double next = density > 0 ? x - f / density : 0.5 * (lo + hi);
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      if (std::abs(next - x) <= 1e-12 * (1 + std::abs(x))) return next;
      x = next;
    }
    return x;
  }

  // The highest point of the density: a coarse scan over mean -/+ 5 sd finds the highest peak (a mixture over
  // theta may have two), then golden-section search refines it between the scan's neighbouring points.
  double mode() const {
    const double m = mean(), s = sd();
    constexpr int kScan = 31;
    const double step = 10 * s / (kScan - 1);

    int best = 0;
    double best_density = -1;
    for (int k = 0; k < kScan; ++k) {
      const double density = pdf(m - 5 * s + k * step);
      if (density > best_density) {
        best_density = density;
        best = k;
      }
    }

    const double low = m - 5 * s + (best - 1) * step;
    return golden_section_maximum([this](double x) { return pdf(x); }, low, low + 2 * step);
  }

 private:
  std::vector<double> weights_, means_, sds_;
  std::vector<SkewNormal> parts_;
};

// Symmetric KL divergence between N(0, 1) and the skew-normal with mean gamma1, sd 1 and skewness gamma3.
double symmetric_kld(double gamma1, double gamma3) {
  if (gamma1 == 0 && gamma3 == 0) return 0;
  const SkewNormal sn = SkewNormal::from_mode(gamma1, 1.0, gamma3);
  const int n = 801;
  const double lo = -12, hi = 12, h = (hi - lo) / (n - 1);
  double kl = 0;
  for (int i = 0; i < n; ++i) {
    const double z = lo + i * h;
    const double p = normal_pdf(z), q = sn.pdf(z);
    if (p > 1e-300 && q > 1e-300) kl += (p - q) * std::log(p / q) * h;
  }
  return 0.5 * kl;
}

MarginalSummary summarise(const Mixture& mixture, const double z[3]) {
  MarginalSummary s;
  s.mean = mixture.mean();
  s.sd = mixture.sd();
  s.q025 = mixture.quantile(0.025, z[0]);
  s.q50 = mixture.quantile(0.5, z[1]);
  s.q975 = mixture.quantile(0.975, z[2]);
  s.mode = mixture.mode();
  return s;
}

}  // namespace

LatentMarginals summarise_latent(const Model& model, const ThetaIntegration& in) {
  const int size = model.latent_size;
  const bool skew = model.inla.strategy != "gaussian";
  const double z[3] = {normal_quantile(0.025), 0.0, normal_quantile(0.975)};
  const double z_tail = normal_quantile(1e-4);

  auto mixture_of = [&](int i) {
    Mixture mix;
    for (std::size_t k = 0; k < in.points.size(); ++k) {
      const ConditionalLatent& c = in.latent[k];
      const double sd = c.sd[i];
      if (sd == 0) {
        mix.add(in.points[k].weight, SkewNormal::from_mode(c.mode[i], 1e-12, 0.0));
        continue;
      }
      if (c.laplace_mean.size() > i && std::isfinite(c.laplace_mean[i])) {
        mix.add(in.points[k].weight, SkewNormal::from_moments(c.laplace_mean[i], c.laplace_sd[i], c.laplace_skewness[i]));
        continue;
      }
      mix.add(in.points[k].weight,
              SkewNormal::from_mode(c.mode[i] + (skew ? sd * c.gamma1[i] : 0.0), sd, skew ? c.gamma3[i] : 0.0));
    }
    return mix;
  };

  LatentMarginals out;
  out.summary.resize(size);
  run_all_threads(size, [&](int i) {
    out.summary[i] = summarise(mixture_of(i), z);
    out.summary[i].kld = skew ? symmetric_kld(in.latent[0].gamma1[i], in.latent[0].gamma3[i]) : 0.0;
  });

  // Densities between the 0.01% and 99.99% quantiles.
  auto density_of = [&](int i, int points) {
    const Mixture mix = mixture_of(i);
    const double lo = mix.quantile(1e-4, z_tail), hi = mix.quantile(1 - 1e-4, -z_tail);
    Density d;
    for (int k = 0; k < points; ++k) {
      const double x = lo + (hi - lo) * k / (points - 1);
      d.x.push_back(x);
      d.density.push_back(mix.pdf(x));
    }
    return d;
  };
  for (const auto& f : model.fixed) out.fixed_density.push_back(density_of(f.offset, 81));
  const int random_size = size - static_cast<int>(model.fixed.size());
  out.latent_density.resize(random_size);
  run_all_threads(random_size, [&](int i) { out.latent_density[i] = density_of(i, 41); });
  return out;
}

LincombMarginals summarise_lincombs(const Model& model, const ThetaIntegration& in) {
  const int n = static_cast<int>(model.lincombs.size());
  const double z[3] = {normal_quantile(0.025), 0.0, normal_quantile(0.975)};
  const double z_tail = normal_quantile(1e-4);
  LincombMarginals out;
  out.summary.resize(n);
  out.density.resize(n);
  run_all_threads(n, [&](int k) {
    Mixture mix;
    for (std::size_t p = 0; p < in.points.size(); ++p) {
      const ConditionalLatent& c = in.latent[p];
      mix.add(in.points[p].weight, SkewNormal::from_mode(c.lincomb_mean[k], std::max(c.lincomb_sd[k], 1e-12), 0.0));
    }
    out.summary[k] = summarise(mix, z);
    const double lo = mix.quantile(1e-4, z_tail), hi = mix.quantile(1 - 1e-4, -z_tail);
    for (int j = 0; j < 81; ++j) {
      const double x = lo + (hi - lo) * j / 80;
      out.density[k].x.push_back(x);
      out.density[k].density.push_back(mix.pdf(x));
    }
  });
  return out;
}

PredictorMarginals summarise_predictor(const Model& model, const ThetaIntegration& in) {
  const int n = model.n_obs;
  const double z[3] = {normal_quantile(0.025), 0.0, normal_quantile(0.975)};
  const double z_tail = normal_quantile(1e-4);
  const QuadratureRule& rule = gauss_hermite(40);
  const Likelihood& likelihood = *model.likelihood;

  std::vector<std::vector<double>> hyper;
  for (const auto& p : in.points) hyper.push_back(model.full_hyperparameters(p.theta));

  PredictorMarginals out;
  out.linear_predictor.resize(n);
  out.fitted.resize(n);
  out.linear_predictor_density.resize(n);
  out.fitted_density.resize(n);
  run_all_threads(n, [&](int o) {
    // At each theta, the marginal of eta_o on quadrature nodes: Gauss-Hermite on the Gaussian marginal for a
    // missing response, and the marginal corrected by the observation's own likelihood otherwise, summarised
    // by a skew-normal with its mean, sd and skewness.
    const bool observed = !std::isnan(model.data.y[o]);
    Mixture mix;
    double first = 0, second = 0;  // moments of the fitted value g^-1(eta)
    for (std::size_t k = 0; k < in.points.size(); ++k) {
      const ConditionalLatent& c = in.latent[k];
      const double w = in.points[k].weight;
      std::vector<double> nodes, weights;
      if (observed) {
        TiltedMarginal tilted = tilted_marginal(model, c, o, hyper[k].data());
        nodes = std::move(tilted.eta);
        weights = std::move(tilted.weight);
      } else {
        for (std::size_t g = 0; g < rule.nodes.size(); ++g) {
          nodes.push_back(c.eta_mean[o] + c.eta_sd[o] * rule.nodes[g]);
          weights.push_back(rule.weights[g]);
        }
      }
      double mean = 0, variance = 0, third = 0;
      for (std::size_t g = 0; g < nodes.size(); ++g) mean += weights[g] * nodes[g];
      for (std::size_t g = 0; g < nodes.size(); ++g) {
        const double d = nodes[g] - mean;
        variance += weights[g] * d * d;
        third += weights[g] * d * d * d;
        const double value = likelihood.inverse_link(nodes[g]);
        first += w * weights[g] * value;
        second += w * weights[g] * value * value;
      }
      const double sd = std::max(std::sqrt(variance), 1e-12);
      mix.add(w, SkewNormal::from_moments(mean, sd, third / (sd * sd * sd)));
    }
    out.linear_predictor[o] = summarise(mix, z);

    // The fitted value g^-1(eta): quantiles through the monotone inverse link, moments by quadrature.
    MarginalSummary& f = out.fitted[o];
    const MarginalSummary& eta = out.linear_predictor[o];
    f.q025 = likelihood.inverse_link(eta.q025);
    f.q50 = likelihood.inverse_link(eta.q50);
    f.q975 = likelihood.inverse_link(eta.q975);
    f.mean = first;
    f.sd = std::sqrt(std::max(second - first * first, 0.0));

    // Densities on a grid of eta; the fitted density carries the Jacobian d eta / d g^-1(eta).
    auto fitted_density_at = [&](double x) {
      const double h = 1e-6 * (1 + std::abs(x));
      const double slope = (likelihood.inverse_link(x + h) - likelihood.inverse_link(x - h)) / (2 * h);
      return slope > 0 ? mix.pdf(x) / slope : 0.0;
    };
    const double lo = mix.quantile(1e-4, z_tail), hi = mix.quantile(1 - 1e-4, -z_tail);
    constexpr int kPoints = 41;
    const double step = (hi - lo) / (kPoints - 1);
    double best = -1, best_x = lo;
    for (int j = 0; j < kPoints; ++j) {
      const double x = lo + step * j;
      const double density = fitted_density_at(x);
      out.linear_predictor_density[o].x.push_back(x);
      out.linear_predictor_density[o].density.push_back(mix.pdf(x));
      out.fitted_density[o].x.push_back(likelihood.inverse_link(x));
      out.fitted_density[o].density.push_back(density);
      if (density > best) {
        best = density;
        best_x = x;
      }
    }
    f.mode = likelihood.inverse_link(golden_section_maximum(fitted_density_at, best_x - step, best_x + step));
  });
  return out;
}

namespace {

// Natural cubic spline through (x_k, y_k), x equally spaced.
class CubicSpline {
 public:
  CubicSpline(double x0, double h, std::vector<double> y) : x0_(x0), h_(h), y_(std::move(y)), m_(y_.size(), 0.0) {
    const int n = static_cast<int>(y_.size());
    if (n < 3) return;
    // Tridiagonal system for the second derivatives with m_0 = m_{n-1} = 0.
    std::vector<double> c(n, 0.0), d(n, 0.0);
    for (int i = 1; i < n - 1; ++i) {
      const double rhs = 6 * (y_[i + 1] - 2 * y_[i] + y_[i - 1]) / (h_ * h_);
      const double denom = 4 - c[i - 1];
      c[i] = 1 / denom;
      d[i] = (rhs - d[i - 1]) / denom;
    }
    for (int i = n - 2; i >= 1; --i) m_[i] = d[i] - c[i] * m_[i + 1];
  }

  double operator()(double x) const {
    const int n = static_cast<int>(y_.size());
    if (n == 1) return y_[0];
    double u = (x - x0_) / h_;
    int i = std::clamp(static_cast<int>(std::floor(u)), 0, n - 2);
    const double t = u - i;
    const double a = 1 - t;
    return a * y_[i] + t * y_[i + 1] + h_ * h_ / 6 * ((a * a * a - a) * m_[i] + (t * t * t - t) * m_[i + 1]);
  }

 private:
  double x0_, h_;
  std::vector<double> y_, m_;
};

// Catmull-Rom interpolation of log densities on the two-dimensional z grid.
class GridInterpolant {
 public:
  explicit GridInterpolant(const ZGrid& g) : g_(g) {
    n0_ = g.upper[0] - g.lower[0] + 1;
    n1_ = g.upper[1] - g.lower[1] + 1;
  }

  bool inside(double z0, double z1) const {
    return z0 >= g_.lower[0] * g_.dz && z0 <= g_.upper[0] * g_.dz && z1 >= g_.lower[1] * g_.dz &&
           z1 <= g_.upper[1] * g_.dz;
  }

  double operator()(double z0, double z1) const {
    const double u0 = z0 / g_.dz - g_.lower[0], u1 = z1 / g_.dz - g_.lower[1];
    const int i0 = std::clamp(static_cast<int>(std::floor(u0)), 0, n0_ - 2);
    const int i1 = std::clamp(static_cast<int>(std::floor(u1)), 0, n1_ - 2);
    const double t0 = u0 - i0, t1 = u1 - i1;
    double rows[4];
    for (int a = -1; a <= 2; ++a) {
      double col[4];
      for (int b = -1; b <= 2; ++b) col[b + 1] = value(i0 + a, i1 + b);
      rows[a + 1] = catmull_rom(col, t1);
    }
    return catmull_rom(rows, t0);
  }

 private:
  static double catmull_rom(const double p[4], double t) {
    return p[1] + 0.5 * t * (p[2] - p[0] + t * (2 * p[0] - 5 * p[1] + 4 * p[2] - p[3] + t * (3 * (p[1] - p[2]) + p[3] - p[0])));
  }

  // Grid value with linear extrapolation one step beyond the edges.
  double value(int i0, int i1) const {
    if (i0 < 0) return 2 * value(0, i1) - value(1, i1);
    if (i0 >= n0_) return 2 * value(n0_ - 1, i1) - value(n0_ - 2, i1);
    if (i1 < 0) return 2 * value(i0, 0) - value(i0, 1);
    if (i1 >= n1_) return 2 * value(i0, n1_ - 1) - value(i0, n1_ - 2);
    return g_.log_density[static_cast<std::size_t>(i0) * n1_ + i1];
  }

  const ZGrid& g_;
  int n0_, n1_;
};

constexpr int kThetaGridPoints = 1001;

// Density of theta_k on an even grid, unnormalised.
struct ThetaDensity {
  std::vector<double> theta, density;
};

ThetaDensity one_dimensional_marginal(const ThetaIntegration& in) {
  const ZGrid& g = in.grid;
  const CubicSpline spline(g.lower[0] * g.dz, g.dz, g.log_density);
  const double lo = g.lower[0] * g.dz, hi = g.upper[0] * g.dz;
  ThetaDensity out;
  const double scale = in.b(0, 0);
  for (int k = 0; k < kThetaGridPoints; ++k) {
    const double z = lo + (hi - lo) * k / (kThetaGridPoints - 1);
    out.theta.push_back(in.mode[0] + scale * z);
    out.density.push_back(std::exp(spline(z) - g.log_density[-g.lower[0]]));
  }
  if (scale < 0) {
    std::reverse(out.theta.begin(), out.theta.end());
    std::reverse(out.density.begin(), out.density.end());
  }
  return out;
}

// Marginal of theta_k = theta*_k + r.z: integrate the interpolated density along the lines r.z = const in the box.
ThetaDensity two_dimensional_marginal(const ThetaIntegration& in, int k) {
  const ZGrid& g = in.grid;
  const GridInterpolant interpolant(g);
  const double r0 = in.b(k, 0), r1 = in.b(k, 1);
  const double norm = std::hypot(r0, r1);
  const double u0 = r0 / norm, u1 = r1 / norm, w0 = -u1, w1 = u0;
  const double lo0 = g.lower[0] * g.dz, hi0 = g.upper[0] * g.dz, lo1 = g.lower[1] * g.dz, hi1 = g.upper[1] * g.dz;
  double a_min = INFINITY, a_max = -INFINITY;
  for (double c0 : {lo0, hi0})
    for (double c1 : {lo1, hi1}) {
      a_min = std::min(a_min, c0 * u0 + c1 * u1);
      a_max = std::max(a_max, c0 * u0 + c1 * u1);
    }
  const double reference = g.log_density[static_cast<std::size_t>(-g.lower[0]) * (g.upper[1] - g.lower[1] + 1) - g.lower[1]];
  const double t_extent = std::hypot(hi0 - lo0, hi1 - lo1);

  ThetaDensity out;
  const int line_points = 401;
  for (int s = 0; s < kThetaGridPoints; ++s) {
    const double a = a_min + (a_max - a_min) * s / (kThetaGridPoints - 1);
    double sum = 0;
    const double h = 2 * t_extent / (line_points - 1);
    for (int q = 0; q < line_points; ++q) {
      const double t = -t_extent + q * h;
      const double z0 = a * u0 + t * w0, z1 = a * u1 + t * w1;
      if (!interpolant.inside(z0, z1)) continue;
      sum += std::exp(interpolant(z0, z1) - reference) * h;
    }
    out.theta.push_back(in.mode[k] + norm * a);
    out.density.push_back(sum);
  }
  return out;
}

// An asymmetric Gaussian for theta_k, combining the axis-wise scales on each side of the mode.
ThetaDensity asymmetric_gaussian_marginal(const ThetaIntegration& in, int k) {
  const int d = static_cast<int>(in.mode.size());
  double left = 0, right = 0;
  for (int j = 0; j < d; ++j) {
    const double bkj = in.b(k, j);
    // Moving theta_k up moves z_j in the direction of the sign of B(k, j).
    const double up = bkj >= 0 ? in.sd_positive[j] : in.sd_negative[j];
    const double down = bkj >= 0 ? in.sd_negative[j] : in.sd_positive[j];
    right += bkj * bkj * up * up;
    left += bkj * bkj * down * down;
  }
  left = std::sqrt(left);
  right = std::sqrt(right);
  ThetaDensity out;
  const double lo = in.mode[k] - 8 * left, hi = in.mode[k] + 8 * right;
  for (int s = 0; s < kThetaGridPoints; ++s) {
    const double t = lo + (hi - lo) * s / (kThetaGridPoints - 1);
    const double sd = t < in.mode[k] ? left : right;
    const double z = (t - in.mode[k]) / sd;
    out.theta.push_back(t);
    out.density.push_back(std::exp(-0.5 * z * z));
  }
  return out;
}

HyperparameterMarginal summarise_theta_density(const ThetaDensity& td, const Hyperparameter& h) {
  const std::size_t n = td.theta.size();
  std::vector<double> cdf(n, 0.0);
  for (std::size_t i = 1; i < n; ++i) {
    cdf[i] = cdf[i - 1] + 0.5 * (td.density[i] + td.density[i - 1]) * (td.theta[i] - td.theta[i - 1]);
  }
  const double total = cdf.back();
  std::vector<double> f(n);
  for (std::size_t i = 0; i < n; ++i) {
    f[i] = td.density[i] / total;
    cdf[i] /= total;
  }

  auto quantile = [&](double p) {
    const auto it = std::lower_bound(cdf.begin(), cdf.end(), p);
    const std::size_t i = std::clamp<std::size_t>(it - cdf.begin(), 1, n - 1);
    const double span = cdf[i] - cdf[i - 1];
    const double t = span > 0 ? (p - cdf[i - 1]) / span : 0.5;
    return td.theta[i - 1] + t * (td.theta[i] - td.theta[i - 1]);
  };
  auto expectation = [&](const std::function<double(double)>& g) {
    double s = 0;
    for (std::size_t i = 1; i < n; ++i) {
      s += 0.5 * (g(td.theta[i]) * f[i] + g(td.theta[i - 1]) * f[i - 1]) * (td.theta[i] - td.theta[i - 1]);
    }
    return s;
  };

  HyperparameterMarginal out;
  auto fill = [&](MarginalSummary* s, const std::function<double(double)>& g) {
    s->mean = expectation(g);
    s->sd = std::sqrt(std::max(expectation([&](double t) { return g(t) * g(t); }) - s->mean * s->mean, 0.0));
    s->q025 = g(quantile(0.025));
    s->q50 = g(quantile(0.5));
    s->q975 = g(quantile(0.975));
  };
  fill(&out.internal, [](double t) { return t; });
  fill(&out.user, [&](double t) { return to_user_scale(h.scale, t); });

  // Modes: of the density of theta, and of the density of the user-scale value (with the Jacobian).
  std::size_t best_internal = 0, best_user = 0;
  std::vector<double> user_density(n);
  for (std::size_t i = 0; i < n; ++i) {
    user_density[i] = f[i] / user_scale_derivative(h.scale, td.theta[i]);
    if (f[i] > f[best_internal]) best_internal = i;
    if (user_density[i] > user_density[best_user]) best_user = i;
  }
  out.internal.mode = td.theta[best_internal];
  out.user.mode = to_user_scale(h.scale, td.theta[best_user]);

  // The user-scale density on a thinner set of points, enough to plot.
  const std::size_t stride = std::max<std::size_t>(1, n / 100);
  for (std::size_t i = 0; i < n; i += stride) {
    if (f[i] < 1e-12 * f[best_internal]) continue;
    out.user_density.x.push_back(to_user_scale(h.scale, td.theta[i]));
    out.user_density.density.push_back(user_density[i]);
  }
  return out;
}

}  // namespace

std::vector<HyperparameterMarginal> summarise_hyperparameters(const Model& model, const ThetaIntegration& in) {
  const int d = static_cast<int>(in.mode.size());
  std::vector<HyperparameterMarginal> out;
  for (int k = 0; k < d; ++k) {
    ThetaDensity td;
    if (in.strategy == "grid" && d == 1) td = one_dimensional_marginal(in);
    else if (in.strategy == "grid" && d == 2) td = two_dimensional_marginal(in, k);
    else td = asymmetric_gaussian_marginal(in, k);
    out.push_back(summarise_theta_density(td, model.hyperparameters[model.free_index[k]]));
  }
  return out;
}

}  // namespace pyinla
