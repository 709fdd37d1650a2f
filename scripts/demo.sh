#!/usr/bin/env bash
# The main job on the embedded default: a scripted MCP session (official SDK
# client) that fills a sample journal, renders its wrapped video through the
# gateway with a progress bar, and cancels cleanly on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x build/gateway/stopframe-gateway ] || [ ! -d demo/node_modules ]; then
  bash scripts/install-deps.sh
  bash scripts/build.sh
fi
exec node demo/wrapped_demo.mjs "$@"
