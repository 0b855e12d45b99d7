// pyinla-engine: fits a latent Gaussian model by INLA from a model file; see docs/engine-format.md.
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iostream>
#include <sstream>
#include <unistd.h>

#include "criteria.hpp"
#include "errors.hpp"
#include "integration.hpp"
#include "log.hpp"
#include "marginals.hpp"
#include "model.hpp"
#include "optimiser.hpp"
#include "posterior_samples.hpp"
#include "result_writer.hpp"
#include "threads.hpp"

namespace pyinla {

#ifdef PYINLA_ENGINE_VERSION
const char* const kVersion = PYINLA_ENGINE_VERSION;
#else
const char* const kVersion = "0.1.0";
#endif

namespace {

constexpr int kMaxRestarts = 3;

const char* const kUsage =
    "usage: pyinla-engine [options] MODEL.ini\n"
    "\n"
    "Fits the latent Gaussian model described by MODEL.ini by INLA and writes the results into a folder beside it.\n"
    "\n"
    "options:\n"
    "  -t, --threads A:B[:C]  threads: A outer, B inner per evaluation, C for simplified Laplace (default 16:1)\n"
    "  -v, --verbose          print progress to stdout (overrides [run] verbose)\n"
    "      --check            read and check the model and data files, then exit\n"
    "      --show-threads     print the thread specification given with -t as A:B[:C], then exit\n"
    "      --samples N        also write N joint posterior samples to results/samples.csv\n"
    "      --seed S           seed of the samples (default 1)\n"
    "      --version          print the engine version and exit\n"
    "  -h, --help             print this help and exit\n";

struct CommandLine {
  std::string model_file;
  std::string threads;
  bool verbose = false;
  bool check = false;
  bool show_threads = false;
  int samples = 0;
  std::uint64_t seed = 1;
};

CommandLine parse_command_line(int argc, char** argv) {
  CommandLine cl;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      std::exit(kExitSuccess);
    } else if (arg == "--version") {
      std::cout << "pyinla-engine " << kVersion << "\n";
      std::exit(kExitSuccess);
    } else if (arg == "-t" || arg == "--threads") {
      if (i + 1 >= argc) throw UsageError(arg + " needs a value such as 4:2");
      cl.threads = argv[++i];
      parse_thread_spec(cl.threads);  // a bad value is a usage error, whatever the model file contains
    } else if (arg.rfind("--threads=", 0) == 0) {
      cl.threads = arg.substr(10);
      parse_thread_spec(cl.threads);
    } else if (arg == "-v" || arg == "--verbose") {
      cl.verbose = true;
    } else if (arg == "--samples" || arg == "--seed") {
      if (i + 1 >= argc) throw UsageError(arg + " needs a positive integer");
      const std::string value = argv[++i];
      if (value.empty() || value.size() > 9 || value.find_first_not_of("0123456789") != std::string::npos) {
        throw UsageError(arg + " needs a positive integer, got '" + value + "'");
      }
      if (arg == "--samples") {
        cl.samples = std::stoi(value);
      } else {
        cl.seed = std::stoull(value);
      }
    } else if (arg == "--show-threads") {
      cl.show_threads = true;
    } else if (arg == "--check") {
      cl.check = true;
    } else if (!arg.empty() && arg[0] == '-') {
      throw UsageError("unknown option '" + arg + "' (see --help)");
    } else if (cl.model_file.empty()) {
      cl.model_file = arg;
    } else {
      throw UsageError("more than one model file given: '" + cl.model_file + "' and '" + arg + "'");
    }
  }
  if (cl.model_file.empty() && !cl.show_threads) throw UsageError("no model file given (see --help)");
  return cl;
}


std::string prior_text(const Prior& prior) {
  std::ostringstream text;
  text << prior_name(prior.kind);
  for (double p : prior.param) text << " " << p;
  return text.str();
}

