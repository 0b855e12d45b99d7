#!/bin/sh
# Builds the libFuzzer harnesses of the engine's readers with AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   cpp/fuzz/build.sh [OUTPUT_FOLDER]      default: build/fuzz under the repository root
#
# Needs clang with libFuzzer (Debian: apt-get install clang, which brings libclang-rt-14-dev) and oneTBB from
# the tbb-devel wheel in the Python environment of `python3` (pip install tbb-devel). Set CXX to use another
# clang++ and PYTHON to use another interpreter. This build is separate from cpp/CMakeLists.txt.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src="$here/../src"
out=${1:-"$here/../../build/fuzz"}
CXX=${CXX:-clang++}
PYTHON=${PYTHON:-python3}
mkdir -p "$out/obj"
out=$(cd "$out" && pwd)

# Folders of oneTBB's headers (tbb-devel wheel) and of libtbb.so.12 (tbb wheel), as pip recorded them.
tbb_folders=$("$PYTHON" - <<'EOF'
import importlib.metadata as metadata
import pathlib

def file_path(distribution, relative):
    for file in metadata.files(distribution) or ():
        if str(file).endswith(relative):
            return pathlib.Path(file.locate()).resolve()
    raise SystemExit(f"{relative} not found in the {distribution} wheel: pip install tbb-devel")

# <prefix>/include/oneapi/tbb.h and <prefix>/lib/libtbb.so.12
print(file_path("tbb-devel", "include/oneapi/tbb.h").parent.parent)
print(file_path("tbb", "libtbb.so.12").parent)
EOF
)
tbb_include=$(echo "$tbb_folders" | sed -n 1p)
tbb_lib=$(echo "$tbb_folders" | sed -n 2p)

common="-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
includes="-I$src -isystem $here/../third_party/eigen -isystem $tbb_include"

# The engine sources: every file of cpp/src except main.cpp, because read_model reaches most of the engine.
# Eigen's assertions stay on (no NDEBUG), so an index out of range in Eigen aborts instead of reading past an
# array.
engine_sources=""
for file in "$src"/*.cpp; do
  name=$(basename "$file" .cpp)
  [ "$name" = main ] || engine_sources="$engine_sources $name"
done
pids=""
compile() {
  $CXX $common -fsanitize=fuzzer-no-link $includes -c "$1" -o "$out/obj/$(basename "$1" .cpp).o" &
  pids="$pids $!"
}
for name in $engine_sources; do compile "$src/$name.cpp"; done
for name in fuzz_common fuzz_ini_reader fuzz_data_readers fuzz_read_model; do compile "$here/$name.cpp"; done
failed=0
for pid in $pids; do wait "$pid" || failed=1; done
if [ "$failed" -ne 0 ]; then
  echo "build.sh: compilation failed (see the errors above)" >&2
  exit 1
fi

link() {
  target=$1
  shift
  objects=""
  for name in "$@"; do objects="$objects $out/obj/$name.o"; done
  # shellcheck disable=SC2086
  $CXX $common -fsanitize=fuzzer $objects -L"$tbb_lib" -Wl,-rpath,"$tbb_lib" -ltbb -lpthread -o "$out/$target"
  echo "built $out/$target"
}

link fuzz_ini_reader fuzz_ini_reader fuzz_common ini_reader
link fuzz_data_readers fuzz_data_readers fuzz_common data_readers ini_reader
link fuzz_read_model fuzz_read_model fuzz_common $engine_sources
