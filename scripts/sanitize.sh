#!/usr/bin/env bash
# Builds everything with sanitizers into ./build-MODE and runs the unit and
# integration tests there (real renderer and gateway processes, which inherit
# the sanitizer options). Fails on a failing test or on any sanitizer report
# from any process: reports are written to build-MODE/sanitizer-logs/.
#   asan  AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer
#   tsan  ThreadSanitizer, with Debian's abseil rebuilt instrumented
#         (scripts/tsan-abseil.sh) so that absl::Mutex is visible to it
# The official-SDK client tests are left out (the SDK starts the gateway with
# a cleaned environment, so the sanitizer options would not reach it) and so
# are the benchmark smoke runs and the 500-render soak (it runs in the plain
# build; under the sanitizers it would take most of the CI budget).
# Usage: scripts/sanitize.sh asan|tsan
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

MODE="${1:-}"
case "$MODE" in
  asan) SANITIZE="address,undefined"; EXCLUDE='^sdk_|^bench_|^SoakTest\.' ;;
  tsan) SANITIZE="thread"; EXCLUDE='^sdk_|^bench_|^SoakTest\.' ;;
  *) echo "usage: $0 asan|tsan" >&2; exit 2 ;;
esac
BUILD="$ROOT/build-$MODE"
LOGS="$BUILD/sanitizer-logs"

if [ "$MODE" = tsan ]; then
  bash scripts/tsan-abseil.sh "$BUILD/absl"
  export LD_LIBRARY_PATH="$BUILD/absl/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSTOPFRAME_SANITIZE="$SANITIZE" -DSTOPFRAME_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)"

rm -rf "$LOGS"
mkdir -p "$LOGS"
# Every process writes its reports to LOGS/<tool>.<pid>; none may appear.
export ASAN_OPTIONS="log_path=$LOGS/asan:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:quarantine_size_mb=16"
export UBSAN_OPTIONS="log_path=$LOGS/ubsan:print_stacktrace=1:halt_on_error=1"
# TSan checks every access our code makes; ignore_noninstrumented_modules
# keeps it from judging memcpy/malloc calls made inside Debian's
# uninstrumented gRPC, FFmpeg and x264, whose own synchronization it cannot
# see. tsan.supp names the few gRPC and abseil internals left (and why).
export TSAN_OPTIONS="log_path=$LOGS/tsan:second_deadlock_stack=1:ignore_noninstrumented_modules=1:suppressions=$ROOT/tests/sanitizers/tsan.supp"

status=0
(cd "$BUILD" && ctest --output-on-failure --timeout 900 -j2 -E "$EXCLUDE") || status=$?

if compgen -G "$LOGS/*" >/dev/null; then
  echo "---- sanitizer reports ($MODE) ----" >&2
  for f in "$LOGS"/*; do echo "== $f" >&2; head -n 80 "$f" >&2; done
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "sanitize.sh $MODE: FAILED" >&2
  exit "$status"
fi
echo "sanitize.sh $MODE: all tests passed, no sanitizer reports"
