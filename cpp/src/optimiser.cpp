#include "optimiser.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "errors.hpp"
#include "log.hpp"
#include "threads.hpp"

namespace pyinla {

namespace {

constexpr double kGradientStep = 1e-3;  // central differences on the internal scale
constexpr double kHessianStep = 1e-2;
constexpr double kMaxStep = 1.0;        // largest change of any theta in one BFGS step
constexpr int kMaxIterations = 200;
// Bound of every theta during the search: exp(20) is a precision no data set can inform, so a hyperparameter that
// runs there is reported (with a warning at the mode) instead of overflowing.
constexpr double kThetaBound = 20.0;

std::string format_theta(const std::vector<double>& theta) {
  std::ostringstream out;
  out.precision(4);
  out << std::fixed;
  for (double t : theta) out << " " << t;
  return out.str();
}

struct Iterate {
  std::vector<double> theta;
  double f = 0;  // -log pi~(theta | y)
  Eigen::VectorXd latent_mode;
  Eigen::VectorXd gradient;
};

std::vector<double> shifted(const std::vector<double>& theta, int i, double di, int j = -1, double dj = 0) {
  std::vector<double> t = theta;
  t[i] += di;
  if (j >= 0) t[j] += dj;
  return t;
}

Eigen::VectorXd central_gradient(const LatentGaussianModel& lgm, const Iterate& at, int* evaluations) {
  const int d = static_cast<int>(at.theta.size());
  std::vector<std::vector<double>> points;
  for (int i = 0; i < d; ++i) {
    points.push_back(shifted(at.theta, i, kGradientStep));
    points.push_back(shifted(at.theta, i, -kGradientStep));
  }
  const std::vector<double> lp = evaluate_log_posteriors(lgm, points, at.latent_mode);
  *evaluations += static_cast<int>(points.size());
  Eigen::VectorXd g(d);
  for (int i = 0; i < d; ++i) g[i] = -(lp[2 * i] - lp[2 * i + 1]) / (2 * kGradientStep);
  return g;
}

Iterate evaluate_iterate(const LatentGaussianModel& lgm, const std::vector<double>& theta, const Eigen::VectorXd& start,
                         int* evaluations) {
  const ConditionalLatent c = lgm.evaluate(theta, start, Detail::kLogDensity);
  ++*evaluations;
  Iterate it;
  it.theta = theta;
  it.f = -c.log_posterior;
  it.latent_mode = c.mode;
  return it;
}

Eigen::MatrixXd finite_difference_hessian(const LatentGaussianModel& lgm, const Iterate& at, int* evaluations) {
  const int d = static_cast<int>(at.theta.size());
  const double h = kHessianStep;
  std::vector<std::vector<double>> points;
  for (int i = 0; i < d; ++i) {
    points.push_back(shifted(at.theta, i, h));
    points.push_back(shifted(at.theta, i, -h));
  }
  for (int i = 0; i < d; ++i)
    for (int j = i + 1; j < d; ++j) {
      points.push_back(shifted(at.theta, i, h, j, h));
      points.push_back(shifted(at.theta, i, h, j, -h));
      points.push_back(shifted(at.theta, i, -h, j, h));
      points.push_back(shifted(at.theta, i, -h, j, -h));
    }
  const std::vector<double> lp = evaluate_log_posteriors(lgm, points, at.latent_mode);
  *evaluations += static_cast<int>(points.size());

  Eigen::MatrixXd hessian(d, d);
  for (int i = 0; i < d; ++i) hessian(i, i) = -(lp[2 * i] - 2 * (-at.f) + lp[2 * i + 1]) / (h * h);
  int k = 2 * d;
  for (int i = 0; i < d; ++i)
    for (int j = i + 1; j < d; ++j) {
      hessian(i, j) = hessian(j, i) = -(lp[k] - lp[k + 1] - lp[k + 2] + lp[k + 3]) / (4 * h * h);
      k += 4;
    }
  return hessian;
}

void log_iterate(int fn, const Iterate& it) {
  std::ostringstream line;
  line.precision(4);
  line << std::fixed << "maxld= " << -it.f << " fn= " << fn << " theta=" << format_theta(it.theta);
  run_log().line(line.str());
}

}  // namespace

std::vector<double> evaluate_log_posteriors(const LatentGaussianModel& lgm, const std::vector<std::vector<double>>& thetas,
                                            const Eigen::VectorXd& start) {
  std::vector<double> values(thetas.size());
  run_outer(static_cast<int>(thetas.size()), [&](int k) {
    values[k] = lgm.evaluate(thetas[k], start, Detail::kLogDensity).log_posterior;
  });
  return values;
}

std::vector<double> initial_theta(const Model& model) {
  std::vector<double> theta;
  for (int k : model.free_index) theta.push_back(model.hyperparameters[k].initial);
  return theta;
}

ThetaMode find_theta_mode(const LatentGaussianModel& lgm, const std::vector<double>& theta0) {
  const int d = lgm.theta_size();

  ThetaMode mode;
  run_log().line("Compute initial values...");
  Iterate current = evaluate_iterate(lgm, theta0, Eigen::VectorXd(), &mode.evaluations);
  // Start Newton's method from a refined mode: the first evaluation from zero may need many iterations.
  current = evaluate_iterate(lgm, theta0, current.latent_mode, &mode.evaluations);
  log_iterate(mode.evaluations, current);
  if (d == 0) {
    mode.theta = current.theta;
    mode.log_posterior = -current.f;
    mode.latent_mode = current.latent_mode;
    return mode;
  }

  run_log().line("Optimise using BFGS with central-difference gradients");
  current.gradient = central_gradient(lgm, current, &mode.evaluations);
  Eigen::MatrixXd h_inverse = Eigen::MatrixXd::Identity(d, d);
  bool first_update = true;
  int iteration = 0;
  for (; iteration < kMaxIterations; ++iteration) {
    if (current.gradient.cwiseAbs().maxCoeff() < 1e-4) break;
    Eigen::VectorXd direction = -h_inverse * current.gradient;
    if (direction.dot(current.gradient) >= 0) {  // not a descent direction: restart from steepest descent
      h_inverse.setIdentity();
      direction = -current.gradient;
    }
    const double longest = direction.cwiseAbs().maxCoeff();
    if (longest > kMaxStep) direction *= kMaxStep / longest;

    // Backtracking line search with the Armijo condition.
    double alpha = 1.0;
    Iterate next;
    bool accepted = false;
    for (int halving = 0; halving < 30; ++halving) {
      std::vector<double> theta = current.theta;
      for (int i = 0; i < d; ++i) theta[i] = std::clamp(theta[i] + alpha * direction[i], -kThetaBound, kThetaBound);
      next = evaluate_iterate(lgm, theta, current.latent_mode, &mode.evaluations);
      if (next.f <= current.f + 1e-4 * alpha * direction.dot(current.gradient)) {
        accepted = true;
        break;
      }
      alpha *= 0.5;
    }
    if (!accepted) break;  // no decrease along a descent direction: at the mode within rounding
    next.gradient = central_gradient(lgm, next, &mode.evaluations);
    log_iterate(mode.evaluations, next);

    const Eigen::VectorXd s = alpha * direction;
    const Eigen::VectorXd y = next.gradient - current.gradient;
    const double sy = s.dot(y);
    if (sy > 1e-12) {
      if (first_update) h_inverse *= sy / y.squaredNorm();
      first_update = false;
      const double rho = 1.0 / sy;
      const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(d, d);
      h_inverse = (identity - rho * s * y.transpose()) * h_inverse * (identity - rho * y * s.transpose()) +
                  rho * s * s.transpose();
    }
    const double decrease = current.f - next.f;
    current = next;
    if (decrease < 1e-10 && s.cwiseAbs().maxCoeff() < 1e-6) break;
  }
  if (iteration == kMaxIterations) {
    throw NumericalError("the optimiser did not converge in " + std::to_string(kMaxIterations) +
                         " iterations; theta =" + format_theta(current.theta) +
                         "; a stronger prior on the hyperparameters usually helps");
  }

  mode.theta = current.theta;
  mode.log_posterior = -current.f;
  mode.latent_mode = current.latent_mode;
  mode.iterations = iteration;
  mode.hessian = finite_difference_hessian(lgm, current, &mode.evaluations);
  return mode;
}

}  // namespace pyinla
