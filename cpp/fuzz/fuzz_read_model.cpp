// libFuzzer harness for the whole model reader, read_model, on a small run directory. The input is the model file,
// optionally followed by a line "#fuzz.dat" and the content of the data file fuzz.dat, so the fuzzer can vary
// the model file alone or together with one data file. Valid data files sit beside it:
//
//   response.dat  4 responses, one missing      x.dat      4 covariate values     ntrials.dat  4 trial counts
//   index.dat     4 levels in 0..2              labels.txt 3 labels               graph.txt    3 nodes in a path
//   cmatrix.dat   3 x 3 structure matrix
//
// A ModelFileError, DataFileError or NumericalError is the expected outcome for a bad input, and its message
// must keep the promise of docs/engine-format.md. Any other exception, a sanitizer report or a failed check is
// a finding.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

#include "fuzz_common.hpp"
#include "ini_reader.hpp"
#include "model.hpp"

namespace {

using pyinla_fuzz::require;

// Inputs with a larger `n` or `season_length` are skipped: the engine then allocates and factorizes matrices
// of that size, which tests memory and time, not the reader.
constexpr long kMaxLevels = 2000;

// Longer than the bound of the other harnesses, because model.cpp quotes whole values in some messages.
constexpr std::size_t kMaxMessage = 2048;

const std::string kSeparator = "\n#fuzz.dat\n";

// Writes the valid data files into the scratch folder, again when a cleanup of the temporary folder removed them.
const std::string& folder() {
  static const std::string path = pyinla_fuzz::scratch_folder();
  static const std::pair<const char*, const char*> files[] = {
      {"response.dat", "1\n0\nnan\n2\n"},
      {"x.dat", "0.5\n-1\n2\n0\n"},
      {"ntrials.dat", "3\n3\n3\n3\n"},
      {"index.dat", "0\n1\n2\n0\n"},
      {"labels.txt", "a\nb\nc\n"},
      {"graph.txt", "3\n1 1 2\n2 2 1 3\n3 1 2\n"},
      {"cmatrix.dat", "0 0 2\n1 1 2\n2 2 2\n0 1 -1\n1 0 -1\n"},
  };
  if (!std::filesystem::exists(path + "/" + files[0].first)) {
    for (const auto& [name, content] : files) pyinla_fuzz::write_file(path + "/" + name, content);
  }
  return path;
}

// True when some section sets `n` or `season_length` above kMaxLevels.
bool too_large(const std::string& model_file) {
  try {
    const pyinla::IniFile ini = pyinla::IniFile::read(model_file);
    for (const auto& section : ini.sections()) {
      for (const char* key : {"n", "season_length"}) {
        try {
          if (section.has(key) && section.get_int(key) > kMaxLevels) return true;
        } catch (const pyinla::EngineError&) {
        }
      }
    }
  } catch (const pyinla::EngineError&) {
  }
  return false;
}

void check_model(const pyinla::Model& m) {
  require(m.n_obs > 0, "n_obs not positive");
  require(m.data.y.size() == static_cast<std::size_t>(m.n_obs), "response size differs from n");
  require(m.offset.size() == static_cast<std::size_t>(m.n_obs), "offset size differs from n");
  require(m.likelihood != nullptr, "no likelihood");
  require(!m.fixed.empty() || !m.random.empty(), "no latent terms");
  int size = 0;
  for (const auto& t : m.random) {
    require(t.offset == size, "random term offset");
    size += t.n;
    require(t.index.size() == static_cast<std::size_t>(m.n_obs), "index size differs from n");
    require(t.labels.size() == static_cast<std::size_t>(t.n), "labels size differs from the term's n");
    for (int level : t.index) require(level >= 0 && level < t.n, "level out of range");
    require(t.constraints.cols() == t.n, "constraint columns");
    require(std::isfinite(t.diagonal) && t.diagonal >= 0, "diagonal");
    for (const auto& part : t.parts) require(part.rows() == t.n && part.cols() == t.n, "structure size");
  }
  for (const auto& f : m.fixed) {
    require(f.offset == size, "fixed effect offset");
    ++size;
    require(f.values.empty() || f.values.size() == static_cast<std::size_t>(m.n_obs), "covariate size");
    require(std::isfinite(f.mean) && f.precision >= 0 && std::isfinite(f.precision), "fixed effect prior");
  }
  require(m.latent_size == size, "latent size");
  for (const auto& h : m.hyperparameters) {
    require(std::isfinite(h.initial), "initial value not finite");
    for (double p : h.prior.param) require(std::isfinite(p), "prior parameter not finite");
  }
  require(std::isfinite(m.inla.dz) && m.inla.dz > 0, "dz");
  require(std::isfinite(m.inla.diff_logdens) && m.inla.diff_logdens > 0, "diff_logdens");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string model_file = folder() + "/model.ini";
  const auto split = input.find(kSeparator);
  pyinla_fuzz::write_file(model_file, input.substr(0, split));
  pyinla_fuzz::write_file(folder() + "/fuzz.dat",
                          split == std::string::npos ? std::string() : input.substr(split + kSeparator.size()));
  if (too_large(model_file)) return 0;

  try {
    const pyinla::Model model = pyinla::read_model(model_file);
    check_model(model);
  } catch (const pyinla::ModelFileError& error) {
    pyinla_fuzz::check_error(error, pyinla::kExitModelFile, model_file, kMaxMessage);
  } catch (const pyinla::DataFileError& error) {
    // An absolute path in the model file may name a data file outside the folder, so any absolute path will do.
    pyinla_fuzz::check_error(error, pyinla::kExitDataFile, "/", kMaxMessage);
  } catch (const pyinla::NumericalError& error) {
    // NOTE: numerical errors of the structure matrices name no file yet; only the one-line rules are checked.
    pyinla_fuzz::check_error(error, pyinla::kExitNumerical, "", kMaxMessage);
  }
  return 0;
}
