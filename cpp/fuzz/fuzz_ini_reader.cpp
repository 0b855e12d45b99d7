// libFuzzer harness for the model-file reader: IniFile::read on a file written from the input, then every typed
// getter on every key of every section. A ModelFileError is the expected outcome for a bad input; its message
// must keep the promise of docs/engine-format.md (checked by check_error). Any other exception, a sanitizer
// report or a failed check is a finding.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "fuzz_common.hpp"
#include "ini_reader.hpp"

namespace {

using pyinla::IniFile;
using pyinla::IniSection;
using pyinla_fuzz::require;

// Messages quote at most a short excerpt of the input, so this bound leaves room for the fixed text and the path.
constexpr std::size_t kMaxMessage = 1024;

const std::string& model_path() {
  static const std::string path = pyinla_fuzz::scratch_folder() + "/model.ini";
  return path;
}

// Runs `get` and returns whether it threw. A ModelFileError is expected for values of the wrong type, and its
// message must keep the promise. Any other exception escapes to libFuzzer as a finding.
template <typename Get>
bool try_getter(Get get) {
  try {
    get();
    return false;
  } catch (const pyinla::EngineError& error) {
    pyinla_fuzz::check_error(error, pyinla::kExitModelFile, model_path(), kMaxMessage);
    return true;
  }
}

bool is_printable_ascii(const std::string& name) {
  for (unsigned char ch : name)
    if (ch < 0x20 || ch > 0x7e) return false;
  return true;
}

void exercise_section(const IniSection& section) {
  require(!section.name().empty() && is_printable_ascii(section.name()), "section name empty or not printable");
  for (const std::string& key : section.keys()) {
    require(!key.empty() && is_printable_ascii(key), "key empty or not printable ASCII");
    require(section.has(key), "has() is false for a key that keys() lists");
    const std::string value = section.get_string(key);
    require(section.get_string(key, "fallback") == value, "get_string with a fallback differs");
    try_getter([&] {
      const double x = section.get_double(key);
      require(std::isfinite(x), "get_double returned a value that is not finite");
      require(section.get_double(key, -1.0) == x, "get_double with a fallback differs");
    });
    try_getter([&] {
      const long x = section.get_int(key);
      require(x >= std::numeric_limits<int>::min() && x <= std::numeric_limits<int>::max(),
              "get_int returned a value outside the range of int");
      require(section.get_int(key, -1) == x, "get_int with a fallback differs");
    });
    try_getter([&] { section.get_bool(key, false); });
    try_getter([&] {
      for (double x : section.get_doubles(key)) require(std::isfinite(x), "get_doubles returned a non-finite value");
    });
  }

  // Every key has been read now, so no key is unknown.
  section.reject_unread_keys();

  // A key that is absent: the fallbacks are returned, and the getters without one throw.
  // A key never contains "=", because a line is split at its first "=".
  const std::string absent = "absent=key";
  require(!section.has(absent), "has() is true for a key that cannot be written");
  require(section.get_string(absent, "x") == "x", "get_string ignores its fallback");
  require(section.get_double(absent, 2.5) == 2.5, "get_double ignores its fallback");
  require(section.get_int(absent, 7) == 7, "get_int ignores its fallback");
  require(section.get_bool(absent, true), "get_bool ignores its fallback");
  require(try_getter([&] { section.get_string(absent); }), "get_string of an absent key did not throw");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pyinla_fuzz::write_file(model_path(), data, size);
  try {
    const IniFile ini = IniFile::read(model_path());
    for (const IniSection& section : ini.sections()) {
      require(ini.has(section.name()), "has() is false for a section that sections() lists");
      require(&ini.section(section.name()) == &section, "section() returns another section");

      // A copy has read no key yet, so it rejects its first key as unknown.
      const IniSection fresh = section;
      if (!fresh.keys().empty()) {
        require(try_getter([&] { fresh.reject_unread_keys(); }), "reject_unread_keys accepted a key never read");
      }
      exercise_section(section);
    }
    // Section names are trimmed, so none starts with a space.
    require(try_getter([&] { ini.section(" absent section"); }), "section() of an absent section did not throw");
    try_getter([&] { ini.reject_unknown_sections({"run", "data", "family", "inla"}, {"fixed.", "random."}); });
  } catch (const pyinla::EngineError& error) {
    pyinla_fuzz::check_error(error, pyinla::kExitModelFile, model_path(), kMaxMessage);
  }
  return 0;
}
