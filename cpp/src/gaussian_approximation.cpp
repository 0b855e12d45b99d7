#include "gaussian_approximation.hpp"

#include <cmath>
#include <random>
#include <sstream>

#include "errors.hpp"
#include "threads.hpp"

namespace pyinla {

namespace {

const double kLogTwoPi = std::log(2.0 * M_PI);

// Lower-triangle entries (row >= col) of a symmetric matrix, in a fixed order.
template <typename Visit>
void for_each_lower(const SparseMatrix& m, Visit visit) {
  for (int col = 0; col < m.outerSize(); ++col)
    for (SparseMatrix::InnerIterator it(m, col); it; ++it)
      if (it.row() >= col) visit(static_cast<int>(it.row()), col, it.value());
}

double log_det_spd(const Eigen::MatrixXd& s) {
  Eigen::LLT<Eigen::MatrixXd> llt(s);
  if (llt.info() != Eigen::Success) throw NumericalError("a constraint matrix C Q^-1 C' is not positive definite");
  return 2.0 * llt.matrixLLT().diagonal().array().log().sum();
}

std::string describe_theta(const std::vector<double>& theta) {
  std::ostringstream out;
  out << "theta = (";
  for (std::size_t k = 0; k < theta.size(); ++k) out << (k ? ", " : "") << theta[k];
  out << ")";
  return out.str();
}

// True for copy, and for z without groups (whose kron(group, parts) precision has no simple residual form).
bool has_tied_form(const LatentTerm& t) { return t.copy_source >= 0 || (t.z_matrix.size() > 0 && t.groups == 1); }

}  // namespace

LatentGaussianModel::LatentGaussianModel(const Model& model) : model_(model) {
  build_observation_matrix();
  build_posterior_pattern();
  build_term_priors();
}

void LatentGaussianModel::build_observation_matrix() {
  const int n = model_.n_obs, size = model_.latent_size;
  std::vector<Eigen::Triplet<double>> entries;
  for (const auto& t : model_.random)
    for (int o = 0; o < n; ++o) {
      const double weight = t.weights.empty() ? 1.0 : t.weights[o];
      if (t.index[o] != kNoLevel && weight != 0.0) entries.emplace_back(o, t.offset + t.index[o], weight);
    }
  for (const auto& f : model_.fixed)
    for (int o = 0; o < n; ++o) {
      const double v = f.values.empty() ? 1.0 : f.values[o];
      if (v != 0.0) entries.emplace_back(o, f.offset, v);
    }
  a_.resize(n, size);
  a_.setFromTriplets(entries.begin(), entries.end());
  a_.makeCompressed();

  prior_mean_ = Eigen::VectorXd::Zero(size);
  for (const auto& f : model_.fixed) prior_mean_[f.offset] = f.mean;

  int rows = 0;
  for (const auto& t : model_.random) rows += static_cast<int>(t.constraints.rows());
  constraints_ = Eigen::MatrixXd::Zero(rows, size);
  int r = 0;
  for (const auto& t : model_.random) {
    constraints_.block(r, t.offset, t.constraints.rows(), t.n) = t.constraints;
    r += static_cast<int>(t.constraints.rows());
  }
}

void LatentGaussianModel::build_posterior_pattern() {
  const int size = model_.latent_size;
  std::vector<Eigen::Triplet<double>> entries;
  for (int i = 0; i < size; ++i) entries.emplace_back(i, i, 1.0);
  for (const auto& t : model_.random)
    for (const auto& part : t.parts)
      for_each_lower(part, [&](int i, int j, double) {
        entries.emplace_back(t.offset + i, t.offset + j, 1.0);
        entries.emplace_back(t.offset + j, t.offset + i, 1.0);
      });
  for (const auto& t : model_.random) {
    if (t.copy_source < 0) continue;
    const int source = model_.random[t.copy_source].offset;
    for (int i = 0; i < t.n; ++i) {
      entries.emplace_back(t.offset + i, source + i, 1.0);
      entries.emplace_back(source + i, t.offset + i, 1.0);
    }
  }
  for (int o = 0; o < a_.rows(); ++o)
    for (decltype(a_)::InnerIterator p(a_, o); p; ++p)
      for (decltype(a_)::InnerIterator q(a_, o); q; ++q) entries.emplace_back(p.col(), q.col(), 1.0);
  SparseMatrix pattern(size, size);
  pattern.setFromTriplets(entries.begin(), entries.end());
  pattern_ = std::make_unique<SymmetricPattern>(pattern);

  part_slots_.resize(model_.random.size());
  for (std::size_t k = 0; k < model_.random.size(); ++k) {
    const auto& t = model_.random[k];
    for (const auto& part : t.parts) {
      std::vector<int> slots;
      for_each_lower(part, [&](int i, int j, double) { slots.push_back(pattern_->value_index(t.offset + i, t.offset + j)); });
      part_slots_[k].push_back(slots);
    }
  }
  for (int i = 0; i < size; ++i) diagonal_slot_.push_back(pattern_->value_index(i, i));
  copy_slots_.resize(model_.random.size());
  for (std::size_t k = 0; k < model_.random.size(); ++k) {
    const auto& t = model_.random[k];
    if (t.copy_source < 0) continue;
    const int source = model_.random[t.copy_source].offset;
    for (int i = 0; i < t.n; ++i) {
      const int a = t.offset + i, b = source + i;
      copy_slots_[k].push_back(pattern_->value_index(std::max(a, b), std::min(a, b)));
    }
  }

  // Each observation adds W_o a_o a_o' to the lower triangle. Grouping the terms by the slot they add to lets
  // slots be filled in parallel, each summing its observations in increasing order.
  std::vector<std::pair<int, int>> slot_and_entry;
  std::vector<int> observation;
  std::vector<double> weight;
  for (int o = 0; o < a_.rows(); ++o) {
    for (decltype(a_)::InnerIterator p(a_, o); p; ++p)
      for (decltype(a_)::InnerIterator q(a_, o); q; ++q) {
        if (q.col() > p.col()) continue;
        const int slot = pattern_->value_index(static_cast<int>(p.col()), static_cast<int>(q.col()));
        slot_and_entry.emplace_back(slot, static_cast<int>(observation.size()));
        observation.push_back(o);
        weight.push_back(p.value() * q.value());
      }
  }
  std::stable_sort(slot_and_entry.begin(), slot_and_entry.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const int slots = static_cast<int>(pattern_->empty_lower().nonZeros());
  slot_begin_.assign(slots + 1, 0);
  for (const auto& [slot, entry] : slot_and_entry) {
    ++slot_begin_[slot + 1];
    slot_observation_.push_back(observation[entry]);
    slot_weight_.push_back(weight[entry]);
  }
  for (int k = 0; k < slots; ++k) slot_begin_[k + 1] += slot_begin_[k];
  a_transpose_ = a_.transpose();
}

Eigen::VectorXd LatentGaussianModel::linear_predictor(const Eigen::VectorXd& x, const Eigen::VectorXd& offset) const {
  Eigen::VectorXd eta(a_.rows());
  run_inner(static_cast<int>(a_.rows()), [&](int begin, int end) {
    for (int o = begin; o < end; ++o) {
      double sum = offset[o];
      for (decltype(a_)::InnerIterator it(a_, o); it; ++it) sum += it.value() * x[it.col()];
      eta[o] = sum;
    }
  });
  return eta;
}

Eigen::VectorXd LatentGaussianModel::transpose_times(const Eigen::VectorXd& v) const {
  Eigen::VectorXd out(a_transpose_.rows());
  run_inner(static_cast<int>(a_transpose_.rows()), [&](int begin, int end) {
    for (int i = begin; i < end; ++i) {
      double sum = 0;
      for (decltype(a_transpose_)::InnerIterator it(a_transpose_, i); it; ++it) sum += it.value() * v[it.col()];
      out[i] = sum;
    }
  });
  return out;
}

void LatentGaussianModel::build_term_priors() {
  for (const auto& t : model_.random) {
    TermPrior prior;
    if (t.is_scaled_structure()) {
      prior.scaled = true;
      SymmetricPattern pattern(t.parts[0]);
      SparseMatrix lower = pattern.empty_lower();
      for_each_lower(t.parts[0], [&](int i, int j, double v) { lower.valuePtr()[pattern.value_index(i, j)] = v; });
      CholeskyFactor factor(pattern);
      if (!factor.factorize(lower)) {
        const std::string section = "[random." + std::to_string(&t - model_.random.data()) + "]";
        const std::string advice = t.model == "generic0"
                                       ? "the Cmatrix must be positive definite, or constrained with a diagonal"
                                       : "an intrinsic model needs its sum-to-zero constraint and a positive diagonal";
        throw NumericalError(model_.model_file + ": " + section + " term '" + t.name + "' (" + t.model +
                             "): the structure matrix is not positive definite; " + advice);
      }
      prior.log_det_structure = factor.log_determinant();
      if (t.constraints.rows() > 0) {
        const Eigen::MatrixXd v = factor.solve(Eigen::MatrixXd(t.constraints.transpose()));
        prior.log_det_constraint = log_det_spd(t.constraints * v);
      }
    } else {
      SparseMatrix sum(t.n, t.n);
      for (const auto& part : t.parts) sum += part;
      prior.pattern = std::make_unique<SymmetricPattern>(sum);
      for (const auto& part : t.parts) {
        std::vector<int> slots;
        for_each_lower(part, [&](int i, int j, double) { slots.push_back(prior.pattern->value_index(i, j)); });
        prior.part_slots.push_back(slots);
      }
      for (int i = 0; i < t.n; ++i) prior.diagonal_slot.push_back(prior.pattern->value_index(i, i));
    }
    term_priors_.push_back(std::move(prior));
  }
}

// log pi(x | theta) of the latent field given its constraints (Rue and Held, 2005, eq. 2.30, without the constant
// |C C'| that cancels against the same term of pi_G).
double LatentGaussianModel::log_prior_latent(const std::vector<double>& hyper, const Eigen::VectorXd& x) const {
  double total = 0;
  std::vector<double> c;
  for (std::size_t k = 0; k < model_.random.size(); ++k) {
    const auto& t = model_.random[k];
    const auto& prior = term_priors_[k];
    t.coefficients(&hyper[model_.random_hyper_first[k]], &c);
    const Eigen::VectorXd xj = x.segment(t.offset, t.n);

    double quadratic = t.diagonal * xj.squaredNorm();
    if (has_tied_form(t)) {
      quadratic += tied_quadratic_form(k, hyper, x);
    } else {
      for (std::size_t p = 0; p < t.parts.size(); ++p) quadratic += c[p] * xj.dot(t.parts[p] * xj);
    }

    const int kc = static_cast<int>(t.constraints.rows());
    double log_det = 0, log_det_constraint = 0;
    if (prior.scaled) {
      log_det = t.n * std::log(c[0]) + prior.log_det_structure;
      log_det_constraint = kc > 0 ? prior.log_det_constraint - kc * std::log(c[0]) : 0.0;
    } else {
      SparseMatrix lower = prior.pattern->empty_lower();
      double* values = lower.valuePtr();
      for (std::size_t p = 0; p < t.parts.size(); ++p) {
        int e = 0;
        for_each_lower(t.parts[p], [&](int, int, double v) { values[prior.part_slots[p][e++]] += c[p] * v; });
      }
      for (int i = 0; i < t.n; ++i) values[prior.diagonal_slot[i]] += t.diagonal;
      CholeskyFactor factor(*prior.pattern);
      if (!factor.factorize(lower)) {
        throw NumericalError("the prior precision of term '" + t.name + "' is not positive definite at " +
                             describe_theta(hyper));
      }
      log_det = factor.log_determinant();
      if (kc > 0) log_det_constraint = log_det_spd(t.constraints * factor.solve(Eigen::MatrixXd(t.constraints.transpose())));
    }
    total += -0.5 * (t.n - kc) * kLogTwoPi + 0.5 * log_det - 0.5 * quadratic + 0.5 * log_det_constraint -
             0.5 * t.log_pseudo_determinant;
  }

  for (const auto& f : model_.fixed) {
    if (f.precision <= 0) continue;  // a flat prior contributes a constant 1
    const double d = x[f.offset] - f.mean;
    total += 0.5 * (std::log(f.precision) - kLogTwoPi) - 0.5 * f.precision * d * d;
  }
  return total;
}

void LatentGaussianModel::assemble_prior(const std::vector<double>& hyper, double* values) const {
  std::vector<double> c;
  for (std::size_t k = 0; k < model_.random.size(); ++k) {
    const auto& t = model_.random[k];
    t.coefficients(&hyper[model_.random_hyper_first[k]], &c);
    for (std::size_t p = 0; p < t.parts.size(); ++p) {
      int e = 0;
      for_each_lower(t.parts[p], [&](int, int, double v) { values[part_slots_[k][p][e++]] += c[p] * v; });
    }
    for (int i = 0; i < t.n; ++i) values[diagonal_slot_[t.offset + i]] += t.diagonal;
    if (t.copy_source >= 0) add_copy_tie(k, hyper[model_.random_hyper_first[k]], values);
  }
  for (const auto& f : model_.fixed) values[diagonal_slot_[f.offset]] += f.precision;
}

// The quadratic forms of copy and z from their residuals: expanding k |copy - beta source|^2 or k |v - Z z|^2 into
// parts would cancel terms of size k |x|^2 (k = 1e8) down to O(1) and leave rounding noise in log pi(theta | y).
double LatentGaussianModel::tied_quadratic_form(std::size_t k, const std::vector<double>& hyper,
                                                const Eigen::VectorXd& x) const {
  const auto& t = model_.random[k];
  const Eigen::VectorXd xj = x.segment(t.offset, t.n);
  if (t.copy_source >= 0) {
    // The copy given its source is N(beta * source, I / k): its determinant k^n does not depend on beta.
    const double beta = hyper[model_.random_hyper_first[k]];
    const Eigen::VectorXd source = x.segment(model_.random[t.copy_source].offset, t.n);
    return t.tie_precision * (xj - beta * source).squaredNorm();
  }

  // z, with any replicates: each copy of the (v, z) block has its own residual v - Z z.
  const int rows = static_cast<int>(t.z_matrix.rows()), columns = static_cast<int>(t.z_matrix.cols());
  const int block = rows + columns;
  const double tau = std::exp(hyper[model_.random_hyper_first[k]]);
  double total = 0;
  for (int start = 0; start + block <= t.n; start += block) {
    const Eigen::VectorXd z = xj.segment(start + rows, columns);
    total += t.tie_precision * (xj.segment(start, rows) - t.z_matrix * z).squaredNorm() + tau * z.squaredNorm();
  }
  return total;
}

// k |copy - beta source|^2 adds -k beta between each copy level and its source level and k beta^2 on the source's
// diagonal; the copy's own k I is its part.
void LatentGaussianModel::add_copy_tie(std::size_t k, double beta, double* values) const {
  const auto& t = model_.random[k];
  const int source = model_.random[t.copy_source].offset;
  for (int i = 0; i < t.n; ++i) {
    values[copy_slots_[k][i]] -= t.tie_precision * beta;
    values[diagonal_slot_[source + i]] += t.tie_precision * beta * beta;
  }
}

namespace {

// Per-observation log-likelihood terms at eta, computed over fixed chunks so the sums do not depend on threads.
struct ObservationTerms {
  Eigen::VectorXd d0, d1, d2, d3;
};

ObservationTerms evaluate_likelihood(const Model& m, const Eigen::VectorXd& eta, const double* theta_family) {
  const int n = m.n_obs;
  ObservationTerms terms{Eigen::VectorXd::Zero(n), Eigen::VectorXd::Zero(n), Eigen::VectorXd::Zero(n),
                         Eigen::VectorXd::Zero(n)};
  const LogLikTerms out{terms.d0.data(), terms.d1.data(), terms.d2.data(), terms.d3.data()};
  run_inner(n, [&](int begin, int end) { m.likelihood->evaluate(m.data, eta.data(), begin, end, theta_family, out); });
  return terms;
}

double sum_in_order(const Eigen::VectorXd& v) {
  double s = 0;
  for (Eigen::Index i = 0; i < v.size(); ++i) s += v[i];
  return s;
}

}  // namespace

ConditionalLatent LatentGaussianModel::evaluate(const std::vector<double>& theta, const Eigen::VectorXd& start,
                                                Detail detail, int sample_count, std::uint64_t seed) const {
  const Model& m = model_;
  const int size = m.latent_size;
  const std::vector<double> hyper = m.full_hyperparameters(theta);
  const double* theta_family = hyper.data();
  const Eigen::Map<const Eigen::VectorXd> offset(m.offset.data(), m.n_obs);
  const int kc = static_cast<int>(constraints_.rows());

  // The prior part of Q~ = Q + A'WA does not change during Newton's method.
  SparseMatrix prior_lower = pattern_->empty_lower();
  assemble_prior(hyper, prior_lower.valuePtr());

  auto objective = [&](const Eigen::VectorXd& x, const ObservationTerms& terms) {
    return log_prior_latent(hyper, x) + sum_in_order(terms.d0);
  };

  // Zero satisfies the sum-to-zero constraints, and so does a mode of another theta passed as `start`.
  Eigen::VectorXd x = start.size() == size ? start : Eigen::VectorXd::Zero(size);
  Eigen::VectorXd eta = linear_predictor(x, offset);
  ObservationTerms terms = evaluate_likelihood(m, eta, theta_family);
  double f = objective(x, terms);

  CholeskyFactor factor(*pattern_);
  Eigen::MatrixXd v, s_inverse;  // V = Q~^-1 C', (C V)^-1
  const bool gaussian = m.likelihood->is_gaussian();
  const int max_iterations = 100;
  int iteration = 0;
  const std::string not_positive_definite =
      "Q + A'WA is not positive definite at " + describe_theta(theta) +
      "; check that every fixed effect is identifiable and that intrinsic terms keep their constraint";
  // Q~ = Q + A' W A with W = -d2 at the current eta, or |d2| when `absolute`.
  auto factorize_at = [&](const ObservationTerms& at, bool absolute) {
    SparseMatrix lower = prior_lower;
    double* values = lower.valuePtr();
    run_inner(static_cast<int>(slot_begin_.size()) - 1, [&](int begin, int end) {
      for (int slot = begin; slot < end; ++slot)
        for (int e = slot_begin_[slot]; e < slot_begin_[slot + 1]; ++e) {
          const double d2 = at.d2[slot_observation_[e]];
          values[slot] += (absolute ? std::abs(d2) : -d2) * slot_weight_[e];
        }
    });
    return factor.factorize(lower);
  };
  bool absolute = false;
  for (; iteration < max_iterations; ++iteration) {
    // Far from the mode a likelihood that is not log-concave (t) can make W negative. |W| keeps the Newton matrix
    // positive definite, so the step still points uphill, and the step halving below keeps it safe.
    absolute = !factorize_at(terms, false);
    if (absolute && !factorize_at(terms, true)) throw NumericalError(not_positive_definite);

    // Newton step: (Q + A'WA) x_new = Q mu + A'(g + W (eta - offset)), then condition on C x = 0.
    Eigen::VectorXd w_eta(m.n_obs);
    for (int o = 0; o < m.n_obs; ++o) {
      const double d2 = absolute ? -std::abs(terms.d2[o]) : terms.d2[o];
      w_eta[o] = terms.d1[o] - d2 * (eta[o] - offset[o]);
    }
    Eigen::VectorXd rhs = transpose_times(w_eta);
    {
      // Q mu: only fixed effects have a non-zero prior mean, and their Q is diagonal.
      for (const auto& fe : m.fixed) rhs[fe.offset] += fe.precision * fe.mean;
    }
    Eigen::VectorXd x_new = factor.solve(rhs);
    if (kc > 0) {
      v = factor.solve(Eigen::MatrixXd(constraints_.transpose()));
      s_inverse = (constraints_ * v).inverse();
      x_new -= v * (s_inverse * (constraints_ * x_new));
    }

    // Step halving keeps the objective from decreasing far from the mode.
    Eigen::VectorXd step = x_new - x;
    double scale = 1.0;
    Eigen::VectorXd x_try, eta_try;
    ObservationTerms terms_try;
    double f_try = 0;
    for (int halving = 0; halving < 30; ++halving) {
      x_try = x + scale * step;
      eta_try = linear_predictor(x_try, offset);
      terms_try = evaluate_likelihood(m, eta_try, theta_family);
      f_try = objective(x_try, terms_try);
      if (gaussian || f_try >= f - 1e-10 * std::abs(f)) break;
      scale *= 0.5;
    }
    const double change = (scale * step).cwiseAbs().maxCoeff();
    const double gain = f_try - f;
    x = x_try;
    eta = eta_try;
    terms = terms_try;
    f = f_try;
    if (gaussian || change < 1e-9 * (1.0 + x.cwiseAbs().maxCoeff())) break;

    // A step that no longer raises the objective ends the search too. A stiff tie (copy, z) limits the accuracy
    // of the solve, so the change in x can stall above its tolerance, while the step before this one already left
    // an error far below a posterior sd.
    if (iteration > 0 && gain < 1e-11 * (1.0 + std::abs(f))) break;
  }
  if (iteration == max_iterations) {
    throw NumericalError("Newton's method for the mode of the latent field did not converge at " + describe_theta(theta));
  }
  if (absolute) {
    // The Gaussian approximation needs the true curvature at the mode.
    if (!factorize_at(terms, false)) throw NumericalError(not_positive_definite);
    if (kc > 0) {
      v = factor.solve(Eigen::MatrixXd(constraints_.transpose()));
      s_inverse = (constraints_ * v).inverse();
    }
  }

  ConditionalLatent result;
  result.theta = theta;
  result.mode = x;
  result.newton_iterations = iteration + 1;

  // log pi~(theta | y) = log pi(theta) + log pi(x* | theta) + log pi(y | x*) - log pi_G(x* | theta, y), where the
  // Gaussian density at its own mode is (2 pi)^-(N-k)/2 |Q~|^1/2 |C Q~^-1 C'|^1/2.
  double log_prior_theta = 0;
  for (std::size_t k = 0; k < theta.size(); ++k) {
    log_prior_theta += m.hyperparameters[m.free_index[k]].prior.log_density(theta[k]);
  }
  double log_gaussian = -0.5 * (size - kc) * kLogTwoPi + 0.5 * factor.log_determinant();
  if (kc > 0) log_gaussian -= 0.5 * std::log(s_inverse.determinant());
  result.log_posterior = log_prior_theta + log_prior_latent(hyper, x) + sum_in_order(terms.d0) - log_gaussian;
  if (!std::isfinite(result.log_posterior)) {
    throw NumericalError("log pi(theta | y) is not finite at " + describe_theta(theta));
  }
  if (sample_count > 0) {
    // x = x* + L^-T u with u ~ N(0, I) has precision Q~; the kriging correction then conditions each draw on C x = 0.
    std::mt19937_64 generator(seed);
    std::normal_distribution<double> normal;
    result.samples.resize(size, sample_count);
    for (int k = 0; k < sample_count; ++k) {
      Eigen::VectorXd u(size);
      for (int i = 0; i < size; ++i) u[i] = normal(generator);
      Eigen::VectorXd draw = x + factor.solve_transposed_factor(u);
      if (kc > 0) draw -= v * (s_inverse * (constraints_ * draw));
      result.samples.col(k) = draw;
    }
  }
  if (detail == Detail::kLogDensity) return result;

  // Marginal variances: diag(Q~^-1) from the selected inverse, less the constraint correction
  // diag(V (C V)^-1 V').
  factor.compute_selected_inverse();
  Eigen::VectorXd variance = factor.inverse_diagonal();
  Eigen::MatrixXd w_c;
  if (kc > 0) {
    w_c = v * s_inverse;
    for (int i = 0; i < size; ++i) variance[i] -= w_c.row(i).dot(v.row(i));
  }
  result.sd = variance.cwiseMax(0.0).cwiseSqrt();

  // Linear combinations: Var(w'x) = w' Q~^-1 w less the constraint correction (V'w)' (C V)^-1 (V'w).
  const int n_lincomb = static_cast<int>(m.lincombs.size());
  result.lincomb_mean = Eigen::VectorXd::Zero(n_lincomb);
  result.lincomb_sd = Eigen::VectorXd::Zero(n_lincomb);
  run_per_variable(n_lincomb, [&](int k) {
    Eigen::VectorXd w = Eigen::VectorXd::Zero(size);
    for (const auto& [index, weight] : m.lincombs[k].weights) w[index] += weight;
    double var = w.dot(factor.solve(w));
    if (kc > 0) {
      const Eigen::VectorXd vw = v.transpose() * w;
      var -= vw.dot(s_inverse * vw);
    }
    result.lincomb_mean[k] = w.dot(x);
    result.lincomb_sd[k] = std::sqrt(std::max(var, 0.0));
  });
  result.gamma1 = Eigen::VectorXd::Zero(size);
  result.gamma3 = Eigen::VectorXd::Zero(size);
  const bool skewness = m.inla.strategy != "gaussian" && !gaussian;
  // adaptive: full Laplace for the fixed effects (the last entries of x), simplified Laplace for the rest.
  const int first_fixed = size - static_cast<int>(m.fixed.size());
  result.laplace_mean = Eigen::VectorXd::Constant(size, NAN);
  result.laplace_sd = Eigen::VectorXd::Constant(size, NAN);
  result.laplace_skewness = Eigen::VectorXd::Constant(size, NAN);
  if (!skewness && !m.compute.needs_linear_predictor()) return result;

  // Var(eta_o) = a_o' Sigma a_o needs only entries of Sigma inside the pattern of L, since A'A is in Q~'s pattern.
  auto covariance = [&](int a, int b) {
    double value = factor.inverse_entry(a, b);
    if (kc > 0) value -= w_c.row(a).dot(v.row(b));
    return value;
  };
  Eigen::VectorXd eta_variance = Eigen::VectorXd::Zero(m.n_obs);
  run_inner(m.n_obs, [&](int begin, int end) {
    for (int o = begin; o < end; ++o)
      for (decltype(a_)::InnerIterator p(a_, o); p; ++p)
        for (decltype(a_)::InnerIterator q(a_, o); q; ++q)
          eta_variance[o] += p.value() * q.value() * covariance(static_cast<int>(p.col()), static_cast<int>(q.col()));
  });
  if (m.compute.needs_linear_predictor()) {
    result.eta_mean = eta;
    result.eta_sd = eta_variance.cwiseMax(0.0).cwiseSqrt();
    result.eta_gradient = terms.d1;
    result.eta_curvature = -terms.d2;
  }
  if (!skewness) return result;

  // Simplified Laplace (Rue et al., 2009, sec. 3.2.3): with c_o = Cov(eta_o, x_i) / sd_i and
  // s_o^2 = Var(eta_o) - c_o^2, gamma1_i = 1/2 sum_o s_o^2 d3_o c_o and gamma3_i = sum_o d3_o c_o^3.
  run_per_variable(size, [&](int i) {
    if (result.sd[i] == 0.0) return;  // a node fixed by its constraint has no skewness
    Eigen::VectorXd unit = Eigen::VectorXd::Zero(size);
    unit[i] = 1.0;
    Eigen::VectorXd column = factor.solve(unit);
    if (kc > 0) column -= w_c * v.row(i).transpose();
    const Eigen::VectorXd c = (a_ * column) / result.sd[i];
    double g1 = 0, g3 = 0;
    for (int o = 0; o < m.n_obs; ++o) {
      if (terms.d3[o] == 0.0) continue;
      const double conditional = std::max(eta_variance[o] - c[o] * c[o], 0.0);
      g1 += 0.5 * conditional * terms.d3[o] * c[o];
      g3 += terms.d3[o] * c[o] * c[o] * c[o];
    }
    result.gamma1[i] = g1;
    result.gamma3[i] = g3;
    const bool full_laplace = m.inla.strategy == "laplace" || (m.inla.strategy == "adaptive" && i >= first_fixed);
    if (full_laplace) {
      laplace_moments(i, hyper, x, result.sd[i], column, &result.laplace_mean[i], &result.laplace_sd[i],
                      &result.laplace_skewness[i]);
    }
  });
  return result;
}

void LatentGaussianModel::laplace_moments(int i, const std::vector<double>& hyper, const Eigen::VectorXd& mode,
                                          double sd, const Eigen::VectorXd& column, double* mean, double* new_sd,
                                          double* skewness) const {
  const Model& m = model_;
  const int size = m.latent_size;
  const int kc = static_cast<int>(constraints_.rows());
  const Eigen::Map<const Eigen::VectorXd> offset(m.offset.data(), m.n_obs);

  // The constraints of pi_GG(x_-i | x_i): x_i itself and C x = 0.
  Eigen::MatrixXd augmented(kc + 1, size);
  augmented.setZero();
  augmented(0, i) = 1.0;
  if (kc > 0) augmented.bottomRows(kc) = constraints_;

  SparseMatrix prior_lower = pattern_->empty_lower();
  assemble_prior(hyper, prior_lower.valuePtr());
  CholeskyFactor factor(*pattern_);

  // log pi_LA on z = (x_i - mode_i) / sd in -kReach..kReach.
  constexpr int kPoints = 25;  // odd, for the piecewise quadratic below
  constexpr double kReach = 6.0;
  std::vector<double> z(kPoints), log_density(kPoints);
  for (int k = 0; k < kPoints; ++k) {
    z[k] = -kReach + 2 * kReach * k / (kPoints - 1);
    const Eigen::VectorXd x = mode + column * (z[k] / sd);  // conditional mean given x_i = mode_i + sd z
    const Eigen::VectorXd eta = linear_predictor(x, offset);
    ObservationTerms terms = evaluate_likelihood(m, eta, hyper.data());

    SparseMatrix lower = prior_lower;
    double* values = lower.valuePtr();
    for (int slot = 0; slot + 1 < static_cast<int>(slot_begin_.size()); ++slot)
      for (int e = slot_begin_[slot]; e < slot_begin_[slot + 1]; ++e)
        values[slot] += std::max(-terms.d2[slot_observation_[e]], 0.0) * slot_weight_[e];
    if (!factor.factorize(lower)) {
      log_density[k] = -INFINITY;
      continue;
    }
    const Eigen::MatrixXd solved = factor.solve(Eigen::MatrixXd(augmented.transpose()));
    const double log_conditional =
        0.5 * factor.log_determinant() + 0.5 * log_det_spd(augmented * solved);
    log_density[k] = log_prior_latent(hyper, x) + sum_in_order(terms.d0) - log_conditional;
  }

  // Moments of the density on a fine grid, with the log density quadratic through each triple of points (exact
  // for a Gaussian).
  const double top = *std::max_element(log_density.begin(), log_density.end());
  double m0 = 0, m1 = 0, m2 = 0, m3 = 0;
  constexpr int kFine = 48;  // sub-steps across two intervals
  for (int k = 0; k + 2 < kPoints; k += 2) {
    const double l0 = log_density[k], l1 = log_density[k + 1], l2 = log_density[k + 2];
    if (!std::isfinite(l0) || !std::isfinite(l1) || !std::isfinite(l2)) continue;
    const double h = z[k + 1] - z[k];
    for (int j = 0; j < kFine; ++j) {
      const double t = 2 * (j + 0.5) / kFine - 1;  // -1..1 across the triple
      const double ld = l1 + 0.5 * t * (l2 - l0) + 0.5 * t * t * (l2 - 2 * l1 + l0);
      const double zz = z[k + 1] + t * h;
      const double w = std::exp(ld - top);
      m0 += w;
      m1 += w * zz;
      m2 += w * zz * zz;
      m3 += w * zz * zz * zz;
    }
  }
  const double mu = m1 / m0;
  const double variance = std::max(m2 / m0 - mu * mu, 1e-300);
  const double third = m3 / m0 - 3 * mu * variance - mu * mu * mu;
  *mean = mode[i] + sd * mu;
  *new_sd = sd * std::sqrt(variance);
  *skewness = third / std::pow(variance, 1.5);
}

}  // namespace pyinla
