#!/usr/bin/env bash
# Starts Podman's Docker-compatible API service (the docker provider's daemon on this host) on a
# unix socket, in the background, with this directory's containers.conf; returns once it answers.
# Usage: tools/podman/start.sh SOCKET PIDFILE [LOG]
#   stop it with: kill "$(cat PIDFILE)"
# The provider's config then says: host: unix://SOCKET
set -euo pipefail

die() { echo "podman/start.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: start.sh SOCKET PIDFILE [LOG]"
SOCKET=$1
PIDFILE=$2
LOG=${3:-/dev/null}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v podman >/dev/null 2>&1 \
  || die "no podman (apt-get install --no-install-recommends podman runc slirp4netns uidmap)"
command -v curl >/dev/null 2>&1 || die "no curl (apt-get install curl)"
export CONTAINERS_CONF=${CONTAINERS_CONF:-$HERE/containers.conf}

mkdir -p "$(dirname "$SOCKET")"
rm -f "$SOCKET"
# --time=0: never exit for being idle (the default ends the service after 5 s without a client).
podman system service --time=0 "unix://$SOCKET" >>"$LOG" 2>&1 &
echo $! > "$PIDFILE"
for _ in $(seq 1 100); do
  if curl -sf --unix-socket "$SOCKET" http://podman/_ping >/dev/null 2>&1; then
    echo "podman service on unix://$SOCKET, pid $(cat "$PIDFILE")"
    exit 0
  fi
  kill -0 "$(cat "$PIDFILE")" 2>/dev/null || die "podman system service exited; see $LOG"
  sleep 0.1
done
kill "$(cat "$PIDFILE")" 2>/dev/null || true
die "podman system service did not answer on $SOCKET within 10 s (stopped it); see $LOG"
