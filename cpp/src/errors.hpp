// Typed errors of the engine and the exit codes they map to in main().
#pragma once

#include <stdexcept>
#include <string>

namespace pyinla {

// Exit codes, documented in docs/engine-format.md.
enum ExitCode : int {
  kExitSuccess = 0,
  kExitUsage = 1,
  kExitModelFile = 2,
  kExitDataFile = 3,
  kExitNumerical = 4,
  kExitOutput = 5,
  kExitInternal = 70,
  kExitInterrupted = 130,
};

// Base of every error the engine reports; `exit_code` selects the process status.
class EngineError : public std::runtime_error {
 public:
  EngineError(ExitCode code, const std::string& message)
      : std::runtime_error(message), exit_code_(code) {}
  ExitCode exit_code() const { return exit_code_; }

 private:
  ExitCode exit_code_;
};

// A bad command line.
struct UsageError : EngineError {
  explicit UsageError(const std::string& m) : EngineError(kExitUsage, m) {}
};

// The model file is malformed; the message names the file, section and key or line.
struct ModelFileError : EngineError {
  explicit ModelFileError(const std::string& m) : EngineError(kExitModelFile, m) {}
};

// A data file is missing, unreadable or malformed; the message names the file and line.
struct DataFileError : EngineError {
  explicit DataFileError(const std::string& m) : EngineError(kExitDataFile, m) {}
};

// The numerical work failed (no positive definite precision, no convergence).
struct NumericalError : EngineError {
  explicit NumericalError(const std::string& m) : EngineError(kExitNumerical, m) {}
};

// A result file could not be written.
struct OutputError : EngineError {
  explicit OutputError(const std::string& m) : EngineError(kExitOutput, m) {}
};

}  // namespace pyinla
