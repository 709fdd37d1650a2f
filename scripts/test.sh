#!/usr/bin/env bash
# Builds and runs the whole test suite: unit tests, integration tests with
# real processes, and the official MCP TypeScript SDK client tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
ctest --output-on-failure --timeout 600 -j2
