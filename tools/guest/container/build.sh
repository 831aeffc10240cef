#!/usr/bin/env bash
# Builds the Corral guest as a container image, for the docker provider: the VM guest's root file
# system (../rootfs: busybox httpd + the CGI agent) with a container PID 1 (rootfs/ here) instead of
# busybox init, imported with `podman import` (or `docker import`) from a tar: no registry, no
# network, only Debian's busybox-static.
# Usage: tools/guest/container/build.sh IMAGE [VERSION] [GROUP]
#   IMAGE    the tag to give it, e.g. corral-guest:1.0.0 (a template of the docker provider)
#   VERSION  /etc/template-version and the version label (default 1.0.0)
#   GROUP    the template group label; without it the image belongs to no group
# Env: CORRAL_CONTAINER_CLI  podman (default) or docker; CONTAINERS_CONF as podman reads it.
set -euo pipefail

die() { echo "container/build.sh: $*" >&2; exit 1; }
[ $# -ge 1 ] && [ $# -le 3 ] || die "usage: build.sh IMAGE [VERSION] [GROUP]"
IMAGE=$1
VERSION=${2:-1.0.0}
GROUP=${3:-}
[[ $VERSION =~ ^[A-Za-z0-9][A-Za-z0-9._+~-]*$ ]] || die "bad VERSION '$VERSION' (letters, digits, . _ + ~ -)"
[[ $GROUP =~ ^[A-Za-z0-9._-]*$ ]] || die "bad GROUP '$GROUP' (letters, digits, . _ -)"
CLI=${CORRAL_CONTAINER_CLI:-podman}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GUEST=$(cd "$HERE/.." && pwd)
BUSYBOX=/bin/busybox
command -v "$CLI" >/dev/null 2>&1 || die "no $CLI (apt-get install podman, or set CORRAL_CONTAINER_CLI=docker)"
[ -x "$BUSYBOX" ] && dpkg -s busybox-static >/dev/null 2>&1 \
  || die "needs the static $BUSYBOX (apt-get install busybox-static)"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RF=$WORK/rootfs
# The VM guest's files, with the container's own over them (PID 1 and the power-off).
. "$GUEST/rootfs.sh"
guest_rootfs "$RF" "$VERSION" "$HERE/rootfs"

DATE=$(date -u +%F)
changes=(
  --change 'CMD ["/usr/lib/corral/container-init"]'
  --change "LABEL dev.corral.template.version=$VERSION"
  --change "LABEL dev.corral.template.date=$DATE"
)
[ -n "$GROUP" ] && changes+=(--change "LABEL dev.corral.template.group=$GROUP")
tar -C "$RF" --numeric-owner --owner=0 --group=0 -cf "$WORK/rootfs.tar" .
quiet=(); [ "$(basename "$CLI")" = podman ] && quiet=(--quiet)
"$CLI" import "${quiet[@]}" "${changes[@]}" "$WORK/rootfs.tar" "$IMAGE" >/dev/null
echo "built $IMAGE: version $VERSION, date $DATE${GROUP:+, group $GROUP} ($(( $(stat -c %s "$WORK/rootfs.tar") / 1024 )) KiB)"
