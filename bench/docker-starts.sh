#!/usr/bin/env bash
# Physical baseline for DockerBench: N containers of the container guest started by hand through the
# Docker Engine API (Podman's compatible service), all at once, no Corral. Each is what the docker
# provider makes (activities/.../provider/docker/DockerProvider.java with its defaults): create +
# start from IMAGE, named after the VM, hostname the same, CORRAL_INSTANCE_ID=<name> in its
# environment, MEM_MB as memory and memory+swap limit, 1 CPU (NanoCpus), guest port 80 published on
# 127.0.0.1 on a port the daemon picks (read back by inspecting the container). The same three API
# calls the provider makes (create, start, inspect), with curl on the same socket.
# It waits until every container printed `READY <version> <name>` on its output (read from the log
# file the daemon keeps, as it grows, without forking) and its agent answers GET /cgi-bin/info on the
# published port with instance=<its name>, then prints
#   RESULT docker-starts n=N wall=<s> busy=<cores> service_cpu=<core-s> retries=<k> per_container=<s,...>
#     wall           the first create until the last container's agent answered
#     busy           cores the whole machine used meanwhile (the daemon, conmon, runc, the guests,
#                    this script's curl, and whatever else runs)
#     service_cpu    user+system time of the API service process (PODMAN_PID), when given
#     retries        containers made again because their start lost the host port podman picked to
#                    a concurrent start (Podman 4.3 picks it at create, binds it at start)
#     per_container  per container: create + start + inspect + up until its agent answered, in
#                    start order
# and removes every container it made (also when it fails).
# Usage: bench/docker-starts.sh N [MEM_MB=128] [IMAGE=corral-bench-guest:1.0.0]
# Env: DOCKER_SOCKET   the API service's unix socket (default bench/target/podman/podman.sock, as
#                      bench/run.sh docker starts it)
#      PODMAN_PID      the service's pid, for service_cpu (optional)
#      BENCH_QUIET_WAIT=S (default 180): first wait up to S seconds for other processes to use
#                      < 0.25 cores, as the Java benchmarks do.
# Needs curl. The daemon must have IMAGE (tools/guest/container/build.sh IMAGE builds it).
# Data: bench/target/docker-starts/results.log keeps the RESULT lines.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -ge 1 ] && [ $# -le 3 ] && [[ $1 =~ ^[1-9][0-9]*$ ]] \
  || { echo "usage: bench/docker-starts.sh N [MEM_MB=128] [IMAGE]" >&2; exit 2; }
