#!/usr/bin/env bash
# Builds the vCenter simulator (main.go) offline from Debian's packages into OUT (default target/vcsim).
#   apt-get install -y --no-install-recommends golang-go golang-github-vmware-govmomi-dev
# Rebuilds only when main.go is newer than the binary; a cold build takes ~15 s, then ~1 s.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE/target}"
mkdir -p "$OUT"
BIN="$OUT/vcsim"
if [ -x "$BIN" ] && [ "$BIN" -nt "$HERE/main.go" ]; then
  echo "$BIN"
  exit 0
fi
if ! command -v go >/dev/null 2>&1 || [ ! -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ]; then
  echo "tools/vcsim/build.sh: needs Go and govmomi from Debian:" \
    "apt-get install -y --no-install-recommends golang-go golang-github-vmware-govmomi-dev" >&2
  exit 1
fi
# GOPATH mode with Debian's source tree: no module proxy, nothing downloaded.
(cd "$HERE" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= go build -ldflags="-s -w" -o "$BIN.part" .)
mv "$BIN.part" "$BIN"
echo "$BIN"
