#include "model.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include "errors.hpp"
#include "ini_reader.hpp"
#include "threads.hpp"

namespace pyinla {

namespace {

std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

std::string resolve(const std::string& folder, const std::string& relative) {
  return (!relative.empty() && relative[0] == '/') ? relative : folder + relative;
}

// The file named by `key` of `section`, resolved against the model file's folder; an empty name is an error.
std::string file_key(const IniSection& section, const std::string& key, const std::string& folder) {
  const std::string name = section.get_string(key);
  if (name.empty()) section.fail(key, "the file name is empty");
  return resolve(folder, name);
}

// Optional per-observation vector: the file named by `key`, or `fallback` repeated.
std::vector<double> read_optional_vector(const IniSection& section, const std::string& key, const std::string& folder,
                                         int n, double fallback) {
  if (!section.has(key)) return std::vector<double>(n, fallback);
  return read_vector(file_key(section, key, folder), n, false);
}

void check_responses(const Model& m, const std::string& response_file) {
  const std::string& family = m.family_name;
  const bool counts = family == "poisson" || family == "nbinomial" || family == "zeroinflatedpoisson1";
  const bool trials = family == "binomial" || family == "zeroinflatedbinomial1";
  const bool positive = family == "gamma" || family == "lognormal" || family == "exponential" || family == "weibull";
  for (int i = 0; i < m.n_obs; ++i) {
    const double y = m.data.y[i];
    if (std::isnan(y)) continue;
    const std::string where = response_file + ": observation " + std::to_string(i + 1) + ": ";
    if (counts) {
      if (y < 0 || y != std::floor(y)) throw DataFileError(where + "a " + family + " response must be a count >= 0");
      if (!(m.data.E[i] > 0)) throw DataFileError(where + "E must be positive");
    }
    if (trials) {
      const double n = m.data.Ntrials[i];
      if (!(n > 0) || n != std::floor(n)) throw DataFileError(where + "Ntrials must be a positive integer");
      if (y < 0 || y > n || y != std::floor(y)) {
        throw DataFileError(where + "a " + family + " response must be an integer in 0..Ntrials");
      }
    }
    if (positive && !(y > 0)) throw DataFileError(where + "a " + family + " response must be positive");
    if (family == "beta" && !(y > 0 && y < 1)) throw DataFileError(where + "a beta response must be in (0, 1)");
    if (family == "gaussian" && !(m.data.scale[i] > 0)) throw DataFileError(where + "scale must be positive");
    if (m.likelihood->is_survival() && m.data.event[i] != 0 && m.data.event[i] != 1) {
      throw DataFileError(where + "the event indicator must be 0 (censored) or 1 (event)");
    }
  }
}

void read_data_and_family(const IniFile& ini, const std::string& folder, Model* m) {
  const IniSection& data = ini.section("data");
  m->n_obs = static_cast<int>(data.get_int("n"));
  if (m->n_obs <= 0) data.fail("n", "the number of observations must be positive");
  const std::string response_file = file_key(data, "response", folder);
  m->data.y = read_vector(response_file, m->n_obs, true);
  m->data.E = read_optional_vector(data, "E", folder, m->n_obs, 1.0);
  m->data.Ntrials = read_optional_vector(data, "Ntrials", folder, m->n_obs, 1.0);
  m->data.scale = read_optional_vector(data, "scale", folder, m->n_obs, 1.0);
  m->offset = read_optional_vector(data, "offset", folder, m->n_obs, 0.0);

  const IniSection& family = ini.section("family");
  m->family_name = family.get_string("name");
  m->likelihood = make_likelihood(m->family_name);
  if (!m->likelihood) {
    family.fail("name", "unknown family '" + m->family_name + "' (known: gaussian, poisson, binomial, nbinomial, "
                        "gamma, beta, t, lognormal, zeroinflatedpoisson1, zeroinflatedbinomial1, exponential, weibull)");
  }
  if (m->likelihood->is_survival()) {
    m->data.event = data.has("event") ? read_vector(file_key(data, "event", folder), m->n_obs, false)
                                      : std::vector<double>(m->n_obs, 1.0);
  }
  data.reject_unread_keys();
  for (const FamilyHyperparameter& f : m->likelihood->hyperparameters()) {
    Hyperparameter h = read_hyperparameter(family, f.short_name, f.prior, f.param, f.initial);
    h.user_name = f.user_name;
    h.internal_name = f.internal_name;
    h.scale = static_cast<UserScale>(f.user_scale);
    m->hyperparameters.push_back(h);
  }
  family.reject_unread_keys();
  check_responses(*m, response_file);
  m->likelihood->prepare(m->data);
}

void read_fixed_effects(const IniFile& ini, const std::string& folder, Model* m) {
  for (int k = 0; ini.has("fixed." + std::to_string(k)); ++k) {
    const IniSection& s = ini.section("fixed." + std::to_string(k));
    FixedEffect f;
    f.name = s.get_string("name");
    const std::string values = s.get_string("values", "ones");
    if (values != "ones") f.values = read_vector(resolve(folder, values), m->n_obs, false);
    f.mean = s.get_double("mean", 0.0);
    f.precision = s.get_double("prec", 0.001);
    if (!(f.precision >= 0)) s.fail("prec", "the prior precision must be >= 0");
    s.reject_unread_keys();
    m->fixed.push_back(f);
  }
}

// Sum-to-zero rows for the nodes of each component (one row for all nodes when `component` is empty).
Eigen::MatrixXd sum_to_zero(int n, const std::vector<int>& component) {
  int count = 1;
  for (int c : component) count = std::max(count, c + 1);
  Eigen::MatrixXd c = Eigen::MatrixXd::Zero(count, n);
  for (int i = 0; i < n; ++i) c(component.empty() ? 0 : component[i], i) = 1.0;
  return c;
}

// Basis of the null space of the structure matrix, used by scale_model. `locations` are rw2's level positions
// (empty for equally spaced levels).
Eigen::MatrixXd null_space(const LatentTerm& t, const std::vector<int>& component, bool cyclic, int season_length,
                           const std::vector<double>& locations) {
  // bym and bym2 hold the besag structure in their spatial half, so their log|R|* is left out like besag's.
  if (t.model == "besag" || t.model == "bym" || t.model == "bym2") return sum_to_zero(t.n, component);
  if (t.model == "rw1" || (t.model == "rw2" && cyclic)) return sum_to_zero(t.n, {});
  if (t.model == "rw2") {
    Eigen::MatrixXd c(2, t.n);
    const double centre = locations.empty() ? (t.n - 1) / 2.0 : (locations.front() + locations.back()) / 2.0;
    for (int i = 0; i < t.n; ++i) {
      c(0, i) = 1.0;
      c(1, i) = (locations.empty() ? i : locations[i]) - centre;
    }
    return c;
  }
  if (t.model == "seasonal") {
    // Period-m patterns that sum to zero over a period lie in the null space of S'S.
    Eigen::MatrixXd c = Eigen::MatrixXd::Zero(season_length - 1, t.n);
    for (int k = 1; k < season_length; ++k)
      for (int i = 0; i < t.n; ++i) c(k - 1, i) = (i % season_length == k) ? 1.0 : (i % season_length == 0 ? -1.0 : 0.0);
    return c;
  }
  return Eigen::MatrixXd(0, t.n);
}

// Block-diagonal copies of a sparse matrix, one per replicate.
SparseMatrix block_diagonal(const SparseMatrix& m, int copies) {
  std::vector<Eigen::Triplet<double>> entries;
  for (int r = 0; r < copies; ++r)
    for (int col = 0; col < m.outerSize(); ++col)
      for (SparseMatrix::InnerIterator it(m, col); it; ++it)
        entries.emplace_back(r * m.rows() + it.row(), r * m.cols() + col, it.value());
  SparseMatrix out(m.rows() * copies, m.cols() * copies);
  out.setFromTriplets(entries.begin(), entries.end());
  out.makeCompressed();
  return out;
}

// Kronecker product kron(a, b) of two sparse matrices.
SparseMatrix kronecker(const SparseMatrix& a, const SparseMatrix& b) {
  std::vector<Eigen::Triplet<double>> entries;
  for (int ca = 0; ca < a.outerSize(); ++ca)
    for (SparseMatrix::InnerIterator ia(a, ca); ia; ++ia)
      for (int cb = 0; cb < b.outerSize(); ++cb)
        for (SparseMatrix::InnerIterator ib(b, cb); ib; ++ib)
          entries.emplace_back(ia.row() * b.rows() + ib.row(), ca * b.cols() + cb, ia.value() * ib.value());
  SparseMatrix out(a.rows() * b.rows(), a.cols() * b.cols());
  out.setFromTriplets(entries.begin(), entries.end());
  out.makeCompressed();
  return out;
}

// G groups of the term correlated by a group model (R-INLA's group= with control.group): the precision is
// kron(group precision, term precision), each observation uses the copy of its group, each copy keeps its own
// constraints, and an ar1 or exchangeable group model adds the hyperparameter rho.
void group_term(const IniSection& s, const std::string& folder, int n_obs, LatentTerm* t) {
  const long groups = s.get_int("groups");
  if (groups < 2 || groups > 100000) s.fail("groups", "must be at least 2");
  t->groups = static_cast<int>(groups);
  t->group_model = s.get_string("group_model", "exchangeable");
  if (t->group_model != "ar1" && t->group_model != "exchangeable" && t->group_model != "iid") {
    s.fail("group_model", "must be ar1, exchangeable or iid");
  }
  const std::vector<int> group = read_index(file_key(s, "group", folder), n_obs, t->groups);
  const int block = t->n;
  for (int o = 0; o < n_obs; ++o)
    if (t->index[o] != kNoLevel) t->index[o] += group[o] * block;

  const std::vector<SparseMatrix> g = group_parts(t->group_model, t->groups);
  std::vector<SparseMatrix> parts;
  t->base_part_count = static_cast<int>(t->parts.size());
  for (const auto& part : t->parts)
    for (const auto& gl : g) parts.push_back(kronecker(gl, part));
  t->parts = parts;

  Eigen::MatrixXd constraints = Eigen::MatrixXd::Zero(t->constraints.rows() * t->groups, block * t->groups);
  for (int r = 0; r < t->groups; ++r)
    constraints.block(r * t->constraints.rows(), r * block, t->constraints.rows(), block) = t->constraints;
  t->constraints = constraints;
  const std::vector<std::string> labels = t->labels;
  for (int r = 1; r < t->groups; ++r) t->labels.insert(t->labels.end(), labels.begin(), labels.end());
  t->log_pseudo_determinant *= t->groups;
  t->n = block * t->groups;

  if (t->group_model != "iid") {
    Hyperparameter rho = read_hyperparameter(s, "group_rho", "normal", {0.0, 0.15}, 2.0);
    rho.user_name = "GroupRho for " + t->name;
    rho.internal_name = "Group rho_intern for " + t->name;
    rho.scale = UserScale::kCorrelation;
    t->hyperparameters.push_back(rho);
  }
}

// R independent replicates of the term with shared hyperparameters (R-INLA's replicate=): the block becomes R
// copies, each observation uses the copy its replicate index names, and each copy keeps its own constraints.
void replicate_term(const IniSection& s, const std::string& folder, int n_obs, LatentTerm* t) {
  const long replicates = s.get_int("replicates");
  if (replicates < 1 || replicates > 1000000) s.fail("replicates", "must be a positive number of replicates");
  const int copies = static_cast<int>(replicates);
  const std::vector<int> replicate = read_index(file_key(s, "replicate", folder), n_obs, copies);
  const int block = t->n;
  for (int o = 0; o < n_obs; ++o)
    if (t->index[o] != kNoLevel) t->index[o] += replicate[o] * block;
  for (auto& part : t->parts) part = block_diagonal(part, copies);
  Eigen::MatrixXd constraints = Eigen::MatrixXd::Zero(t->constraints.rows() * copies, block * copies);
  for (int r = 0; r < copies; ++r)
    constraints.block(r * t->constraints.rows(), r * block, t->constraints.rows(), block) = t->constraints;
  t->constraints = constraints;
  const std::vector<std::string> labels = t->labels;
  for (int r = 1; r < copies; ++r) t->labels.insert(t->labels.end(), labels.begin(), labels.end());
  t->log_pseudo_determinant *= copies;
  t->n = block * copies;
}

// The precision of the tie that copy and z add (R-INLA's f(..., precision=)): large enough that the tied values
// follow their definition closely, small enough to keep the Cholesky factor accurate.
double read_tie_precision(const IniSection& s) {
  const double precision = s.get_double("precision", 1e8);
  if (!(precision > 0)) s.fail("precision", "must be positive");
  return precision;
}

// z: the block is (v, z) with v = Z z, n + m long; observations use v, one row of Z each.
void read_z_term(const IniSection& s, const std::string& folder, LatentTerm* t) {
  const long columns = s.get_int("zcols");
  if (columns < 1 || columns > 1000000) s.fail("zcols", "the number of columns of Z must be positive");
  const SparseMatrix z = read_triplets(file_key(s, "zmatrix", folder), t->n, static_cast<int>(columns));
  t->parts = z_parts(z);
  t->z_matrix = z;
  t->tie_precision = read_tie_precision(s);
  t->n += static_cast<int>(columns);
  for (int i = static_cast<int>(t->labels.size()); i < t->n; ++i) t->labels.push_back(std::to_string(i + 1));
}

// copy's beta: by default fixed at 1 (the copy equals its source); when estimated it starts at 0.1, as in R-INLA.
Hyperparameter read_copy_beta(const IniSection& s, const std::string& name) {
  const bool fixed = s.get_bool("hyper.beta.fixed", true);
  Hyperparameter beta = read_hyperparameter(s, "beta", "normal", {1.0, 10.0}, fixed ? 1.0 : 0.1);
  beta.fixed = fixed;
  beta.user_name = "Beta for " + name;
  beta.internal_name = "Beta_intern for " + name;
  beta.scale = UserScale::kIdentity;
  return beta;
}

LatentTerm read_random_term(const IniSection& s, const std::string& folder, int n_obs) {
  LatentTerm t;
  t.name = s.get_string("name");
  t.model = s.get_string("model");
  t.n = static_cast<int>(s.get_int("n"));
  if (t.n <= 0) s.fail("n", "the number of levels must be positive");
  t.index = read_index(file_key(s, "index", folder), n_obs, t.n, true);
  if (s.has("weights")) t.weights = read_vector(file_key(s, "weights", folder), n_obs, false);
  if (s.has("labels")) {
    t.labels = read_labels(file_key(s, "labels", folder), t.n);
  } else {
    for (int i = 0; i < t.n; ++i) t.labels.push_back(std::to_string(i + 1));
  }

  const bool spatial_pair = t.model == "bym" || t.model == "bym2";
  const bool intrinsic = t.model == "rw1" || t.model == "rw2" || t.model == "besag" || t.model == "seasonal" ||
                         spatial_pair;
  const bool constr = s.get_bool("constr", intrinsic);
  const bool cyclic = s.get_bool("cyclic", false);
  // bym2 is defined on the scaled structure, so its scale_model is always on.
  const bool scale_model = s.get_bool("scale_model", t.model == "bym2");
  int season_length = 0;
  std::vector<int> component;
  std::vector<double> locations;
  SparseMatrix structure;
  // Models that build their own parts instead of one structure matrix.
  const bool own_parts = t.model == "ar1" || t.model == "ar" || t.model == "copy" || t.model == "z";

  if (t.model == "iid") {
    structure.resize(t.n, t.n);
    structure.setIdentity();
  } else if (t.model == "rw1" || t.model == "rw2") {
    const int order = t.model == "rw1" ? 1 : 2;
    if (t.n < order + 2) s.fail("n", t.model + " needs at least " + std::to_string(order + 2) + " levels");
    structure = random_walk_structure(t.n, order, cyclic);
    if (s.has("locations")) {
      if (cyclic) s.fail("locations", "irregular locations are supported for non-cyclic random walks only");
      locations = read_vector(file_key(s, "locations", folder), t.n, false);
      for (int i = 0; i + 1 < t.n; ++i)
        if (!(locations[i + 1] > locations[i])) s.fail("locations", "the locations must be strictly increasing");
      structure = order == 1 ? irregular_rw1_structure(locations) : irregular_rw2_structure(locations);
    }
  } else if (t.model == "seasonal") {
    season_length = static_cast<int>(s.get_int("season_length"));
    if (season_length < 2 || season_length > t.n) s.fail("season_length", "must be in 2..n");
    structure = seasonal_structure(t.n, season_length);
  } else if (t.model == "besag" || spatial_pair) {
    const std::string graph_file = file_key(s, "graph", folder);
    const Graph graph = read_graph(graph_file);
    if (graph.n != t.n) {
      s.fail("graph", "the graph has " + std::to_string(graph.n) + " nodes but n = " + std::to_string(t.n));
    }
    component = connected_components(graph);
    structure = besag_structure(graph);
  } else if (t.model == "generic0") {
    structure = read_symmetric_triplets(file_key(s, "cmatrix", folder), t.n);
  } else if (t.model == "ar1") {
    t.parts = ar1_parts(t.n);
  } else if (t.model == "ar") {
    const long order = s.get_int("order");
    if (order < 1 || order > 10) s.fail("order", "the order of an ar model must be in 1..10");
    t.ar_order = static_cast<int>(order);
    if (t.n <= t.ar_order) s.fail("n", "an ar model of order p needs more than p levels");
    t.parts = ar_parts(t.n, t.ar_order);
  } else if (t.model == "copy") {
    SparseMatrix identity(t.n, t.n);
    identity.setIdentity();
    t.parts = {identity};
    t.tie_precision = read_tie_precision(s);
    if (s.get_string("copy").empty()) s.fail("copy", "must name the term to copy");
  } else if (t.model == "z") {
    read_z_term(s, folder, &t);
  } else {
    s.fail("model", "unknown latent model '" + t.model +
                        "' (known: iid, rw1, rw2, ar1, ar, besag, bym, bym2, generic0, seasonal, copy, z)");
  }
  if ((t.model != "rw1" && t.model != "rw2") && s.has("cyclic")) s.fail("cyclic", "only rw1 and rw2 can be cyclic");

  const bool graph_model = t.model == "besag" || spatial_pair;
  if (constr) t.constraints = sum_to_zero(t.n, graph_model ? component : std::vector<int>{});
  else t.constraints = Eigen::MatrixXd(0, t.n);

  std::vector<double> mixing_eigenvalues;
  if (!own_parts) {
    const Eigen::MatrixXd null = null_space(t, component, cyclic, season_length, locations);
    if (scale_model) structure *= structure_scale(structure, null.rows() > 0 ? null : t.constraints);
    if (null.rows() > 0) t.log_pseudo_determinant = log_pseudo_determinant(structure, null);
    t.parts = {structure};
    if (t.model == "bym2") mixing_eigenvalues = generalised_inverse_eigenvalues(structure);
  } else if (scale_model) {
    s.fail("scale_model", t.model + " has no structure matrix to scale");
  }
  t.diagonal = s.get_double("diagonal", constr ? 1e-4 : 0.0);
  if (!(t.diagonal >= 0)) s.fail("diagonal", "must be >= 0");

  if (spatial_pair) {
    // The latent block is (first half, spatial half), 2n long; observations use the first half, and the
    // sum-to-zero constraints act on the spatial half.
    const int n = t.n;
    t.parts = bym_parts(t.parts[0], t.model == "bym2");
    t.n = 2 * n;
    // As in R-INLA, the 2n entries are numbered 1..2n: the first half u + v (or b), then the spatial u.
    t.labels.clear();
    for (int i = 0; i < t.n; ++i) t.labels.push_back(std::to_string(i + 1));
    Eigen::MatrixXd constraints = Eigen::MatrixXd::Zero(t.constraints.rows(), t.n);
    constraints.rightCols(n) = t.constraints;
    t.constraints = constraints;
  }

  if (t.model == "bym") {
    Hyperparameter iid = read_hyperparameter(s, "prec.unstruct", "loggamma", {1.0, 5e-4}, 4.0);
    iid.user_name = "Precision for " + t.name + " (iid component)";
    iid.internal_name = "Log precision for " + t.name + " (iid component)";
    Hyperparameter spatial = read_hyperparameter(s, "prec.spatial", "loggamma", {1.0, 5e-4}, 4.0);
    spatial.user_name = "Precision for " + t.name + " (spatial component)";
    spatial.internal_name = "Log precision for " + t.name + " (spatial component)";
    t.hyperparameters = {iid, spatial};
  } else if (t.model == "bym2") {
    Hyperparameter prec = read_hyperparameter(s, "prec", "pc.prec", {1.0, 0.01}, 4.0);
    prec.user_name = "Precision for " + t.name;
    prec.internal_name = "Log precision for " + t.name;
    Hyperparameter phi = read_hyperparameter(s, "phi", "pc", {0.5, 0.5}, -3.0);
    phi.user_name = "Phi for " + t.name;
    phi.internal_name = "Logit phi for " + t.name;
    phi.scale = UserScale::kProbability;
    phi.prior.eigenvalues = mixing_eigenvalues;
    t.hyperparameters = {prec, phi};
  } else if (t.model == "copy") {
    t.hyperparameters = {read_copy_beta(s, t.name)};
  } else {
    // R-INLA's ar puts a PC prior on its marginal precision; the other models a loggamma prior.
    Hyperparameter prec = t.model == "ar" ? read_hyperparameter(s, "prec", "pc.prec", {3.0, 0.01}, 4.0)
                                          : read_hyperparameter(s, "prec", "loggamma", {1.0, 5e-5}, 4.0);
    prec.user_name = "Precision for " + t.name;
    prec.internal_name = "Log precision for " + t.name;
    t.hyperparameters.push_back(prec);
  }
  for (int k = 1; k <= t.ar_order; ++k) {
    // R-INLA's defaults: P(|pacf_k| > 0.5) falls from 0.5 for the first to 0.1 from the fifth on.
    const std::string number = std::to_string(k);
    const double alpha = std::max(0.1, 0.6 - 0.1 * k);
    Hyperparameter pacf = read_hyperparameter(s, "pacf" + number, "pc.cor0", {0.5, alpha}, k == 1 ? 1.0 : 0.0);
    pacf.user_name = "PACF" + number + " for " + t.name;
    pacf.internal_name = "Intern PACF" + number + " for " + t.name;
    pacf.scale = UserScale::kCorrelation;
    t.hyperparameters.push_back(pacf);
  }
  if (t.model == "ar1") {
    Hyperparameter rho = read_hyperparameter(s, "rho", "normal", {0.0, 0.15}, 2.0);
    rho.user_name = "Rho for " + t.name;
    rho.internal_name = "Rho_intern for " + t.name;
    rho.scale = UserScale::kCorrelation;
    t.hyperparameters.push_back(rho);
  }
  if (t.model == "copy" && (s.has("groups") || s.has("replicates"))) {
    s.fail(s.has("groups") ? "groups" : "replicates", "a copy takes the levels of the term it copies; remove it");
  }
  if (s.has("groups")) group_term(s, folder, n_obs, &t);
  if (s.has("replicates")) replicate_term(s, folder, n_obs, &t);
  s.reject_unread_keys();
  return t;
}

// Reads `index weight` pairs, one per line, with 0-based positions in the latent field.
std::vector<std::pair<int, double>> read_weight_pairs(const std::string& path, int latent_size) {
  std::ifstream in(path);
  if (!in) throw DataFileError(path + ": cannot open the data file");
  std::vector<std::pair<int, double>> pairs;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::istringstream fields(line);
    long index = -1;
    double weight = 0;
    std::string rest;
    if (!(fields >> index >> weight) || (fields >> rest) || !std::isfinite(weight)) {
      throw DataFileError(path + ":" + std::to_string(number) + ": expected 'index weight'");
    }
    if (index < 0 || index >= latent_size) {
      throw DataFileError(path + ":" + std::to_string(number) + ": index outside 0.." +
                          std::to_string(latent_size - 1));
    }
    pairs.emplace_back(static_cast<int>(index), weight);
  }
  return pairs;
}

LinearCombination read_lincomb(const IniSection& s, const std::string& folder, int latent_size) {
  LinearCombination combination;
  combination.name = s.get_string("name");
  combination.weights = read_weight_pairs(file_key(s, "weights", folder), latent_size);
  if (combination.weights.empty()) s.fail("weights", "a linear combination needs at least one weight");
  s.reject_unread_keys();
  return combination;
}

InlaSettings read_inla_settings(const IniFile& ini) {
  InlaSettings settings;
  if (!ini.has("inla")) return settings;
  const IniSection& s = ini.section("inla");
  settings.strategy = s.get_string("strategy", settings.strategy);
  if (settings.strategy != "gaussian" && settings.strategy != "simplified.laplace" && settings.strategy != "laplace" &&
      settings.strategy != "adaptive") {
    s.fail("strategy", "must be gaussian, simplified.laplace, laplace or adaptive");
  }
  settings.int_strategy = s.get_string("int_strategy", settings.int_strategy);
  if (settings.int_strategy != "auto" && settings.int_strategy != "grid" && settings.int_strategy != "ccd" &&
      settings.int_strategy != "eb") {
    s.fail("int_strategy", "must be auto, grid, ccd or eb");
  }
  settings.dz = s.get_double("dz", settings.dz);
  if (!(settings.dz > 0)) s.fail("dz", "must be positive");
  settings.diff_logdens = s.get_double("diff_logdens", settings.diff_logdens);
  if (!(settings.diff_logdens > 0)) s.fail("diff_logdens", "must be positive");
  s.reject_unread_keys();
  return settings;
}

ComputeSettings read_compute_settings(const IniFile& ini) {
  ComputeSettings settings;
  if (!ini.has("compute")) return settings;
  const IniSection& s = ini.section("compute");
  settings.predictor = s.get_bool("predictor", false);
  settings.dic = s.get_bool("dic", false);
  settings.waic = s.get_bool("waic", false);
  settings.cpo = s.get_bool("cpo", false);
  s.reject_unread_keys();
  return settings;
}

RunSettings read_run_settings(const IniFile& ini, const std::string& folder) {
  RunSettings settings;
  settings.results_dir = resolve(folder, settings.results_dir);
  settings.log_file = resolve(folder, settings.log_file);
  if (!ini.has("run")) return settings;
  const IniSection& s = ini.section("run");
  settings.num_threads = s.get_string("num_threads", settings.num_threads);
  try {
    parse_thread_spec(settings.num_threads);
  } catch (const UsageError& error) {
    s.fail("num_threads", error.what());
  }
  settings.verbose = s.get_bool("verbose", false);
  settings.results_dir = resolve(folder, s.get_string("results", settings.results_dir));
  settings.log_file = resolve(folder, s.get_string("log", settings.log_file));
  s.reject_unread_keys();
  return settings;
}

// Links each copy term to the term it copies, named by its `copy` key.
void resolve_copies(const IniFile& ini, Model* m) {
  for (std::size_t k = 0; k < m->random.size(); ++k) {
    LatentTerm& t = m->random[k];
    if (t.model != "copy") continue;
    const IniSection& s = ini.section("random." + std::to_string(k));
    const std::string source = s.get_string("copy");
    for (std::size_t j = 0; j < m->random.size(); ++j)
      if (j != k && m->random[j].name == source) t.copy_source = static_cast<int>(j);
    if (t.copy_source < 0) s.fail("copy", "no other random term is named '" + source + "'");
    const LatentTerm& original = m->random[t.copy_source];
    if (original.model == "copy") s.fail("copy", "a copy cannot copy another copy; copy '" + original.name + "' instead");
    if (original.n != t.n) {
      s.fail("n", "the copy has " + std::to_string(t.n) + " levels but '" + source + "' has " +
                      std::to_string(original.n));
    }
  }
}

void lay_out_latent_field(Model* m) {
  int position = 0;
  for (auto& t : m->random) {
    t.offset = position;
    position += t.n;
    m->random_hyper_first.push_back(static_cast<int>(m->hyperparameters.size()));
    for (const auto& h : t.hyperparameters) m->hyperparameters.push_back(h);
  }
  for (auto& f : m->fixed) {
    f.offset = position;
    ++position;
  }
  m->latent_size = position;
  for (int k = 0; k < static_cast<int>(m->hyperparameters.size()); ++k)
    if (!m->hyperparameters[k].fixed) m->free_index.push_back(k);
}

}  // namespace

