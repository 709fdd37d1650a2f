#!/usr/bin/env bash
# Installs everything stopframe needs on Debian bookworm (run as root or with
# sudo): the build toolchain, gRPC/Protobuf/Abseil, FFmpeg libs + libx264,
# FreeType + DejaVu fonts, SQLite, GoogleTest, Google Benchmark and gnuplot
# (scripts/bench.sh), ffprobe and openssl (it makes the TLS test
# certificates) for the tests, Node.js for the official MCP SDK client, then
# the npm packages the tests and the demo use (versions pinned by their
# package-lock.json files).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev sqlite3
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libx264-dev
  libfreetype-dev fonts-dejavu-core ffmpeg openssl gnuplot-nox
)
# Keep a Node.js that is already there (e.g. from NodeSource); Debian's
# nodejs and npm packages conflict with it.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}"

npm ci --prefix tests/clients --no-audit --no-fund
npm ci --prefix demo --no-audit --no-fund
# Reference servers on the official SDK for the benchmarks (bench/node).
npm ci --prefix bench/node --no-audit --no-fund
