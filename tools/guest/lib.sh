# Host side of the Corral guest, sourced by tools/guest/smoke.sh and bench/qemu-boots.sh.
# It starts a VM the way the Java QEMU provider does, so both scripts measure the same thing.
# One directory per VM: disk.qcow2 (linked clone), serial.log, qmp.sock, qemu.pid.

GUEST_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
QEMUCTL="python3 $GUEST_LIB_DIR/qemuctl.py"
# tcg here (no usable KVM); "kvm" on hosts where it works.
CORRAL_QEMU_ACCEL=${CORRAL_QEMU_ACCEL:-tcg,tb-size=32}

now_ms() { echo $(( ${EPOCHREALTIME/[.,]/} / 1000 )); }
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }   # ms -> s.mmm

guest_check_host() {
  local missing=() t
  for t in qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils python3:python3 curl:curl; do
    command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t%%:*} (apt-get install ${t#*:})")
  done
  if ((${#missing[@]})); then
    printf 'missing: %s\n' "${missing[@]}" >&2
    return 1
  fi
}

# guest_clone BASE_QCOW2 VMDIR: linked clone of BASE_QCOW2 in VMDIR/disk.qcow2 (~10 ms).
guest_clone() {
  local base
  base=$(realpath "$1") || return 1
  mkdir -p "$2"
  qemu-img create -q -f qcow2 -F qcow2 -b "$base" "$2/disk.qcow2"
}

# guest_launch GUEST_DIR VMDIR ID [MEM_MB=128]: start QEMU daemonized on VMDIR/disk.qcow2.
# Returns once QEMU runs (or failed to start, with its error on stderr).
guest_launch() {
  local g=$1 d=$2 id=$3 mem=${4:-128}
  g=$(realpath "$g"); d=$(realpath "$d")
  if [ ${#d} -gt 98 ]; then echo "VM dir path too long for a UNIX socket: $d" >&2; return 1; fi
  rm -f "$d/serial.log" "$d/qmp.sock" "$d/qemu.pid"
  qemu-system-x86_64 \
    -name "guest=$id,process=corral-$id" \
    -machine pc -accel "$CORRAL_QEMU_ACCEL" -cpu max -smp 1 -m "$mem" \
    -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$g/vmlinuz" -initrd "$g/initrd.img" \
    -append "console=ttyS0 quiet loglevel=1 panic=1" \
    -drive "file=$d/disk.qcow2,format=qcow2,if=virtio,cache=writeback,discard=unmap" \
    -netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:0-:80 -device virtio-net-pci,netdev=n0 \
    -chardev "file,id=ser0,path=$d/serial.log" -serial chardev:ser0 \
    -qmp "unix:$d/qmp.sock,server=on,wait=off" \
    -fw_cfg "name=opt/corral/instance-id,string=$id" \
    -pidfile "$d/qemu.pid" -daemonize
}

# pid_running PID: the process exists and is no zombie (init here reaps orphans ~1 s late).
pid_running() {
  local _p _c st
  read -r _p _c st _ 2>/dev/null < "/proc/$1/stat" && [ "$st" != Z ]
}

# guest_wait_ready VMDIR [TIMEOUT_S=120]: wait for the READY line on the serial log, print it.
# Fails if QEMU exits first (kernel panic, init failure) or on timeout. Polls with grep and
# /proc only (no python per poll: the benchmark runs this for N VMs at once).
guest_wait_ready() {
  local d=$1 end=$(( $(now_ms) + ${2:-120} * 1000 )) line pid
  pid=$(cat "$d/qemu.pid") || return 1
  while :; do
    line=$(grep -a -m1 '^READY ' "$d/serial.log" 2>/dev/null || true)
    if [ -n "$line" ]; then printf '%s\n' "${line%$'\r'}"; return 0; fi
    if ! pid_running "$pid"; then
      echo "QEMU exited before READY" >&2; return 1
    fi
    if [ "$(now_ms)" -gt "$end" ]; then echo "no READY after ${2:-120} s" >&2; return 1; fi
    sleep 0.05
  done
}

# guest_port VMDIR: host port forwarded to the guest's port 80 (asked from QEMU over QMP).
guest_port() { $QEMUCTL port "$1/qmp.sock" 80; }

# guest_kill VMDIR: stop a VM at once (QMP quit, else SIGKILL) if it still runs. For cleanup.
guest_kill() {
  local d=$1
  $QEMUCTL alive "$d/qemu.pid" || return 0
  $QEMUCTL quit "$d/qmp.sock" >/dev/null 2>&1 || true
  if ! $QEMUCTL wait-exit "$d/qemu.pid" 5 >/dev/null; then
    $QEMUCTL alive "$d/qemu.pid" && kill -KILL "$(cat "$d/qemu.pid")" 2>/dev/null || true
    $QEMUCTL wait-exit "$d/qemu.pid" 5 >/dev/null || echo "warning: QEMU in $d does not die" >&2
  fi
}