void log_configuration(const Model& m, const ThreadSpec& requested, const ThreadSpec& threads) {
  Logger& log = run_log();
  std::string build = "Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) +
                      "." + std::to_string(EIGEN_MINOR_VERSION);
#if defined(PYINLA_ENGINE_BUILD_TYPE) && defined(PYINLA_ENGINE_COMPILER)
  build += std::string(", ") + PYINLA_ENGINE_BUILD_TYPE + ", " + PYINLA_ENGINE_COMPILER;
#endif
  log.line(std::string("pyinla-engine ") + kVersion + " (" + build + ")");
  log.line("model file: " + m.model_file);
  if (to_string(threads) == to_string(requested)) {
    log.line("threads: " + to_string(threads));
  } else {
    log.line("threads: " + to_string(threads) + " (" + to_string(requested) + " requested, cut back to the " +
             std::to_string(available_cpus()) + " CPUs)");
  }
  log.line("family: " + m.family_name + ", observations: " + std::to_string(m.n_obs) +
           ", latent field size: " + std::to_string(m.latent_size));
  for (const auto& f : m.fixed) {
    std::ostringstream line;
    line << "fixed effect " << f.name << ": prior mean " << f.mean << ", precision " << f.precision;
    log.line(line.str());
  }
  for (const auto& t : m.random) {
    std::ostringstream line;
    line << "random term " << t.name << ": model " << t.model << ", n " << t.n << ", constraints "
         << t.constraints.rows() << ", diagonal " << t.diagonal;
    log.line(line.str());
  }
  for (const auto& h : m.hyperparameters) {
    std::ostringstream line;
    line << "hyperparameter " << h.internal_name << ": prior " << prior_text(h.prior) << ", initial " << h.initial
         << (h.fixed ? " (fixed)" : "");
    log.line(line.str());
  }
  std::ostringstream inla;
  inla << "strategy: " << m.inla.strategy << ", int_strategy: " << m.inla.int_strategy << ", dz: " << m.inla.dz
       << ", diff_logdens: " << m.inla.diff_logdens;
  log.line(inla.str());
  log.line("results: " + m.run.results_dir + ", log: " + m.run.log_file);
}

// A precision at exp(+-12) or beyond means the data hardly inform it and the prior lets it run away: a term
// that is not needed (precision to infinity) or not identified.
void warn_about_extreme_hyperparameters(const Model& model, const ThetaMode& mode) {
  constexpr double kExtremeLogPrecision = 12.0;
  for (std::size_t k = 0; k < mode.theta.size(); ++k) {
    const Hyperparameter& h = model.hyperparameters[model.free_index[k]];
    if (h.scale != UserScale::kPrecision || std::abs(mode.theta[k]) < kExtremeLogPrecision) continue;
    std::ostringstream text;
    text << h.user_name << " has its posterior mode at " << std::exp(mode.theta[k])
         << (mode.theta[k] > 0 ? ": the term may be unnecessary" : ": the term may be unidentified")
         << "; a stronger prior on it (e.g. pc.prec) or scale_model usually helps";
    run_log().warning(text.str());
  }
}

