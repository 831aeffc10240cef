#!/usr/bin/env bash
# Physical baseline for LibvirtBench: N domains defined and started by hand through libvirt
# (qemu:///system), all at once, no Corral. Each VM is what the libvirt provider makes
# (activities/.../provider/libvirt/DomainXml.java with its defaults): a linked-clone qcow2 volume
# backed by base.qcow2 in a transient dir storage pool, direct kernel boot, the instance id through
# <sysinfo type='fwcfg'>, the console on a pty logged to a file, user-mode networking through
# <qemu:commandline> with a fixed 127.0.0.1 forward to guest port 80, TCG, 128 MiB, 1 vCPU.
# It waits until every guest printed READY on its console and its agent answers
# GET /cgi-bin/info with instance=<its name>, then prints
#   RESULT libvirt-boots n=N wall=<s> cpu=<core-seconds> rss_total=<MiB> per_vm=<s,...> others=<cores>
#     wall       first vol-create until the last VM's agent answered
#     cpu        user+system time of the N QEMU processes at that moment (core-seconds)
#     rss_total  sum of their RSS at that moment
#     per_vm     per VM: vol-create + define + start + boot until its agent answered, in start order
#     others     cores the machine used meanwhile besides those QEMUs (libvirtd, this script's virsh
#                and curl, and whatever else runs); NOISY after it above 0.25
# and destroys, undefines and deletes everything, and removes the pool (also when it fails).
# Uses the guest tools/guest/build.sh made in GUEST_DIR (building it if it is missing).
# Usage: bench/libvirt-boots.sh N [MEM_MB=128] [GUEST_DIR=bench/target/guest]
# Env: BENCH_QUIET_WAIT=S (default 180): first wait up to S seconds for other processes to use
# < 0.25 cores, as the Java benchmarks do.
# Needs a running libvirtd (.ci/run starts one) and virsh, python3, curl.
# Data: bench/target/libvirt-boots/ (pool, console logs while running; results.log keeps the
# RESULT lines).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -ge 1 ] && [ $# -le 3 ] && [[ $1 =~ ^[1-9][0-9]*$ ]] \
  || { echo "usage: bench/libvirt-boots.sh N [MEM_MB=128] [GUEST_DIR]" >&2; exit 2; }
N=$1
MEM=${2:-128}
G=${3:-$ROOT/bench/target/guest}
URI=qemu:///system
. "$ROOT/tools/guest/lib.sh"
guest_check_host
command -v virsh >/dev/null 2>&1 || { echo "missing: virsh (apt-get install libvirt-clients)" >&2; exit 1; }
virsh -c "$URI" version >/dev/null 2>&1 \
  || { echo "libvirt-boots: no libvirtd answers at $URI (start virtlogd and libvirtd as .ci/run does)" >&2; exit 1; }
vsh() { virsh -q -c "$URI" "$@"; }

if [ ! -f "$G/base.json" ] || [ ! -f "$G/base.qcow2" ] || [ ! -f "$G/vmlinuz" ] || [ ! -f "$G/initrd.img" ]; then
  echo "libvirt-boots: no guest in $G, building it"
  "$ROOT/tools/guest/build.sh" "$G"
fi
G=$(cd "$G" && pwd)
VERSION=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$G/base.json")
DATA=$ROOT/bench/target/libvirt-boots
RUNDIR=$DATA/run-$$
POOL=lb-$$
POOLDIR=$RUNDIR/pool
CONSOLE=$RUNDIR/console
SCOPE=libvirt-boots-$$
names=()
for i in $(seq 1 "$N"); do names+=("lb-$$-$i"); done

# ours NAME...: those of the names libvirt has (as domains or pools); fails while libvirtd does not
# answer (tests running on the same host restart it).
ours() {
  local all
  all=$( (vsh list --all --name && vsh pool-list --all --name) | sed 's/ *$//') || return 1
  grep -x -F -f <(printf '%s\n' "$@") <<< "$all" || true
}
pids=()
cleanup() {
  local try left n p
  # The VMs still being made first, so that none is defined behind the clean-up's back.
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait
  # Retried for a minute: libvirtd may be restarting, and a domain it never saw removed stays.
  for ((try = 0; try < 60; try++)); do
    if left=$(ours "${names[@]}" "$POOL"); then
      [ -z "$left" ] && break
      for n in $left; do
        if [ "$n" = "$POOL" ]; then
          vsh pool-destroy "$POOL" >/dev/null 2>&1 &
        else
          (vsh destroy "$n" || true; vsh undefine "$n") >/dev/null 2>&1 &
        fi
      done
      wait
    else
      left="(libvirtd does not answer)"
    fi
    sleep 1
  done
  if [ -n "$left" ]; then
    echo "libvirt-boots: could not remove $(echo $left); $RUNDIR is kept" >&2
  else
    rm -rf "$RUNDIR"
  fi
}
trap cleanup EXIT

