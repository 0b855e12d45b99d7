#include "integration.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "errors.hpp"
#include "log.hpp"
#include "threads.hpp"

namespace pyinla {

namespace {

constexpr double kCcdScale = 1.1;  // f0: CCD points lie on the sphere of radius f0 * sqrt(dim)
constexpr int kMaxGridSteps = 40;  // per axis and direction
// Smallest curvature of -log pi(theta | y) kept along an axis: a standard deviation of 10 on the internal scale,
// so the integration stays within reach of the mode when a direction is flat.
constexpr double kMinCurvature = 1e-2;
// Log density given to a point where the approximation fails (an extreme theta); far below any kept point.
constexpr double kFailedLogDensity = -1e300;
// A point counts as above the mode only by more than this, so that rounding near a flat mode does not count.
constexpr double kHigherDensityMargin = 1e-3;

std::vector<double> theta_at(const ThetaIntegration& in, const Eigen::VectorXd& z) {
  const Eigen::VectorXd theta = in.mode + in.b * z;
  return std::vector<double>(theta.data(), theta.data() + theta.size());
}

// B from the Hessian of -log pi~ at the mode: Sigma = H^-1 = V Lambda V'. A Hessian that is not positive definite
// (a flat direction) has its eigenvalues bounded away from zero, with a warning in the log.
Eigen::MatrixXd standardising_matrix(const Eigen::MatrixXd& hessian) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(hessian);
  Eigen::VectorXd lambda = eigen.eigenvalues();
  for (Eigen::Index i = 0; i < lambda.size(); ++i) {
    if (!(lambda[i] > kMinCurvature)) {
      run_log().warning("the Hessian of log pi(theta | y) at the mode is not positive definite (eigenvalue " +
                        std::to_string(lambda[i]) + "): a hyperparameter is poorly identified; a stronger prior "
                        "on it (for a precision, pc.prec) usually helps");
      lambda[i] = std::max(std::abs(lambda[i]), kMinCurvature);
    }
  }
  return eigen.eigenvectors() * lambda.cwiseInverse().cwiseSqrt().asDiagonal();
}

double log_sum_exp(const std::vector<double>& v) {
  double top = -INFINITY;
  for (double x : v) top = std::max(top, x);
  double sum = 0;
  for (double x : v) sum += std::exp(x - top);
  return top + std::log(sum);
}

// log pi~(theta | y), or kFailedLogDensity where the Gaussian approximation fails: far from the mode a grid point
// can reach a theta where a precision matrix is not numerically positive definite, and such a point has no weight.
double safe_log_posterior(const LatentGaussianModel& lgm, const std::vector<double>& theta, const Eigen::VectorXd& start) {
  try {
    return lgm.evaluate(theta, start, Detail::kLogDensity).log_posterior;
  } catch (const NumericalError&) {
    return kFailedLogDensity;
  }
}

// Walks one axis direction until the log density falls more than diff_logdens below the mode.
int walk_axis(const LatentGaussianModel& lgm, const ThetaIntegration& in, const ThetaMode& mode, int axis, int sign,
              std::map<std::vector<int>, double>* found) {
  const int d = static_cast<int>(in.mode.size());
  const double dz = lgm.model().inla.dz;
  for (int step = 1; step <= kMaxGridSteps; ++step) {
    Eigen::VectorXd z = Eigen::VectorXd::Zero(d);
    z[axis] = sign * step * dz;
    const double ld = safe_log_posterior(lgm, theta_at(in, z), mode.latent_mode);
    std::vector<int> key(d, 0);
    key[axis] = sign * step;
    (*found)[key] = ld;
    if (mode.log_posterior - ld > lgm.model().inla.diff_logdens) return step;
  }
  return kMaxGridSteps;
}

// Every step combination in the box, row-major with axis 0 slowest.
std::vector<std::vector<int>> box_points(const std::vector<int>& lower, const std::vector<int>& upper) {
  const int d = static_cast<int>(lower.size());
  std::vector<std::vector<int>> box;
  std::vector<int> key(lower);
  while (true) {
    box.push_back(key);
    int axis = d - 1;
    while (axis >= 0 && key[axis] == upper[axis]) {
      key[axis] = lower[axis];
      --axis;
    }
    if (axis < 0) break;
    ++key[axis];
  }
  return box;
}

void grid_points(const LatentGaussianModel& lgm, const ThetaMode& mode, ThetaIntegration* in) {
  const int d = static_cast<int>(in->mode.size());
  const double dz = lgm.model().inla.dz;

  // Each of the 2 d directions is walked on its own; the directions run side by side.
  std::vector<std::map<std::vector<int>, double>> walked(2 * d);
  std::vector<int> extent(2 * d);
  run_outer(2 * d, [&](int k) { extent[k] = walk_axis(lgm, *in, mode, k / 2, k % 2 ? 1 : -1, &walked[k]); });
  std::map<std::vector<int>, double> known;
  known[std::vector<int>(d, 0)] = mode.log_posterior;
  for (const auto& w : walked) known.insert(w.begin(), w.end());

  in->grid.dz = dz;
  for (int axis = 0; axis < d; ++axis) {
    in->grid.lower.push_back(-extent[2 * axis]);
    in->grid.upper.push_back(extent[2 * axis + 1]);
  }

  // Fill the box, then widen it wherever a face still contains a point above the threshold, because a posterior
  // with correlated, skewed tails reaches past the box that the axis walks span.
  std::vector<std::vector<int>> box;
  while (true) {
    box = box_points(in->grid.lower, in->grid.upper);
    std::vector<std::vector<double>> missing_theta;
    std::vector<std::vector<int>> missing;
    for (const auto& b : box) {
      if (known.count(b)) continue;
      Eigen::VectorXd z(d);
      for (int i = 0; i < d; ++i) z[i] = b[i] * dz;
      missing.push_back(b);
      missing_theta.push_back(theta_at(*in, z));
    }
    std::vector<double> values(missing.size());
    run_outer(static_cast<int>(missing.size()),
              [&](int k) { values[k] = safe_log_posterior(lgm, missing_theta[k], mode.latent_mode); });
    for (std::size_t k = 0; k < missing.size(); ++k) known[missing[k]] = values[k];

    bool widened = false;
    for (int axis = 0; axis < d; ++axis) {
      bool low_face_inside = false, high_face_inside = false;
      for (const auto& b : box) {
        const bool inside = mode.log_posterior - known[b] <= lgm.model().inla.diff_logdens;
        low_face_inside = low_face_inside || (inside && b[axis] == in->grid.lower[axis]);
        high_face_inside = high_face_inside || (inside && b[axis] == in->grid.upper[axis]);
      }
      if (low_face_inside && in->grid.lower[axis] > -kMaxGridSteps) {
        --in->grid.lower[axis];
        widened = true;
      }
      if (high_face_inside && in->grid.upper[axis] < kMaxGridSteps) {
        ++in->grid.upper[axis];
        widened = true;
      }
    }
    if (!widened) break;
  }

  // A point above the mode means the optimiser stopped at a local mode; remember the highest one.
  double highest = mode.log_posterior + kHigherDensityMargin;
  for (const auto& [key, ld] : known) {
    if (ld <= highest) continue;
    highest = ld;
    Eigen::VectorXd z(d);
    for (int i = 0; i < d; ++i) z[i] = key[i] * dz;
    in->higher_theta = theta_at(*in, z);
  }

  // Keep the mode first, then the box points above the threshold in box order.
  std::vector<double> all;
  // Far below the mode the value only shapes the interpolation of the marginals, so it is floored there.
  for (const auto& b : box) all.push_back(std::max(known[b], mode.log_posterior - 50.0));
  in->grid.log_density = all;
  IntegrationPoint centre;
  centre.z = Eigen::VectorXd::Zero(d);
  centre.theta = theta_at(*in, centre.z);
  centre.log_density = mode.log_posterior;
  in->points.push_back(centre);
  for (const auto& b : box) {
    const double ld = known[b];
    if (std::all_of(b.begin(), b.end(), [](int s) { return s == 0; })) continue;
    if (mode.log_posterior - ld > lgm.model().inla.diff_logdens) continue;
    IntegrationPoint p;
    p.z.resize(d);
    for (int i = 0; i < d; ++i) p.z[i] = b[i] * dz;
    p.theta = theta_at(*in, p.z);
    p.log_density = ld;
    in->points.push_back(p);
  }

  // Equal volume per point, so the weights are the normalised densities; the marginal likelihood integrates over
  // every box point.
  const double log_volume = d * std::log(dz) + std::log(std::abs(in->b.determinant()));
  in->log_mlik_integration = log_sum_exp(all) + log_volume;

  for (int axis = 0; axis < d; ++axis) {
    for (int sign : {-1, 1}) {
      std::vector<int> one(d, 0);
      one[axis] = sign;
      const double drop = std::max(mode.log_posterior - known[one], 1e-8);
      (sign < 0 ? in->sd_negative : in->sd_positive).push_back(dz / std::sqrt(2 * drop));
    }
  }
}

// Two-level fractional factorial design of resolution V or more: all sign patterns of the first d - 1 (or d)
// coordinates, the last one their product when d >= 5.
std::vector<std::vector<int>> factorial_design(int d) {
  const int free = d >= 5 ? d - 1 : d;
  std::vector<std::vector<int>> design;
  for (int code = 0; code < (1 << free); ++code) {
    std::vector<int> signs(d);
    int product = 1;
    for (int i = 0; i < free; ++i) {
      signs[i] = (code >> i) & 1 ? 1 : -1;
      product *= signs[i];
    }
    if (free < d) signs[d - 1] = product;
    design.push_back(signs);
  }
  return design;
}

void ccd_points(const LatentGaussianModel& lgm, const ThetaMode& mode, ThetaIntegration* in) {
  const int d = static_cast<int>(in->mode.size());
  const double radius = kCcdScale * std::sqrt(static_cast<double>(d));
  std::vector<Eigen::VectorXd> zs{Eigen::VectorXd::Zero(d)};
  for (int axis = 0; axis < d; ++axis)
    for (int sign : {-1, 1}) {
      Eigen::VectorXd z = Eigen::VectorXd::Zero(d);
      z[axis] = sign * radius;
      zs.push_back(z);
    }
  if (d > 1) {
    for (const auto& signs : factorial_design(d)) {
      Eigen::VectorXd z(d);
      for (int i = 0; i < d; ++i) z[i] = kCcdScale * signs[i];
      zs.push_back(z);
    }
  }

  std::vector<std::vector<double>> thetas;
  for (std::size_t k = 1; k < zs.size(); ++k) thetas.push_back(theta_at(*in, zs[k]));
  std::vector<double> ld{mode.log_posterior};
  const std::vector<double> rest = evaluate_log_posteriors(lgm, thetas, mode.latent_mode);
  ld.insert(ld.end(), rest.begin(), rest.end());

  // Design weights that integrate a standard Gaussian's first two moments exactly: 1 at the centre and
  // delta = exp(r^2/2) / ((n - 1)(f0^2 - 1)) elsewhere, all other points lying at radius r = f0 sqrt(d).
  const int n = static_cast<int>(zs.size());
  const double delta = std::exp(radius * radius / 2) / ((n - 1) * (kCcdScale * kCcdScale - 1));
  std::vector<double> log_weighted, log_reference;
  for (int k = 0; k < n; ++k) {
    const double log_design = k == 0 ? 0.0 : std::log(delta);
    log_weighted.push_back(log_design + ld[k]);
    log_reference.push_back(log_design - 0.5 * zs[k].squaredNorm());
    IntegrationPoint p;
    p.z = zs[k];
    p.theta = k == 0 ? mode.theta : thetas[k - 1];
    p.log_density = log_weighted.back();  // weights below come from this
    in->points.push_back(p);
  }
  for (int k = 1; k < n; ++k) {
    if (ld[k] > mode.log_posterior + kHigherDensityMargin &&
        (in->higher_theta.empty() || ld[k] > *std::max_element(ld.begin() + 1, ld.begin() + k))) {
      in->higher_theta = thetas[k - 1];
    }
  }
  in->log_mlik_integration = log_sum_exp(log_weighted) - log_sum_exp(log_reference) + 0.5 * d * std::log(2 * M_PI) +
                             std::log(std::abs(in->b.determinant()));
  for (int axis = 0; axis < d; ++axis) {
    for (int side = 0; side < 2; ++side) {
      const double drop = std::max(mode.log_posterior - ld[1 + 2 * axis + side], 1e-8);
      (side == 0 ? in->sd_negative : in->sd_positive).push_back(radius / std::sqrt(2 * drop));
    }
  }
  for (int k = 0; k < n; ++k) in->points[k].log_density = ld[k];
  // Keep the design weights in the stored density for the normalisation below.
  for (int k = 0; k < n; ++k) in->points[k].weight = log_weighted[k];
}

void normalise_weights(ThetaIntegration* in, bool design_weights) {
  std::vector<double> logs;
  for (const auto& p : in->points) logs.push_back(design_weights ? p.weight : p.log_density);
  const double total = log_sum_exp(logs);
  for (std::size_t k = 0; k < in->points.size(); ++k) in->points[k].weight = std::exp(logs[k] - total);
}

}  // namespace

