#!/usr/bin/env bash
# Builds the tiny Corral QEMU guest from Debian packages only:
#   OUT_DIR/vmlinuz      Debian cloud kernel, unpacked from its .deb (never installed)
#   OUT_DIR/initrd.img   busybox-static + the virtio/ACPI/fw_cfg modules (uncompressed cpio); mounts /dev/vda
#   OUT_DIR/base.qcow2   ext4 root (busybox init, DHCP, acpid, httpd+CGI agent), 256 MiB virtual
#   OUT_DIR/base.json    {"version":"<VERSION>","date":"<YYYY-MM-DD UTC>"}
# The kernel .deb and its unpacked tree are cached in ${CORRAL_GUEST_CACHE:-~/.cache/corral-guest},
# so a rebuild takes a few seconds and needs no network.
# Usage: tools/guest/build.sh OUT_DIR [VERSION]        (VERSION defaults to 1.0.0)
# Env:   CORRAL_GUEST_KERNEL_PKG  kernel package to use instead of linux-image-cloud-amd64's target
#        CORRAL_GUEST_REFRESH=1   ask apt for the current cloud kernel even when one is cached
set -euo pipefail

die() { echo "build.sh: $*" >&2; exit 1; }
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: build.sh OUT_DIR [VERSION]"
OUT=$1
VERSION=${2:-1.0.0}
[[ $VERSION =~ ^[A-Za-z0-9][A-Za-z0-9._+~-]*$ ]] || die "bad VERSION '$VERSION' (letters, digits, . _ + ~ -)"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${CORRAL_GUEST_CACHE:-$HOME/.cache/corral-guest}
BUSYBOX=/bin/busybox
DISK_SIZE=256M
# Modules the guest needs; their dependencies are added from modules.dep.
MODULES="virtio_pci virtio_blk virtio_net button evdev qemu_fw_cfg"
export PATH="$PATH:/usr/sbin:/sbin"

# ---- tools ----------------------------------------------------------------------------------------
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$1 (apt-get install $2)"); }
need apt-get apt
need apt-cache apt
need dpkg-deb dpkg
need depmod kmod
need modprobe kmod
need cpio cpio
need mkfs.ext4 e2fsprogs
need qemu-img qemu-utils
if ! dpkg -s busybox-static >/dev/null 2>&1 || [ ! -x "$BUSYBOX" ]; then
  missing+=("static $BUSYBOX (apt-get install busybox-static)")