// A fixed effect whose posterior sd is near its prior sd learned nothing from the data: a covariate that is
// constant, or collinear with the intercept or another covariate.
void warn_about_uninformed_fixed_effects(const Model& model, const LatentMarginals& latent) {
  for (const auto& f : model.fixed) {
    if (f.precision <= 0) continue;
    const double prior_sd = 1.0 / std::sqrt(f.precision);
    const double sd = latent.summary[f.offset].sd;
    if (sd < 0.5 * prior_sd) continue;
    std::ostringstream text;
    text << "fixed effect " << f.name << " has posterior sd " << sd << ", close to its prior sd " << prior_sd
         << ": the data hardly inform it; is the covariate constant or collinear with another term?";
    run_log().warning(text.str());
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int run(int argc, char** argv) {
  const CommandLine cl = parse_command_line(argc, argv);
  if (cl.show_threads) {
    std::cout << to_string(parse_thread_spec(cl.threads)) << std::endl;
    return kExitSuccess;
  }
  const auto start = std::chrono::steady_clock::now();
  Model model = read_model(cl.model_file);
  if (cl.check) {
    std::cout << cl.model_file << ": model and data files are valid\n";
    return kExitSuccess;
  }

  const ThreadSpec requested = parse_thread_spec(cl.threads.empty() ? model.run.num_threads : cl.threads);
  const ThreadSpec threads = fit_to_cpus(requested, available_cpus());
  run_log().open(model.run.log_file, cl.verbose || model.run.verbose);
  configure_threads(threads);
  log_configuration(model, requested, threads);

  RunResults results;
  results.model = &model;
  const LatentGaussianModel lgm(model);
  results.timing.emplace_back("setup", seconds_since(start));

  auto stage = std::chrono::steady_clock::now();
  ThetaMode mode = find_theta_mode(lgm, initial_theta(model));
  ThetaIntegration integration = integrate_theta(lgm, mode);
  // The integration points explore beyond the optimiser's path. A point above the mode means the optimiser
  // stopped at a local mode (a posterior with two peaks), so it restarts from that point.
  for (int restart = 0; restart < kMaxRestarts && !integration.higher_theta.empty(); ++restart) {
    std::ostringstream line;
    line << "The integration found a higher log density than the mode; restarting the optimiser from theta =";
    for (double t : integration.higher_theta) line << " " << t;
    run_log().line(line.str());
    run_log().clear_warnings();
    mode = find_theta_mode(lgm, integration.higher_theta);
    integration = integrate_theta(lgm, mode);
  }
  results.timing.emplace_back("theta_mode_and_points", seconds_since(stage));
  warn_about_extreme_hyperparameters(model, mode);

  stage = std::chrono::steady_clock::now();
  compute_conditional_marginals(lgm, mode, &integration);
  results.timing.emplace_back("latent_at_points", seconds_since(stage));

  stage = std::chrono::steady_clock::now();
  run_log().line("Compute the marginals");
  const LatentMarginals latent = summarise_latent(model, integration);
  warn_about_uninformed_fixed_effects(model, latent);
  const std::vector<HyperparameterMarginal> hyper = summarise_hyperparameters(model, integration);
  PredictorMarginals predictor;
  if (model.compute.predictor) predictor = summarise_predictor(model, integration);
  LincombMarginals lincombs;
  if (!model.lincombs.empty()) lincombs = summarise_lincombs(model, integration);
  ModelCriteria criteria;
  if (model.compute.dic || model.compute.waic || model.compute.cpo) criteria = compute_criteria(model, integration);
  results.timing.emplace_back("marginals", seconds_since(stage));
  results.timing.emplace_back("total", seconds_since(start));

  results.integration = &integration;
  results.latent = &latent;
  results.hyper = &hyper;
  if (model.compute.predictor) results.predictor = &predictor;
  if (!model.lincombs.empty()) results.lincombs = &lincombs;
  if (model.compute.dic || model.compute.waic || model.compute.cpo) results.criteria = &criteria;
  write_results(model.run.results_dir, results);
  if (cl.samples > 0) {
    write_posterior_samples(lgm, mode, integration, cl.samples, cl.seed, model.run.results_dir + "/samples.csv");
  }
  run_log().line("Done in " + std::to_string(seconds_since(start)) + " s");
  return kExitSuccess;
}

extern "C" void on_interrupt(int) {
  const char message[] = "pyinla-engine: error: interrupted\n";
  const ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
  (void)ignored;
  _exit(kExitInterrupted);
}

}  // namespace
}  // namespace pyinla

int main(int argc, char** argv) {
  std::signal(SIGINT, pyinla::on_interrupt);
  std::signal(SIGTERM, pyinla::on_interrupt);
  try {
    return pyinla::run(argc, argv);
  } catch (const pyinla::EngineError& e) {
    std::cerr << "pyinla-engine: error: " << e.what() << std::endl;
    try {
      pyinla::run_log().line(std::string("error: ") + e.what());
    } catch (...) {
    }
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::cerr << "pyinla-engine: error: out of memory" << std::endl;
    return pyinla::kExitNumerical;
  } catch (const std::exception& e) {
    std::cerr << "pyinla-engine: error: internal error: " << e.what() << std::endl;
    return pyinla::kExitInternal;
  }
}
