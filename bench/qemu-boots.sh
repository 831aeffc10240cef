#!/usr/bin/env bash
# Physical baseline for the VM benchmarks: boots N linked clones of the Corral guest in parallel,
# by hand (no Corral), with exactly the QEMU flags the provider and tools/guest/smoke.sh use
# (tools/guest/lib.sh), waits until every VM printed READY and its agent answers GET /version,
# then prints
#   RESULT qemu-boots n=N wall=<s> cpu=<core-seconds> rss_total=<MiB> per_boot=<s,...>
#     wall       first clone until the last VM's agent answered
#     cpu        user+system time of all QEMU processes at that moment (core-seconds)
#     rss_total  sum of the QEMU processes' RSS at that moment
#     per_boot   per VM: clone + launch + boot until its agent answered, in start order
# and stops and removes all of them. Builds the guest into GUEST_DIR first if it is missing.
# Usage: bench/qemu-boots.sh N [MEM_MB=128] [GUEST_DIR=bench/target/guest]
# Data: bench/target/qemu-boots/ (VM dirs while running; results.log keeps the RESULT lines).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -ge 1 ] && [ $# -le 3 ] && [[ $1 =~ ^[1-9][0-9]*$ ]] \
  || { echo "usage: bench/qemu-boots.sh N [MEM_MB=128] [GUEST_DIR]" >&2; exit 2; }
N=$1
MEM=${2:-128}
G=${3:-$ROOT/bench/target/guest}
. "$ROOT/tools/guest/lib.sh"
guest_check_host

if [ ! -f "$G/base.json" ] || [ ! -f "$G/base.qcow2" ] || [ ! -f "$G/vmlinuz" ] || [ ! -f "$G/initrd.img" ]; then
  echo "qemu-boots: no guest in $G, building it"
  "$ROOT/tools/guest/build.sh" "$G"
fi
G=$(cd "$G" && pwd)
VERSION=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$G/base.json")
DATA=$ROOT/bench/target/qemu-boots
RUNDIR=$DATA/run-$$
mkdir -p "$RUNDIR"

stop_all() {
  local d
  for d in "$RUNDIR"/*/; do
    [ -d "$d" ] && guest_kill "${d%/}" &
  done
  wait
  rm -rf "$RUNDIR"
}
trap stop_all EXIT

# boot_one I: one VM, as the provider does it; writes its time (ms) to VMDIR/boot_ms.
boot_one() {
  local id=qb-$$-$1 d=$RUNDIR/qb-$$-$1 t port v
  t=$(now_ms)
  guest_clone "$G/base.qcow2" "$d"
  guest_launch "$G" "$d" "$id" "$MEM" || { echo "$id: QEMU did not start" >&2; return 1; }
  guest_wait_ready "$d" 600 >/dev/null || { echo "$id: no READY" >&2; tail -n 5 "$d/serial.log" >&2; return 1; }
  port=$(guest_port "$d")
  v=$(curl -sf -m 10 "http://127.0.0.1:$port/version") || { echo "$id: agent does not answer" >&2; return 1; }
  [ "$v" = "$VERSION" ] || { echo "$id: agent says version '$v', want '$VERSION'" >&2; return 1; }
  echo $(( $(now_ms) - t )) > "$d/boot_ms"
}

T0=$(now_ms)
pids=()
for i in $(seq 1 "$N"); do
  boot_one "$i" &
  pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
WALL=$(( $(now_ms) - T0 ))
[ $failed -eq 0 ] || { echo "qemu-boots: some VMs did not come up" >&2; exit 1; }

read -r CPU RSS_KIB < <(python3 "$ROOT/tools/guest/qemuctl.py" stats "$RUNDIR"/*/qemu.pid)
per=()
for i in $(seq 1 "$N"); do per+=("$(secs "$(cat "$RUNDIR/qb-$$-$i/boot_ms")")"); done
LINE="RESULT qemu-boots n=$N wall=$(secs $WALL) cpu=$CPU rss_total=$((RSS_KIB / 1024)) per_boot=$(IFS=,; echo "${per[*]}")"
echo "$LINE"
echo "$(date -u +%FT%TZ) mem=$MEM $LINE" >> "$DATA/results.log"
