#include "fuzz_common.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace pyinla_fuzz {

namespace {

[[noreturn]] void report(const char* reason, const std::string& message) {
  std::fprintf(stderr, "fuzz check failed: %s\nmessage (%zu bytes): %s\n", reason, message.size(),
               message.c_str());
  std::abort();
}

// Length of the UTF-8 sequence at `text[i]`, or 0 when it is not a valid, shortest-form sequence.
std::size_t utf8_sequence_length(const std::string& text, std::size_t i, unsigned* code_point) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned lead = byte(i);
  std::size_t length = 0;
  unsigned value = 0;
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  } else if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    value = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    value = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    value = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    value = (value << 6) | (byte(i + k) & 0x3f);
  }
  const unsigned smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < smallest[length] || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return 0;
  *code_point = value;
  return length;
}

}  // namespace

const std::string& scratch_folder() {
  // Never freed, so that the exit handler can still read it after static destructors have run.
  static const std::string* const folder = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/pyinla-fuzz-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    return new std::string(pattern);
  }();
  static const bool cleanup_registered = [] {
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(*folder, ignored);
    });
    return true;
  }();
  (void)cleanup_registered;
  return *folder;
}

void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
  // Recreate the folder first in case a cleanup of the temporary folder removed it during a long run.
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::abort();
  }
}

void write_file(const std::string& path, const std::string& text) {
  write_file(path, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

void check_error(const pyinla::EngineError& error, pyinla::ExitCode expected_code, const std::string& path,
                 std::size_t max_length) {
  // With FUZZ_SKIP_MESSAGE_CHECKS set, only crashes, sanitizer reports and failed result checks are findings.
  static const bool skip = std::getenv("FUZZ_SKIP_MESSAGE_CHECKS") != nullptr;
  if (skip) return;
  const std::string message = error.what();
  if (error.exit_code() != expected_code) report("unexpected exit code", message);
  if (message.rfind(path, 0) != 0) report("the message does not start with the file at fault", message);
  if (message.size() > max_length) report("the message is too long", message);

  for (std::size_t i = 0; i < message.size();) {
    unsigned code_point = 0;
    const std::size_t length = utf8_sequence_length(message, i, &code_point);
    if (length == 0) report("the message is not valid UTF-8", message);
    // C0 and C1 control characters, DEL, and the Unicode line and paragraph separators all break a line for
    // some reader of the engine's stderr (Python's str.splitlines() splits on each of them).
    if (code_point < 0x20 || (code_point >= 0x7f && code_point <= 0x9f) || code_point == 0x2028 ||
        code_point == 0x2029) {
      report("the message contains a control character or a line break", message);
    }
    i += length;
  }
}

void require(bool condition, const char* failure) {
  if (!condition) {
    std::fprintf(stderr, "fuzz check failed: %s\n", failure);
    std::abort();
  }
}

}  // namespace pyinla_fuzz
