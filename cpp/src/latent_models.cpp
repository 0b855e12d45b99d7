#include "latent_models.hpp"

#include <cmath>

#include "errors.hpp"

namespace pyinla {

namespace {

using Triplet = Eigen::Triplet<double>;

// D' D for a difference operator D given as rows of (column, coefficient) pairs.
SparseMatrix gram_of_rows(int n, const std::vector<std::vector<std::pair<int, double>>>& rows) {
  std::vector<Triplet> entries;
  for (const auto& row : rows)
    for (const auto& [a, va] : row)
      for (const auto& [b, vb] : row) entries.emplace_back(a, b, va * vb);
  SparseMatrix r(n, n);
  r.setFromTriplets(entries.begin(), entries.end());
  r.makeCompressed();
  return r;
}

}  // namespace

void LatentTerm::coefficients(const double* theta, std::vector<double>* c) const {
  base_coefficients(theta, c);
  if (group_model.empty()) return;

  // Coefficients of the base model times those of the group model; the group rho is the last hyperparameter.
  const double rho =
      group_model == "iid" ? 0.0 : to_user_scale(UserScale::kCorrelation, theta[hyperparameters.size() - 1]);
  const std::vector<double> g = group_coefficients(group_model, groups, rho);
  const std::vector<double> base(*c);
  c->clear();
  for (double b : base)
    for (double gl : g) c->push_back(b * gl);
}

void LatentTerm::base_coefficients(const double* theta, std::vector<double>* c) const {
  c->clear();
  const double tau = std::exp(theta[0]);
  if (model == "ar1") {
    const double rho = to_user_scale(UserScale::kCorrelation, theta[1]);
    const double s = tau / (1.0 - rho * rho);
    c->push_back(s);
    c->push_back(s * rho * rho);
    c->push_back(-s * rho);
    return;
  }
  if (model == "ar") {
    // Q = (1 / innovation variance) * sum a_i a_j parts, with the innovation variance prod(1 - pacf_k^2) / tau
    // for marginal precision tau.
    std::vector<double> pacf(ar_order);
    double shrink = 1.0;
    for (int k = 0; k < ar_order; ++k) {
      pacf[k] = to_user_scale(UserScale::kCorrelation, theta[k + 1]);
      shrink *= 1.0 - pacf[k] * pacf[k];
    }
    std::vector<double> a{1.0};
    for (double phi : pacf_to_ar(pacf)) a.push_back(-phi);
    for (int i = 0; i <= ar_order; ++i)
      for (int j = i; j <= ar_order; ++j) c->push_back(tau / shrink * a[i] * a[j]);
    return;
  }
  if (model == "copy") {
    // The block's own part; beta (theta[0]) enters through the terms that tie it to its source.
    c->push_back(tie_precision);
    return;
  }
  if (model == "z") {
    c->push_back(tie_precision);
    c->push_back(tau);
    return;
  }
  if (model == "bym") {
    // x = (u + v, u): parts [[I, -I], [-I, I]] times tau_iid and [[0, 0], [0, R]] times tau_spatial.
    c->push_back(tau);
    c->push_back(std::exp(theta[1]));
    return;
  }
  if (model == "bym2") {
    // x = (b, u), b = (sqrt(1 - phi) v + sqrt(phi) u) / sqrt(tau): parts [[I, 0], [0, 0]],
    // [[0, I], [I, 0]], [[0, 0], [0, R]] and [[0, 0], [0, I]].
    const double phi = to_user_scale(UserScale::kProbability, theta[1]);
    c->push_back(tau / (1 - phi));
    c->push_back(-std::sqrt(phi * tau) / (1 - phi));
    c->push_back(1.0);
    c->push_back(phi / (1 - phi));
    return;
  }
  c->push_back(tau);
}

std::vector<SparseMatrix> group_parts(const std::string& model, int groups) {
  if (model == "ar1") return ar1_parts(groups);
  SparseMatrix identity(groups, groups);
  identity.setIdentity();
  if (model == "iid") return {identity};
  std::vector<Triplet> ones;
  for (int i = 0; i < groups; ++i)
    for (int j = 0; j < groups; ++j) ones.emplace_back(i, j, 1.0);
  SparseMatrix all(groups, groups);
  all.setFromTriplets(ones.begin(), ones.end());
  return {identity, all};
}

std::vector<double> group_coefficients(const std::string& model, int groups, double rho) {
  if (model == "ar1") {
    // The AR(1) correlation matrix's inverse: (I + rho^2 inner - rho band) / (1 - rho^2).
    const double s = 1.0 / (1.0 - rho * rho);
    return {s, s * rho * rho, -s * rho};
  }
  if (model == "iid") return {1.0};
  // Exchangeable: the inverse of (1 - rho) I + rho 11' is I / (1 - rho) - rho 11' / ((1 - rho)(1 + (G - 1) rho)).
  return {1.0 / (1.0 - rho), -rho / ((1.0 - rho) * (1.0 + (groups - 1) * rho))};
}

std::vector<SparseMatrix> bym_parts(const SparseMatrix& structure, bool bym2) {
  const int n = static_cast<int>(structure.rows());
  std::vector<Triplet> first, cross, spatial, second;
  for (int i = 0; i < n; ++i) {
    first.emplace_back(i, i, 1.0);
    second.emplace_back(n + i, n + i, 1.0);
    cross.emplace_back(i, n + i, bym2 ? 1.0 : -1.0);
    cross.emplace_back(n + i, i, bym2 ? 1.0 : -1.0);
  }
  for (int col = 0; col < n; ++col)
    for (SparseMatrix::InnerIterator it(structure, col); it; ++it)
      spatial.emplace_back(n + static_cast<int>(it.row()), n + col, it.value());
  auto build = [&](const std::vector<Triplet>& a, const std::vector<Triplet>& b) {
    SparseMatrix m(2 * n, 2 * n);
    std::vector<Triplet> all(a);
    all.insert(all.end(), b.begin(), b.end());
    m.setFromTriplets(all.begin(), all.end());
    m.makeCompressed();
    return m;
  };
  if (!bym2) {
    std::vector<Triplet> cross_and_second(cross);
    cross_and_second.insert(cross_and_second.end(), second.begin(), second.end());
    return {build(first, cross_and_second), build(spatial, {})};
  }
  return {build(first, {}), build(cross, {}), build(spatial, {}), build(second, {})};
}

SparseMatrix random_walk_structure(int n, int order, bool cyclic) {
  // Rows of the difference operator: (x[i+1] - x[i]) for order 1, (x[i+2] - 2 x[i+1] + x[i]) for order 2;
  // the cyclic variant wraps around the end.
  const std::vector<double> stencil = order == 1 ? std::vector<double>{-1, 1} : std::vector<double>{1, -2, 1};
  const int rows = cyclic ? n : n - order;
  std::vector<std::vector<std::pair<int, double>>> d(rows);
  for (int i = 0; i < rows; ++i)
    for (int k = 0; k <= order; ++k) d[i].emplace_back((i + k) % n, stencil[k]);
  return gram_of_rows(n, d);
}

SparseMatrix irregular_rw1_structure(const std::vector<double>& locations) {
  const int n = static_cast<int>(locations.size());
  const double mean_spacing = (locations.back() - locations.front()) / (n - 1);
  std::vector<std::vector<std::pair<int, double>>> d(n - 1);
  for (int i = 0; i + 1 < n; ++i) {
    // D' diag(1 / d_i) D as the Gram matrix of rows scaled by 1 / sqrt(d_i).
    const double weight = 1.0 / std::sqrt((locations[i + 1] - locations[i]) / mean_spacing);
    d[i] = {{i, -weight}, {i + 1, weight}};
  }
  return gram_of_rows(n, d);
}

SparseMatrix irregular_rw2_structure(const std::vector<double>& locations) {
  const int n = static_cast<int>(locations.size());
  const double h = (locations.back() - locations.front()) / (n - 1);
  std::vector<std::vector<std::pair<int, double>>> d(n - 2);
  for (int i = 1; i + 1 < n; ++i) {
    // Second difference at node i in units of the mean spacing h, weighted by the local spacing
    // (d_before + d_after) / 2: equally spaced nodes give the rows (1, -2, 1).
    const double before = (locations[i] - locations[i - 1]) / h, after = (locations[i + 1] - locations[i]) / h;
    const double weight = 1.0 / std::sqrt((before + after) / 2.0);
    d[i - 1] = {{i - 1, weight / before}, {i, -weight * (1.0 / before + 1.0 / after)}, {i + 1, weight / after}};
  }
  return gram_of_rows(n, d);
}

std::vector<double> pacf_to_ar(const std::vector<double>& pacf) {
  std::vector<double> phi;
  for (std::size_t k = 0; k < pacf.size(); ++k) {
    std::vector<double> next(k + 1);
    for (std::size_t j = 0; j < k; ++j) next[j] = phi[j] - pacf[k] * phi[k - 1 - j];
    next[k] = pacf[k];
    phi = next;
  }
  return phi;
}

std::vector<SparseMatrix> ar_parts(int n, int order) {
  const int p = order;
  auto part_of = [p](int i, int j) {
    if (i > j) std::swap(i, j);
    return i * (p + 1) - i * (i - 1) / 2 + (j - i);  // position of the pair (i, j), i <= j, j fastest
  };
  std::vector<std::vector<Triplet>> entries((p + 1) * (p + 2) / 2);

  // Innovation rows t = p..n-1 (0-based): (sum_i a_i x_{t-i})^2.
  for (int t = p; t < n; ++t)
    for (int i = 0; i <= p; ++i)
      for (int j = 0; j <= p; ++j) entries[part_of(i, j)].emplace_back(t - i, t - j, 1.0);

  // The first p values: sigma^2 Gamma_p^-1 = A A' - B B', A and B lower-triangular Toeplitz with first columns
  // (a_0, ..., a_{p-1}) and (a_p, ..., a_1).
  for (int r = 0; r < p; ++r)
    for (int s = 0; s < p; ++s)
      for (int k = 0; k <= std::min(r, s); ++k) {
        entries[part_of(r - k, s - k)].emplace_back(r, s, 1.0);
        entries[part_of(p - r + k, p - s + k)].emplace_back(r, s, -1.0);
      }

  std::vector<SparseMatrix> parts;
  for (const auto& e : entries) {
    SparseMatrix m(n, n);
    m.setFromTriplets(e.begin(), e.end());
    m.prune(0.0);
    m.makeCompressed();
    parts.push_back(m);
  }
  return parts;
}

std::vector<SparseMatrix> z_parts(const SparseMatrix& z) {
  const int n = static_cast<int>(z.rows()), m = static_cast<int>(z.cols());
  const SparseMatrix gram = SparseMatrix(z.transpose()) * z;
  std::vector<Triplet> tie, prior;
  for (int i = 0; i < n; ++i) tie.emplace_back(i, i, 1.0);
  for (int col = 0; col < m; ++col) {
    prior.emplace_back(n + col, n + col, 1.0);
    for (SparseMatrix::InnerIterator it(z, col); it; ++it) {
      tie.emplace_back(static_cast<int>(it.row()), n + col, -it.value());
      tie.emplace_back(n + col, static_cast<int>(it.row()), -it.value());
    }
    for (SparseMatrix::InnerIterator it(gram, col); it; ++it) tie.emplace_back(n + static_cast<int>(it.row()), n + col, it.value());
  }
  std::vector<SparseMatrix> parts(2, SparseMatrix(n + m, n + m));
  parts[0].setFromTriplets(tie.begin(), tie.end());
  parts[1].setFromTriplets(prior.begin(), prior.end());
  return parts;
}

SparseMatrix seasonal_structure(int n, int season_length) {
  std::vector<std::vector<std::pair<int, double>>> s(n - season_length + 1);
  for (int i = 0; i + season_length <= n; ++i)
    for (int k = 0; k < season_length; ++k) s[i].emplace_back(i + k, 1.0);
  return gram_of_rows(n, s);
}

SparseMatrix besag_structure(const Graph& graph) {
  std::vector<Triplet> entries;
  for (int i = 0; i < graph.n; ++i) {
    entries.emplace_back(i, i, static_cast<double>(graph.neighbours[i].size()));
    for (int j : graph.neighbours[i]) entries.emplace_back(i, j, -1.0);
  }
  SparseMatrix r(graph.n, graph.n);
  r.setFromTriplets(entries.begin(), entries.end());
  r.makeCompressed();
  return r;
}

std::vector<SparseMatrix> ar1_parts(int n) {
  std::vector<Triplet> identity, inner, band;
  for (int i = 0; i < n; ++i) {
    identity.emplace_back(i, i, 1.0);
    if (i > 0 && i < n - 1) inner.emplace_back(i, i, 1.0);
    if (i + 1 < n) {
      band.emplace_back(i, i + 1, 1.0);
      band.emplace_back(i + 1, i, 1.0);
    }
  }
  std::vector<SparseMatrix> parts(3, SparseMatrix(n, n));
  parts[0].setFromTriplets(identity.begin(), identity.end());
  parts[1].setFromTriplets(inner.begin(), inner.end());
  parts[2].setFromTriplets(band.begin(), band.end());
  return parts;
}

std::vector<double> generalised_inverse_eigenvalues(const SparseMatrix& structure) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen{Eigen::MatrixXd(structure)};
  const double tolerance = 1e-9 * eigen.eigenvalues().cwiseAbs().maxCoeff();
  std::vector<double> values;
  for (Eigen::Index i = 0; i < eigen.eigenvalues().size(); ++i)
    if (eigen.eigenvalues()[i] > tolerance) values.push_back(1.0 / eigen.eigenvalues()[i]);
  return values;
}

