#include "result_writer.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "csv_format.hpp"
#include "errors.hpp"
#include "log.hpp"

namespace pyinla {

namespace {

class CsvFile {
 public:
  CsvFile(const std::string& path, const std::string& header) : path_(path), out_(path, std::ios::trunc) {
    if (!out_) throw OutputError(path + ": cannot write the result file");
    out_ << header << '\n';
  }
  ~CsvFile() noexcept(false) {
    out_.flush();
    if (!out_ && std::uncaught_exceptions() == 0) throw OutputError(path_ + ": writing the result file failed");
  }
  std::ofstream& out() { return out_; }

 private:
  std::string path_;
  std::ofstream out_;
};

std::string summary_row(const MarginalSummary& s, bool with_kld) {
  std::string row = format_number(s.mean) + "," + format_number(s.sd) + "," + format_number(s.q025) + "," + format_number(s.q50) + "," +
                    format_number(s.q975) + "," + format_number(s.mode);
  if (with_kld) row += "," + format_number(s.kld);
  return row;
}

const char* kSummaryColumns = "mean,sd,0.025quant,0.5quant,0.975quant,mode";

void write_fixed(const std::string& folder, const RunResults& r) {
  CsvFile summary(folder + "/summary_fixed.csv", std::string("name,") + kSummaryColumns + ",kld");
  CsvFile marginals(folder + "/marginals_fixed.csv", "name,x,density");
  for (std::size_t k = 0; k < r.model->fixed.size(); ++k) {
    const FixedEffect& f = r.model->fixed[k];
    summary.out() << csv_field(f.name) << "," << summary_row(r.latent->summary[f.offset], true) << '\n';
    const Density& d = r.latent->fixed_density[k];
    for (std::size_t i = 0; i < d.x.size(); ++i)
      marginals.out() << csv_field(f.name) << "," << format_number(d.x[i]) << "," << format_number(d.density[i]) << '\n';
  }
}

void write_random(const std::string& folder, const RunResults& r) {
  for (std::size_t k = 0; k < r.model->random.size(); ++k) {
    const LatentTerm& t = r.model->random[k];
    CsvFile summary(folder + "/summary_random." + std::to_string(k) + ".csv",
                    std::string("ID,") + kSummaryColumns + ",kld");
    for (int i = 0; i < t.n; ++i)
      summary.out() << csv_field(t.labels[i]) << "," << summary_row(r.latent->summary[t.offset + i], true) << '\n';
    CsvFile marginals(folder + "/marginals_random." + std::to_string(k) + ".csv", "ID,x,density");
    for (int i = 0; i < t.n; ++i) {
      const Density& d = r.latent->latent_density[t.offset + i];
      for (std::size_t j = 0; j < d.x.size(); ++j)
        marginals.out() << csv_field(t.labels[i]) << "," << format_number(d.x[j]) << "," << format_number(d.density[j]) << '\n';
    }
  }
}

void write_hyperparameters(const std::string& folder, const RunResults& r) {
  const Model& m = *r.model;
  CsvFile user(folder + "/summary_hyperpar.csv", std::string("name,") + kSummaryColumns);
  CsvFile internal(folder + "/internal_summary_hyperpar.csv", std::string("name,") + kSummaryColumns);
  CsvFile marginals(folder + "/marginals_hyperpar.csv", "name,x,density");
  for (std::size_t k = 0; k < m.free_index.size(); ++k) {
    const Hyperparameter& h = m.hyperparameters[m.free_index[k]];
    const HyperparameterMarginal& hm = (*r.hyper)[k];
    user.out() << csv_field(h.user_name) << "," << summary_row(hm.user, false) << '\n';
    internal.out() << csv_field(h.internal_name) << "," << summary_row(hm.internal, false) << '\n';
    for (std::size_t i = 0; i < hm.user_density.x.size(); ++i)
      marginals.out() << csv_field(h.user_name) << "," << format_number(hm.user_density.x[i]) << ","
                      << format_number(hm.user_density.density[i]) << '\n';
  }
}

void write_integration(const std::string& folder, const RunResults& r) {
  const Model& m = *r.model;
  std::string header;
  for (std::size_t k = 0; k < m.free_index.size(); ++k) header += "theta" + std::to_string(k + 1) + ",";
  CsvFile points(folder + "/theta_points.csv", header + "log_density,weight");
  for (const auto& p : r.integration->points) {
    for (double t : p.theta) points.out() << format_number(t) << ",";
    points.out() << format_number(p.log_density) << "," << format_number(p.weight) << '\n';
  }
  CsvFile mlik(folder + "/mlik.csv", "name,value");
  mlik.out() << "log marginal-likelihood (integration)," << format_number(r.integration->log_mlik_integration) << '\n';
  mlik.out() << "log marginal-likelihood (Gaussian)," << format_number(r.integration->log_mlik_gaussian) << '\n';
}

void write_predictor(const std::string& folder, const RunResults& r) {
  const PredictorMarginals& p = *r.predictor;
  const std::pair<const char*, const std::vector<MarginalSummary>*> tables[] = {
      {"linear_predictor", &p.linear_predictor}, {"fitted_values", &p.fitted}};
  const std::vector<Density>* densities[] = {&p.linear_predictor_density, &p.fitted_density};
  for (int t = 0; t < 2; ++t) {
    CsvFile summary(folder + "/summary_" + tables[t].first + ".csv", std::string("ID,") + kSummaryColumns);
    CsvFile marginals(folder + "/marginals_" + std::string(tables[t].first) + ".csv", "ID,x,density");
    for (std::size_t o = 0; o < tables[t].second->size(); ++o) {
      summary.out() << o + 1 << "," << summary_row((*tables[t].second)[o], false) << '\n';
      const Density& d = (*densities[t])[o];
      for (std::size_t i = 0; i < d.x.size(); ++i)
        marginals.out() << o + 1 << "," << format_number(d.x[i]) << "," << format_number(d.density[i]) << '\n';
    }
  }
}

void write_lincombs(const std::string& folder, const RunResults& r) {
  CsvFile summary(folder + "/summary_lincomb.csv", std::string("name,") + kSummaryColumns);
  CsvFile marginals(folder + "/marginals_lincomb.csv", "name,x,density");
  for (std::size_t k = 0; k < r.model->lincombs.size(); ++k) {
    const std::string name = csv_field(r.model->lincombs[k].name);
    summary.out() << name << "," << summary_row(r.lincombs->summary[k], false) << '\n';
    const Density& d = r.lincombs->density[k];
    for (std::size_t i = 0; i < d.x.size(); ++i)
      marginals.out() << name << "," << format_number(d.x[i]) << "," << format_number(d.density[i]) << '\n';
  }
}

// One row per observation: its share of the criterion and of the effective number of parameters.
void write_local_criteria(const std::string& path, const std::string& name, const std::vector<double>& local,
                          const std::vector<double>& p_effective) {
  CsvFile file(path, "ID," + name + ",p_eff");
  for (std::size_t o = 0; o < local.size(); ++o)
    file.out() << o + 1 << "," << format_number(local[o]) << "," << format_number(p_effective[o]) << '\n';
}

void write_criteria(const std::string& folder, const RunResults& r) {
  const Model& m = *r.model;
  const ModelCriteria& c = *r.criteria;
  if (m.compute.dic) {
    CsvFile dic(folder + "/dic.csv", "name,value");
    dic.out() << "dic," << format_number(c.dic) << "\np_eff," << format_number(c.dic_p_effective) << "\nmean_deviance,"
              << format_number(c.mean_deviance) << "\ndeviance_of_mean," << format_number(c.deviance_of_mean) << '\n';
    write_local_criteria(folder + "/dic_local.csv", "dic", c.local_dic, c.local_dic_p_effective);
  }
  if (m.compute.waic) {
    CsvFile waic(folder + "/waic.csv", "name,value");
    waic.out() << "waic," << format_number(c.waic) << "\np_eff," << format_number(c.waic_p_effective) << '\n';
    write_local_criteria(folder + "/waic_local.csv", "waic", c.local_waic, c.local_waic_p_effective);
  }
  if (m.compute.cpo) {
    CsvFile cpo(folder + "/cpo.csv", "ID,cpo,pit,failure");
    for (std::size_t o = 0; o < c.cpo.size(); ++o)
      cpo.out() << o + 1 << "," << format_number(c.cpo[o]) << "," << format_number(c.pit[o]) << "," << c.failure[o] << '\n';
  }
}

void write_timing(const std::string& folder, const RunResults& r) {
  CsvFile timing(folder + "/timing.csv", "stage,seconds");
  for (const auto& [stage, seconds] : r.timing) timing.out() << stage << "," << format_number(seconds) << '\n';
}

// One warning per line; the file exists only when there are warnings.
void write_warnings(const std::string& folder) {
  const std::vector<std::string> warnings = run_log().warnings();
  if (warnings.empty()) return;
  std::ofstream out(folder + "/warnings.txt", std::ios::trunc);
  for (const auto& w : warnings) out << w << '\n';
  if (!out) throw OutputError(folder + "/warnings.txt: writing the warnings failed");
}

// A summary that is not finite is a failure of the approximation, never a number to report.
void check_finite(const std::string& what, const MarginalSummary& s) {
  for (double v : {s.mean, s.sd, s.q025, s.q50, s.q975, s.mode}) {
    if (!std::isfinite(v)) {
      throw NumericalError("the posterior summary of " + what + " is not finite; the model may be unidentified or "
                           "a hyperparameter unbounded: try a stronger prior, scale_model, or fewer terms");
    }
  }
}

}  // namespace

void write_results(const std::string& folder, const RunResults& results) {
  for (const auto& f : results.model->fixed) check_finite("fixed effect " + f.name, results.latent->summary[f.offset]);
  for (const auto& t : results.model->random)
    for (int i = 0; i < t.n; ++i) check_finite("term " + t.name + " level " + t.labels[i], results.latent->summary[t.offset + i]);
  for (std::size_t k = 0; k < results.hyper->size(); ++k) {
    check_finite(results.model->hyperparameters[results.model->free_index[k]].user_name, (*results.hyper)[k].user);
  }
  struct stat info;
  if (stat(folder.c_str(), &info) != 0 && mkdir(folder.c_str(), 0777) != 0) {
    throw OutputError(folder + ": cannot create the results folder");
  }
  write_fixed(folder, results);
  write_random(folder, results);
  write_hyperparameters(folder, results);
  write_integration(folder, results);
  if (results.predictor) write_predictor(folder, results);
  if (results.criteria) write_criteria(folder, results);
  if (results.lincombs) write_lincombs(folder, results);
  write_timing(folder, results);
  write_warnings(folder);
}

}  // namespace pyinla