ThetaIntegration integrate_theta(const LatentGaussianModel& lgm, const ThetaMode& mode) {
  const int d = lgm.theta_size();
  ThetaIntegration in;
  in.mode = Eigen::Map<const Eigen::VectorXd>(mode.theta.data(), d);
  in.b = d > 0 ? standardising_matrix(mode.hessian) : Eigen::MatrixXd(0, 0);
  in.log_mlik_gaussian = mode.log_posterior + 0.5 * d * std::log(2 * M_PI) +
                         (d > 0 ? std::log(std::abs(in.b.determinant())) : 0.0);

  std::string strategy = lgm.model().inla.int_strategy;
  if (strategy == "auto") strategy = d <= 2 ? "grid" : "ccd";
  if (d == 0) strategy = "eb";
  in.strategy = strategy;

  if (strategy == "grid") {
    grid_points(lgm, mode, &in);
    normalise_weights(&in, false);
  } else if (strategy == "ccd") {
    ccd_points(lgm, mode, &in);
    normalise_weights(&in, true);
  } else {
    IntegrationPoint p;
    p.z = Eigen::VectorXd::Zero(d);
    p.theta = mode.theta;
    p.log_density = mode.log_posterior;
    p.weight = 1.0;
    in.points.push_back(p);
    in.log_mlik_integration = in.log_mlik_gaussian;
    in.sd_negative.assign(d, 1.0);
    in.sd_positive.assign(d, 1.0);
  }
  {
    std::ostringstream line;
    line << "Integrate over theta: " << strategy << " with " << in.points.size() << " points";
    run_log().line(line.str());
  }
  for (std::size_t k = 0; k < in.points.size(); ++k) {
    std::ostringstream line;
    line.precision(4);
    line << std::fixed << "point " << k << ": theta=";
    for (double t : in.points[k].theta) line << " " << t;
    line << " log density " << in.points[k].log_density << " weight " << std::scientific << in.points[k].weight;
    run_log().line(line.str());
  }

  return in;
}

void compute_conditional_marginals(const LatentGaussianModel& lgm, const ThetaMode& mode, ThetaIntegration* in) {
  in->latent.resize(in->points.size());
  run_outer(static_cast<int>(in->points.size()), [&](int k) {
    in->latent[k] = lgm.evaluate(in->points[k].theta, mode.latent_mode, Detail::kMarginals);
  });
}

}  // namespace pyinla