std::vector<int> connected_components(const Graph& graph) {
  std::vector<int> component(graph.n, -1);
  int count = 0;
  for (int start = 0; start < graph.n; ++start) {
    if (component[start] >= 0) continue;
    std::vector<int> stack{start};
    component[start] = count;
    while (!stack.empty()) {
      const int node = stack.back();
      stack.pop_back();
      for (int next : graph.neighbours[node]) {
        if (component[next] < 0) {
          component[next] = count;
          stack.push_back(next);
        }
      }
    }
    ++count;
  }
  return component;
}

namespace {

// R + eps I with eps small against the diagonal, factorized; its inverse conditioned on N x = 0 tends to the
// generalised inverse of R as eps -> 0 when the rows of N span the null space of R.
struct RegularisedStructure {
  explicit RegularisedStructure(const SparseMatrix& structure)
      : n(static_cast<int>(structure.rows())),
        eps(1e-9 * std::max(1.0, structure.diagonal().cwiseAbs().maxCoeff())),
        matrix(regularise(structure, eps)),
        pattern(matrix),
        factor(pattern) {
    SparseMatrix lower = pattern.empty_lower();
    for (int col = 0; col < n; ++col)
      for (SparseMatrix::InnerIterator it(matrix, col); it; ++it)
        if (it.row() >= col) lower.valuePtr()[pattern.value_index(static_cast<int>(it.row()), col)] = it.value();
    if (!factor.factorize(lower)) throw NumericalError("a structure matrix is not positive semidefinite");
  }