fi
[ "$(id -u)" = 0 ] || missing+=("root (the image's files and /dev/console must be root's: run as root)")
if ((${#missing[@]})); then
  printf 'build.sh: missing:\n' >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 1
fi

now_ms() { echo $(( ${EPOCHREALTIME/[.,]/} / 1000 )); }
T0=$(now_ms)
mkdir -p "$OUT" "$CACHE/debs" "$CACHE/kernels"
OUT=$(cd "$OUT" && pwd)
WORK=$OUT/.work
rm -rf "$WORK"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK"
step() { local t=$(( $(now_ms) - T0 )); printf '[%3d.%03ds] %s\n' $((t / 1000)) $((t % 1000)) "$*"; }

# ---- 1. kernel: resolve, download once, unpack once, depmod once ---------------------------------
cached_kernel() {  # newest complete unpacked kernel in the cache, if any
  local d
  for d in $(ls -d "$CACHE"/kernels/*/ 2>/dev/null | sort -V -r); do
    [ -f "$d/.complete" ] && { basename "$d"; return 0; }
  done
  return 1
}
resolve_kernel() {  # linux-image-cloud-amd64 -> linux-image-<abi>-cloud-amd64 (candidate version)
  apt-cache show --no-all-versions linux-image-cloud-amd64 2>/dev/null \
    | sed -n 's/^Depends:.*\(linux-image-[0-9][^ ,]*-cloud-amd64\).*/\1/p' | sed -n 1p
}
# The newest cached kernel wins: no apt query (apt-cache alone takes ~1 s here), no network.
# CORRAL_GUEST_REFRESH=1 asks apt for the current one.
KPKG=${CORRAL_GUEST_KERNEL_PKG:-}
if [ -z "$KPKG" ] && [ "${CORRAL_GUEST_REFRESH:-0}" != 1 ]; then
  KPKG=$(cached_kernel) || KPKG=
fi
if [ -z "$KPKG" ]; then
  KPKG=$(resolve_kernel)
  if [ -z "$KPKG" ]; then
    step "apt-cache does not know linux-image-cloud-amd64: apt-get update"
    apt-get update -qq || die "apt-get update failed"
    KPKG=$(resolve_kernel)
    [ -n "$KPKG" ] || die "no linux-image-cloud-amd64 in the apt sources (is this Debian amd64?)"
  fi
fi
KDIR=$CACHE/kernels/$KPKG
if [ ! -f "$KDIR/.complete" ]; then
  deb=$(ls "$CACHE/debs/${KPKG}"_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$deb" ]; then
    step "downloading $KPKG"
    if ! (cd "$CACHE/debs" && apt-get download -q -o APT::Sandbox::User=root "$KPKG" >/dev/null); then
      if old=$(cached_kernel); then
        echo "build.sh: warning: cannot download $KPKG, using cached $old" >&2
        KPKG=$old; KDIR=$CACHE/kernels/$KPKG
      else
        die "apt-get download $KPKG failed (network? try apt-get update)"
      fi
    fi
    deb=$(ls "$CACHE/debs/${KPKG}"_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  if [ ! -f "$KDIR/.complete" ]; then
    step "unpacking $(basename "$deb")"
    rm -rf "$KDIR.part"
    dpkg-deb -x "$deb" "$KDIR.part"
    # Newer Debian ships modules under usr/lib (merged /usr); depmod -b wants lib/modules.
    [ -d "$KDIR.part/lib/modules" ] || { [ -d "$KDIR.part/usr/lib/modules" ] && ln -s usr/lib "$KDIR.part/lib"; }
    kver=$(ls "$KDIR.part/lib/modules")
    depmod -b "$KDIR.part" "$kver"
    rm -rf "$KDIR"
    mv "$KDIR.part" "$KDIR"
    touch "$KDIR/.complete"
  fi
fi
KVER=$(ls "$KDIR/lib/modules")
[ -f "$KDIR/boot/vmlinuz-$KVER" ] || die "no boot/vmlinuz-$KVER in $KDIR"
step "kernel $KPKG ($KVER)"

# ---- 2. initramfs: busybox + module closure + /init ----------------------------------------------
IR=$WORK/initramfs
mkdir -p "$IR"/{bin,dev,proc,sys,newroot,lib/modules}
cp "$BUSYBOX" "$IR/bin/busybox"
for a in sh mount umount insmod usleep poweroff sync switch_root echo; do ln -s busybox "$IR/bin/$a"; done
# The kernel opens /dev/console for /init before devtmpfs is mounted.
mknod -m 600 "$IR/dev/console" c 5 1
install -m 0755 "$HERE/initramfs/init" "$IR/init"
: > "$IR/lib/modules/load.list"
for m in $MODULES; do
  modprobe -d "$KDIR" -S "$KVER" --show-depends "$m" || die "module $m not found in $KPKG"
done | awk '$1 == "insmod" && !seen[$2]++ {print $2}' > "$WORK/modules"
while read -r ko; do
  name=$(basename "$ko")
  case $name in
    *.ko) cp "$ko" "$IR/lib/modules/$name" ;;
    *.ko.xz) name=${name%.xz}; xz -dc "$ko" > "$IR/lib/modules/$name" ;;
    *.ko.zst) name=${name%.zst}; zstd -qdc "$ko" > "$IR/lib/modules/$name" ;;
    *) die "unexpected module file $ko" ;;
  esac
  echo "$name" >> "$IR/lib/modules/load.list"
done < "$WORK/modules"
# Uncompressed: the guest kernel's gunzip under TCG cost ~0.6 s of CPU per boot (1.3 vs 2.5 MiB).
(cd "$IR" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$WORK/initrd.img"
step "initramfs: $(wc -l < "$IR/lib/modules/load.list") modules ($(paste -sd' ' "$IR/lib/modules/load.list"))"

# ---- 3. root file system: busybox + the files in rootfs/ -----------------------------------------
RF=$WORK/rootfs
. "$HERE/rootfs.sh"
guest_rootfs "$RF" "$VERSION"
# -E: zero the inode tables and journal now (the qcow2 stays sparse) instead of in every clone.
truncate -s "$DISK_SIZE" "$WORK/root.raw"
mkfs.ext4 -q -F -L corral-root -b 4096 -d "$RF" \
  -E root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0 "$WORK/root.raw" "$DISK_SIZE"
qemu-img convert -f raw -O qcow2 "$WORK/root.raw" "$WORK/base.qcow2"
qemu-img check -q "$WORK/base.qcow2"
step "root file system: ext4 $DISK_SIZE -> qcow2"

# ---- 4. publish (rename each file into place; base.json last) ------------------------------------
cp "$KDIR/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
printf '{"version":"%s","date":"%s"}\n' "$VERSION" "$(date -u +%F)" > "$WORK/base.json"
for f in vmlinuz initrd.img base.qcow2 base.json; do
  chmod 0644 "$WORK/$f"
  mv -f "$WORK/$f" "$OUT/$f"
done
rm -rf "$WORK"
trap - EXIT

step "built version $VERSION in $OUT"
for f in vmlinuz initrd.img base.qcow2 base.json; do
  printf '  %-11s %8s KiB\n' "$f" "$(( $(stat -c %s "$OUT/$f") / 1024 ))"
done
printf '  base.qcow2 allocated %s KiB, virtual %s\n' "$(du -k "$OUT/base.qcow2" | cut -f1)" "$DISK_SIZE"
