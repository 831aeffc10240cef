# The guest's root file system, the same for the VM disk (build.sh) and the container image
# (container/build.sh): sourced by both.

# guest_rootfs DIR VERSION [OVERLAY]: busybox-static with a link for each applet, the files of
# rootfs/ with OVERLAY's files over them (the container's PID 1), and VERSION in
# /etc/template-version.
guest_rootfs() {
  local rf=$1 version=$2 overlay=${3:-} here a
  local busybox=${BUSYBOX:-/bin/busybox}
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  mkdir -p "$rf"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,run,tmp,home,mnt,var/log,var/tmp,etc/corral}
  chmod 1777 "$rf/tmp" "$rf/var/tmp"
  cp -a "$here/rootfs/." "$rf/"
  if [ -n "$overlay" ]; then cp -a "$overlay/." "$rf/"; fi
  chmod 0700 "$rf/root"
  cp "$busybox" "$rf/bin/busybox"
  for a in $("$busybox" --list-full); do
    [ -e "$rf/$a" ] || [ -L "$rf/$a" ] || ln -s /bin/busybox "$rf/$a"
  done
  echo "$version" > "$rf/etc/template-version"
  chmod 0755 "$rf"/etc/init.d/* "$rf"/etc/udhcpc.script \
    "$rf"/usr/lib/corral/shutdown "$rf"/var/www/cgi-bin/*
}
