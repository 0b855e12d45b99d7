#!/bin/sh
# Runs one fuzzing harness that build.sh built.
#
#   cpp/fuzz/run.sh NAME [SECONDS] [libFuzzer options...]
#
# NAME is ini_reader, data_readers or read_model; SECONDS defaults to 600. The fuzzer starts from the seeds in
# cpp/fuzz/corpus/NAME and the kept inputs in cpp/fuzz/regressions/NAME, writes the inputs it finds to
# build/fuzz/corpus/NAME and any crashing, leaking or slow input to build/fuzz/artifacts/NAME/. Set
# FUZZ_BUILD_DIR when build.sh was given another output folder.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
name=$1
seconds=${2:-600}
shift
[ $# -gt 0 ] && shift

out=${FUZZ_BUILD_DIR:-"$here/../../build/fuzz"}
case "$name" in
  ini_reader | read_model) dictionary="$here/model.dict" ;;
  data_readers) dictionary="$here/data.dict" ;;
  *)
    echo "run.sh: unknown harness '$name' (expected ini_reader, data_readers or read_model)" >&2
    exit 1
    ;;
esac

mkdir -p "$out/corpus/$name" "$out/artifacts/$name" "$out/tmp"
inputs="$here/corpus/$name"
[ -d "$here/regressions/$name" ] && inputs="$inputs $here/regressions/$name"

export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
# Each harness writes its files into a folder of its own under TMPDIR, here inside the build folder.
export TMPDIR="$out/tmp"
# -timeout turns an input that runs longer than 5 s into a finding, so hangs surface.
# shellcheck disable=SC2086
exec "$out/fuzz_$name" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -dict="$dictionary" \
  -artifact_prefix="$out/artifacts/$name/" -print_final_stats=1 "$@" "$out/corpus/$name" $inputs