# QEMU runs as libvirt-qemu: every directory down to the images must be traversable by it.
mkdir -p "$POOLDIR" "$CONSOLE"
chmod 755 "$DATA" "$RUNDIR" "$POOLDIR"
cp "$G/base.qcow2" "$POOLDIR/base.qcow2"
chmod 444 "$POOLDIR/base.qcow2"
vsh pool-create-as "$POOL" dir --target "$POOLDIR" >/dev/null
CAPACITY=$(vsh vol-info --pool "$POOL" base.qcow2 --bytes | awk '/^Capacity:/{print $2}')
# One free loopback port per VM, fixed in its definition as the provider does.
read -r -a PORTS < <(python3 -c '
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$N")

# domain_xml NAME DISK LOG PORT: DomainXml.of for the provider's defaults (tcg, user network).
domain_xml() {
  local name=$1 disk=$2 log=$3 port=$4
  cat <<EOF
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$name</name>
  <metadata><corral:vm xmlns:corral='https://corral.dev/xmlns/libvirt/vm/1'><corral:scope>$SCOPE</corral:scope><corral:template>base</corral:template><corral:created>$(date -u +%FT%T.%3NZ)</corral:created><corral:port name='agent' host='$port'/></corral:vm></metadata>
  <memory unit='MiB'>$MEM</memory>
  <vcpu>1</vcpu>
  <sysinfo type='fwcfg'><entry name='opt/corral/instance-id'>$name</entry></sysinfo>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>$G/vmlinuz</kernel><initrd>$G/initrd.img</initrd><cmdline>console=ttyS0 quiet loglevel=1 panic=1</cmdline></os>
  <features><acpi/><tcg><tb-cache unit='MiB'>32</tb-cache></tcg></features>
  <cpu mode='maximum'/>
  <on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2' discard='unmap'/><source file='$disk'/><target dev='vda' bus='virtio'/></disk>
    <serial type='pty'><log file='$log' append='off'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-netdev'/><qemu:arg value='user,id=corral-n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:80'/>
    <qemu:arg value='-device'/><qemu:arg value='virtio-net-pci,netdev=corral-n0,bus=pci.0,addr=0x1e'/>
  </qemu:commandline>
</domain>
EOF
}

# ms: the time in ms in REPLY, without forking (the wait loops below run N at once on 2 cores).
ms() { local t=${EPOCHREALTIME/[.,]/}; REPLY=$((t / 1000)); }

# boot_one I: one VM, as the provider does it; writes its time (ms) to RUNDIR/NAME.ms.
boot_one() {
  local name=${names[$1 - 1]} port=${PORTS[$1 - 1]} t vol disk log pidf pid line part buf info
  local end next_check nap lfd v id
  ms; t=$REPLY
  vol=corral-vm.$name.qcow2
  disk=$POOLDIR/$vol
  log=$CONSOLE/$name.console.log
  pidf=/run/libvirt/qemu/$name.pid
  printf "<volume><name>%s</name><capacity unit='bytes'>%s</capacity><target><format type='qcow2'/></target><backingStore><path>%s</path><format type='qcow2'/></backingStore></volume>" \
    "$vol" "$CAPACITY" "$POOLDIR/base.qcow2" > "$RUNDIR/$name.vol.xml"
  vsh vol-create "$POOL" "$RUNDIR/$name.vol.xml" >/dev/null || { echo "$name: vol-create failed" >&2; return 1; }
  domain_xml "$name" "$disk" "$log" "$port" > "$RUNDIR/$name.xml"
  vsh define "$RUNDIR/$name.xml" >/dev/null || { echo "$name: define failed" >&2; return 1; }
  vsh start "$name" >/dev/null || { echo "$name: start failed" >&2; return 1; }
  end=$((t + 600000))
  # libvirt writes the pid without a newline: read fails at the end of the file but sets pid.
  read -r pid < "$pidf" || [[ $pid =~ ^[0-9]+$ ]] || { echo "$name: no QEMU pid in $pidf" >&2; return 1; }
  # The READY line, read as it is written. Every 50 ms wait is a read with a timeout on a pipe
  # nothing writes to: no process is forked while N VMs boot on 2 cores.
  exec {nap}<> <(:)
  exec {lfd}< "$log" || { echo "$name: no console log $log" >&2; return 1; }
  buf=""
  next_check=0
  while :; do
    if IFS= read -r -u "$lfd" part; then
      line=${buf}${part%$'\r'}
      buf=""
      [[ $line == "READY "* ]] && break
      continue
    fi
    buf+=$part
    ms
    if ((REPLY >= next_check)); then
      pid_running "$pid" || { echo "$name: QEMU exited before READY" >&2; tail -n 5 "$log" >&2; return 1; }
      ((REPLY < end)) || { echo "$name: no READY" >&2; tail -n 5 "$log" >&2; return 1; }
      next_check=$((REPLY + 1000))
    fi
    read -r -t 0.05 -u "$nap" _ || :
  done
  read -r _ v id _ <<< "$line"
  [ "$id" = "$name" ] || { echo "$name: the console says READY for '$id'" >&2; return 1; }
  [ "$v" = "$VERSION" ] || { echo "$name: the console says version '$v', want '$VERSION'" >&2; return 1; }
  # Its agent, through the forward (it runs before READY is printed: the first try answers).
  until info=$(curl -sf -m 2 "http://127.0.0.1:$port/cgi-bin/info") \
      && [[ $'\n'$info$'\n' == *$'\n'"instance=$name"$'\n'* ]]; do
    ms
    ((REPLY < end)) || { echo "$name: agent on 127.0.0.1:$port does not answer as $name: ${info:-nothing}" >&2; return 1; }
    read -r -t 0.05 -u "$nap" _ || :
  done
  ms
  echo $((REPLY - t)) > "$RUNDIR/$name.ms"
}

# Busy time of all CPUs in USER_HZ ticks (1/100 s): everything but idle and iowait.
busy_ticks() {
  local _cpu u n sy _idle _iowait irq sirq st
  read -r _cpu u n sy _idle _iowait irq sirq st _ < /proc/stat
  echo $((u + n + sy + irq + sirq + st))
}
# centi CENTICORES: 27 -> 0.27
centi() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }
# Wait (at most BENCH_QUIET_WAIT s) until the machine's other processes use < 0.25 cores.
quiet_end=$((SECONDS + ${BENCH_QUIET_WAIT:-180}))
told=0
while :; do
  a=$(busy_ticks); sleep 1; b=$(busy_ticks)
  if ((b - a < 25 || SECONDS >= quiet_end)); then
    if ((told || b - a >= 25)); then
      echo "libvirt-boots: other processes now use $(centi $((b - a))) cores$( ((b - a >= 25)) && echo ' (gave up waiting for a quiet machine)')"
    fi
    break
  fi
  if ((!told)); then
    echo "libvirt-boots: other processes use $(centi $((b - a))) cores; waiting up to ${BENCH_QUIET_WAIT:-180} s for a quiet machine"
    told=1
  fi