N=$1
MEM=${2:-128}
IMAGE=${3:-corral-bench-guest:1.0.0}
SOCK=${DOCKER_SOCKET:-$ROOT/bench/target/podman/podman.sock}
SOCK=${SOCK#unix://}
API=http://docker/v1.41
command -v curl >/dev/null 2>&1 || { echo "missing: curl" >&2; exit 1; }
api() { curl -sS --unix-socket "$SOCK" "$@"; }
api -f "$API/_ping" >/dev/null 2>&1 \
  || { echo "docker-starts: no API service answers on $SOCK (tools/podman/start.sh starts one)" >&2; exit 1; }
api -f "$API/images/$IMAGE/json" >/dev/null 2>&1 \
  || { echo "docker-starts: the daemon has no image $IMAGE (tools/guest/container/build.sh $IMAGE)" >&2; exit 1; }

DATA=$ROOT/bench/target/docker-starts
RUNDIR=$DATA/run-$$
mkdir -p "$RUNDIR"
TAG=docker-starts-$$
names=()
for i in $(seq 1 "$N"); do names+=("ds-$$-$i"); done

pids=()
cleanup() {
  local p n
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait
  for n in "${names[@]}"; do
    api -o /dev/null -X DELETE "$API/containers/$n?force=1&v=1" 2>/dev/null &
  done
  wait
  # Whatever is left of this run's label (a create that raced the above).
  local left
  left=$(api "$API/containers/json?all=1&filters=%7B%22label%22%3A%5B%22dev.corral.bench%3D$TAG%22%5D%7D" 2>/dev/null \
    | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4) || true
  for n in $left; do api -o /dev/null -X DELETE "$API/containers/$n?force=1&v=1" 2>/dev/null || true; done
  rm -rf "$RUNDIR"
}
trap cleanup EXIT

MEM_BYTES=$((MEM * 1024 * 1024))

# ms: the time in ms in REPLY, without forking (the wait loops below run N at once on 2 cores).
ms() { local t=${EPOCHREALTIME/[.,]/}; REPLY=$((t / 1000)); }

# start_one I: one container, as the provider makes it; writes its time (ms) to RUNDIR/NAME.ms.
start_one() {
  local name=${names[$1 - 1]} try t out port logpath lfd nap line part buf info end v id rest
  ms; t=$REPLY
  end=$((t + 120000))
  for ((try = 0; ; try++)); do
    out=$(api -H 'Content-Type: application/json' -d @- "$API/containers/create?name=$name" <<EOF
{"Image":"$IMAGE","Hostname":"$name","Env":["CORRAL_INSTANCE_ID=$name"],
 "Labels":{"dev.corral.bench":"$TAG"},
 "ExposedPorts":{"80/tcp":{}},
 "HostConfig":{"Memory":$MEM_BYTES,"MemorySwap":$MEM_BYTES,"NanoCpus":1000000000,
   "PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]}}}
EOF
    ) || { echo "$name: create failed" >&2; return 1; }
    [[ $out == *'"Id":'* ]] || { echo "$name: create failed: $out" >&2; return 1; }
    out=$(api -w '%{http_code}' -X POST "$API/containers/$name/start") || { echo "$name: start failed" >&2; return 1; }
    [[ $out == *204 || $out == *304 ]] && break
    # Podman 4.3 picks the free host port at create and binds it at start: with many creates at
    # once, two can pick the same port and the second start fails. Made again, as Corral's shepherd
    # clones again after a failed clone; counted in retries=.
    if [[ $out == *"address already in use"* ]] && ((try < 3)); then
      echo "$name: start failed (host port taken by a concurrent start), making it again" >&2
      api -o /dev/null -X DELETE "$API/containers/$name?force=1&v=1" || true
      echo $((try + 1)) > "$RUNDIR/$name.retries"
      continue
    fi
    echo "$name: start failed: $out" >&2
    return 1
  done
  out=$(api "$API/containers/$name/json") || { echo "$name: inspect failed" >&2; return 1; }
  [[ $out =~ \"HostPort\":\"([0-9]+)\" ]] || { echo "$name: no published port in its inspect" >&2; return 1; }
  port=${BASH_REMATCH[1]}
  [[ $out =~ \"LogPath\":\"([^\"]+)\" ]] || { echo "$name: no LogPath in its inspect" >&2; return 1; }
  logpath=${BASH_REMATCH[1]}
  # The READY line, read as it is written (k8s-file: "<time> stdout F <line>"). Every 20 ms wait is
  # a read with a timeout on a pipe nothing writes to: no process is forked while N start.
  exec {nap}<> <(:)
  until [ -e "$logpath" ]; do
    ms; ((REPLY < end)) || { echo "$name: no log file $logpath" >&2; return 1; }
    read -r -t 0.02 -u "$nap" _ || :
  done
  exec {lfd}< "$logpath"
  buf=""
  while :; do
    if IFS= read -r -u "$lfd" part; then
      line=${buf}${part}
      buf=""
      read -r _ _ _ rest <<< "$line"
      [[ $rest == "READY "* ]] && break
      continue
    fi
    buf+=$part
    ms; ((REPLY < end)) || { echo "$name: no READY in $logpath" >&2; tail -n 5 "$logpath" >&2; return 1; }
    read -r -t 0.02 -u "$nap" _ || :
  done
  read -r _ v id _ <<< "$rest"
  [ "$id" = "$name" ] || { echo "$name: its output says READY for '$id'" >&2; return 1; }
  # Its agent, on the published port (the guest prints READY once it listens: the first try answers).
  until info=$(curl -sf -m 2 "http://127.0.0.1:$port/cgi-bin/info") \
      && [[ $'\n'$info$'\n' == *$'\n'"instance=$name"$'\n'* ]]; do
    ms
    ((REPLY < end)) || { echo "$name: agent on 127.0.0.1:$port does not answer as $name: ${info:-nothing}" >&2; return 1; }
    read -r -t 0.02 -u "$nap" _ || :
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
# Ticks of user+system time of process $1 (0 when it is gone or not given).
proc_ticks() {
  local stat f
  [ -n "${1:-}" ] && stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  read -r -a f <<< "$stat"
  echo $((f[11] + f[12]))
}
# centi CENTI: 27 -> 0.27
centi() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# Wait (at most BENCH_QUIET_WAIT s) until the machine's other processes use < 0.25 cores.
quiet_end=$((SECONDS + ${BENCH_QUIET_WAIT:-180}))
told=0
while :; do
  a=$(busy_ticks); sleep 1; b=$(busy_ticks)
  if ((b - a < 25 || SECONDS >= quiet_end)); then
    if ((told || b - a >= 25)); then
      echo "docker-starts: other processes now use $(centi $((b - a))) cores$( ((b - a >= 25)) && echo ' (gave up waiting for a quiet machine)')"
    fi
    break
  fi
  if ((!told)); then
    echo "docker-starts: other processes use $(centi $((b - a))) cores; waiting up to ${BENCH_QUIET_WAIT:-180} s for a quiet machine"
    told=1
  fi
done

S0=$(proc_ticks "${PODMAN_PID:-}")
B0=$(busy_ticks)
ms; T0=$REPLY
for i in $(seq 1 "$N"); do
  start_one "$i" &
  pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
ms; WALL=$((REPLY - T0))
B1=$(busy_ticks)
S1=$(proc_ticks "${PODMAN_PID:-}")
pids=()
[ $failed -eq 0 ] || { echo "docker-starts: some containers did not come up" >&2; exit 1; }

per=()
retries=0
for n in "${names[@]}"; do
  per+=("$(secs "$(cat "$RUNDIR/$n.ms")")")
  if [ -f "$RUNDIR/$n.retries" ]; then retries=$((retries + $(cat "$RUNDIR/$n.retries"))); fi
done
BUSY=$(( (B1 - B0) * 1000 / WALL ))
LINE="RESULT docker-starts n=$N wall=$(secs $WALL) busy=$(centi $BUSY) service_cpu=$(centi $((S1 - S0))) retries=$retries per_container=$(IFS=,; echo "${per[*]}")"
echo "$LINE"
echo "$(date -u +%FT%TZ) mem=$MEM image=$IMAGE $LINE" >> "$DATA/results.log"
