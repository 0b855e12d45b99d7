// Helpers shared by the fuzzing harnesses: a scratch folder per process, file writing, and the checks that
// every error message of the readers must pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "errors.hpp"

namespace pyinla_fuzz {

// A folder that belongs to this process alone, made on first use and removed at exit, so that several fuzzers
// can run side by side. It lies under $TMPDIR, or /tmp when TMPDIR is unset.
const std::string& scratch_folder();

// Writes `size` bytes to `path`, replacing the file. Aborts when it cannot, because the harness would
// otherwise test a stale file.
void write_file(const std::string& path, const std::uint8_t* data, std::size_t size);
void write_file(const std::string& path, const std::string& text);

// Aborts, printing the reason and the message, unless `error` keeps the promise of docs/engine-format.md.
// The promise: the exit code is `expected_code` and the message starts with `path`, the file at fault. The
// message is one line of printable text, which means valid UTF-8 without control characters or Unicode line
// breaks, and it is at most `max_length` bytes long.
void check_error(const pyinla::EngineError& error, pyinla::ExitCode expected_code, const std::string& path,
                 std::size_t max_length);

// Aborts with `failure` when `condition` is false, because a failed check is a finding, like a sanitizer report.
void require(bool condition, const char* failure);

}  // namespace pyinla_fuzz