done

B0=$(busy_ticks)
ms; T0=$REPLY
for i in $(seq 1 "$N"); do
  boot_one "$i" &
  pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
ms; WALL=$((REPLY - T0))
B1=$(busy_ticks)
[ $failed -eq 0 ] || { echo "libvirt-boots: some VMs did not come up" >&2; exit 1; }

pidfiles=()
for n in "${names[@]}"; do pidfiles+=("/run/libvirt/qemu/$n.pid"); done
read -r CPU RSS_KIB < <(python3 "$ROOT/tools/guest/qemuctl.py" stats "${pidfiles[@]}")
per=()
for n in "${names[@]}"; do per+=("$(secs "$(cat "$RUNDIR/$n.ms")")"); done
# Other cores: the machine's busy time less the QEMUs' (all of which falls in the wall time).
OTHERS=$(( ( (B1 - B0) - 10#${CPU%.*}${CPU#*.} ) * 1000 / WALL ))
((OTHERS > 0)) || OTHERS=0
NOISY=""
((OTHERS <= 25)) || NOISY=" NOISY"
LINE="RESULT libvirt-boots n=$N wall=$(secs $WALL) cpu=$CPU rss_total=$((RSS_KIB / 1024)) per_vm=$(IFS=,; echo "${per[*]}") others=$(centi $OTHERS)$NOISY"
echo "$LINE"
echo "$(date -u +%FT%TZ) mem=$MEM $LINE" >> "$DATA/results.log"