  static SparseMatrix regularise(const SparseMatrix& structure, double eps) {
    SparseMatrix m = structure;
    for (int i = 0; i < m.rows(); ++i) m.coeffRef(i, i) += eps;
    return m;
  }

  int n;
  double eps;
  SparseMatrix matrix;
  SymmetricPattern pattern;
  CholeskyFactor factor;
};

double log_det_dense(const Eigen::MatrixXd& m) {
  return 2.0 * Eigen::LLT<Eigen::MatrixXd>(m).matrixLLT().diagonal().array().log().sum();
}

}  // namespace

double log_pseudo_determinant(const SparseMatrix& structure, const Eigen::MatrixXd& null_basis) {
  // log|R + eps I| = log|R|* + k log eps and log|N (R + eps I)^-1 N'| = -k log eps + log|N N'| as eps -> 0.
  RegularisedStructure r(structure);
  const Eigen::MatrixXd v = r.factor.solve(Eigen::MatrixXd(null_basis.transpose()));
  return r.factor.log_determinant() + log_det_dense(null_basis * v) - log_det_dense(null_basis * null_basis.transpose());
}

double structure_scale(const SparseMatrix& structure, const Eigen::MatrixXd& constraints) {
  RegularisedStructure r(structure);
  const int n = r.n;
  r.factor.compute_selected_inverse();
  Eigen::VectorXd variance = r.factor.inverse_diagonal();

  if (constraints.rows() > 0) {
    const Eigen::MatrixXd v = r.factor.solve(Eigen::MatrixXd(constraints.transpose()));
    const Eigen::MatrixXd s = constraints * v;
    const Eigen::MatrixXd w = v * s.inverse();
    for (int i = 0; i < n; ++i) variance[i] -= w.row(i).dot(v.row(i));
  }

  double mean_log = 0;
  for (int i = 0; i < n; ++i) mean_log += std::log(variance[i]);
  return std::exp(mean_log / n);
}

}  // namespace pyinla
