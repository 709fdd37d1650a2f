#!/usr/bin/env bash
# ThreadSanitizer cannot see through uninstrumented locks: Debian's abseil is
# built without -fsanitize=thread, so every absl::Mutex (ours and gRPC's)
# would look like no lock at all and every guarded field like a race. This
# rebuilds the exact installed version of Debian's abseil source package with
# -fsanitize=thread, as shared libraries with Debian's sonames, into
# DEST/lib. Putting DEST/lib first on LD_LIBRARY_PATH makes our binaries and
# gRPC's libraries use the instrumented Mutex; nothing else is replaced.
# Usage: scripts/tsan-abseil.sh DEST
set -euo pipefail
DEST="$(realpath -m "${1:?usage: $0 DEST}")"
if compgen -G "$DEST/lib/libabsl_synchronization.so.*" >/dev/null; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
VERSION="$(dpkg-query -W -f='${Version}' libabsl-dev)"

# Source packages come from Debian's own archive; add a deb-src entry for it
# when the machine has none.
if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  $SUDO tee /etc/apt/sources.list.d/stopframe-deb-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  $SUDO apt-get update
fi
command -v dpkg-source >/dev/null || $SUDO apt-get install -y --no-install-recommends dpkg-dev

WORK="$DEST/work"
rm -rf "$WORK"
mkdir -p "$WORK" "$DEST/lib"
(cd "$WORK" && apt-get source --download-only "abseil=$VERSION" >/dev/null 2>&1 &&
  dpkg-source -x ./*.dsc src >/dev/null)

# Same configuration as Debian's shared build (debian/rules), plus TSan.
cmake -S "$WORK/src" -B "$WORK/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_STANDARD=17 -DBUILD_SHARED_LIBS=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread" >/dev/null
cmake --build "$WORK/build" -j"$(nproc)" >/dev/null
find "$WORK/build" -name 'libabsl_*.so.*' -exec cp -a {} "$DEST/lib/" \;
rm -rf "$WORK"
echo "tsan-abseil: instrumented abseil $VERSION in $DEST/lib ($(ls "$DEST/lib" | wc -l) files)"
