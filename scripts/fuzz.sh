#!/usr/bin/env bash
# Builds the protocol fuzzer (clang, ASan + UBSan + libFuzzer) into
# ./build-fuzz and runs it for SECONDS (default 90) on the checked-in seeds.
# Fails on any finding (crash, leak, UB, timeout, out of memory); the input
# that caused it is saved in build-fuzz/artifacts/. Replay one with
#   STOPFRAME_FUZZ_ECHO=1 build-fuzz/fuzz/protocol_fuzzer <file>
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-90}"
if ! [[ "$DURATION" =~ ^[0-9]+$ ]] || [ "$DURATION" -eq 0 ]; then
  echo "usage: $0 [SECONDS]" >&2
  exit 2
fi

# clang and its libFuzzer runtime (Debian bookworm: clang 14).
can_link_fuzzer() {
  command -v clang++ >/dev/null 2>&1 || return 1
  local probe
  probe="$(mktemp -d)"
  echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, long) { return 0; }' \
    >"$probe/probe.cc"
  local ok=0
  clang++ -fsanitize=fuzzer,address,undefined "$probe/probe.cc" \
    -o "$probe/probe" >/dev/null 2>&1 || ok=1
  rm -rf "$probe"
  return "$ok"
}
if ! can_link_fuzzer; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "fuzz.sh: installing clang and libclang-rt-14-dev" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends clang libclang-rt-14-dev
  can_link_fuzzer || { echo "fuzz.sh: clang cannot link libFuzzer" >&2; exit 1; }
fi

cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DSTOPFRAME_FUZZ=ON \
  -DSTOPFRAME_BUILD_TESTS=OFF -DSTOPFRAME_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz --target protocol_fuzzer -j"$(nproc)"

# New inputs go to the first directory, so the scratch corpus comes first and
# the checked-in seeds stay as they are.
SCRATCH=build-fuzz/corpus/protocol
ARTIFACTS=build-fuzz/artifacts
LOG=build-fuzz/protocol_fuzzer.log
mkdir -p "$SCRATCH" "$ARTIFACTS"
before="$(find "$ARTIFACTS" -type f | wc -l)"

# The fuzzer's journal lives here (tmpfs when there is one); a crash leaves
# it behind, so it is removed here rather than by the fuzzer.
TMP_PARENT=/tmp
[ -d /dev/shm ] && TMP_PARENT=/dev/shm
STOPFRAME_FUZZ_TMPDIR="$(mktemp -d "$TMP_PARENT/stopframe-fuzz-run-XXXXXX")"
export STOPFRAME_FUZZ_TMPDIR
trap 'rm -rf "$STOPFRAME_FUZZ_TMPDIR"' EXIT

status=0
# -close_fd_mask=2 silences the gateway's log; libFuzzer's and the
# sanitizers' reports still get through.
build-fuzz/fuzz/protocol_fuzzer \
  -max_total_time="$DURATION" -max_len=65536 -rss_limit_mb=2048 \
  -timeout=60 -close_fd_mask=2 -print_final_stats=1 \
  -dict=fuzz/protocol.dict -artifact_prefix="$ARTIFACTS/" \
  "$SCRATCH" fuzz/corpus/protocol 2>&1 | tee "$LOG" || status=$?

after="$(find "$ARTIFACTS" -type f | wc -l)"
echo
echo "---- protocol_fuzzer summary ----"
grep -E '^#[0-9]+[[:space:]]+DONE' "$LOG" || true
grep -E 'stat::(number_of_executed_units|average_exec_per_sec)' "$LOG" || true
if [ "$status" -ne 0 ] || [ "$after" -ne "$before" ]; then
  echo "FAILED: libFuzzer exited with $status; newest findings:" >&2
  ls -t "$ARTIFACTS" | head -n "$((after - before > 0 ? after - before : 1))" |
    sed "s|^|  $ARTIFACTS/|" >&2
  exit 1
fi
echo "clean: no crash, leak, UB or timeout in ${DURATION}s"