std::vector<double> Model::full_hyperparameters(const std::vector<double>& theta) const {
  std::vector<double> all(hyperparameters.size());
  for (std::size_t k = 0; k < all.size(); ++k) all[k] = hyperparameters[k].initial;
  for (std::size_t k = 0; k < free_index.size(); ++k) all[free_index[k]] = theta[k];
  return all;
}

Model read_model(const std::string& model_file) {
  const IniFile ini = IniFile::read(model_file);
  ini.reject_unknown_sections({"run", "data", "family", "inla", "compute"}, {"fixed.", "random.", "lincomb."});
  const std::string folder = folder_of(model_file);

  Model m;
  m.model_file = model_file;
  m.run = read_run_settings(ini, folder);
  m.inla = read_inla_settings(ini);
  m.compute = read_compute_settings(ini);
  read_data_and_family(ini, folder, &m);
  read_fixed_effects(ini, folder, &m);
  for (int k = 0; ini.has("random." + std::to_string(k)); ++k) {
    const std::string name = "random." + std::to_string(k);
    try {
      m.random.push_back(read_random_term(ini.section(name), folder, m.n_obs));
    } catch (const NumericalError& error) {
      throw NumericalError(model_file + ": [" + name + "]: " + error.what());
    } catch (const std::bad_alloc&) {
      throw ModelFileError(model_file + ": [" + name + "] n: the term is too large for the memory available");
    }
  }
  if (m.fixed.empty() && m.random.empty()) throw ModelFileError(model_file + ": the model has no latent terms");
  resolve_copies(ini, &m);
  lay_out_latent_field(&m);
  for (int k = 0; ini.has("lincomb." + std::to_string(k)); ++k) {
    m.lincombs.push_back(read_lincomb(ini.section("lincomb." + std::to_string(k)), folder, m.latent_size));
  }
  for (const auto& s : ini.sections()) {
    const std::string& name = s.name();
    for (const std::string prefix : {"fixed.", "random.", "lincomb."}) {
      if (name.rfind(prefix, 0) != 0) continue;
      const std::string number = name.substr(prefix.size());
      const bool numbered = !number.empty() && number.size() < 7 &&
                            number.find_first_not_of("0123456789") == std::string::npos;
      const int count = static_cast<int>(prefix == "fixed."    ? m.fixed.size()
                                         : prefix == "random." ? m.random.size()
                                                               : m.lincombs.size());
      if (!numbered || std::stoi(number) >= count) {
        throw ModelFileError(model_file + ": section [" + name + "] is not numbered 0, 1, ... without gaps");
      }
    }
  }
  return m;
}

}  // namespace pyinla
