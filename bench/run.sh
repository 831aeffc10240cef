#!/usr/bin/env bash
# Builds what the benchmarks need and runs them, printing their figures.
#
#   bench/run.sh                   both benchmarks (ClaimBench for 100, 1000, 10000 ready VMs; FillBench x3)
#   bench/run.sh claim [SIZE...]   ClaimBench only (one JVM per size), e.g. bench/run.sh claim 10000
#   bench/run.sh claim-v3 [SIZE...] the same, through vmpooler's POST /api/v3/vm/<pool> (issue 4)
#   bench/run.sh fill [RUNS] [--same-jvm]
#                                  FillBench only (default 3 runs, each in a fresh JVM; --same-jvm: one JVM)
#   bench/run.sh qemu              issue 5 on real QEMU guests: 4 boots by hand at once (bench/qemu-boots.sh 4,
#                                  the physical limit), then QemuBench: a pool of 4 filled by Corral and one
#                                  preparation chain; not part of the default run
#   bench/run.sh libvirt [RUNS]    a pool of 4 on the libvirt provider (qemu:///system, TCG), RUNS times (default 3):
#                                  4 domains by hand at once (bench/libvirt-boots.sh 4, the physical limit), then
#                                  LibvirtBench in a fresh JVM: Corral fills the pool after start, then empties and
#                                  refills it twice; medians against the by-hand median (target within 15 %). Needs a
#                                  running libvirtd (.ci/run starts one); not part of the default run
#   bench/run.sh docker [RUNS]     issue 21: a pool of 20 containers on the docker provider (Podman's Docker-compatible
#                                  API service), RUNS times (default 3): 20 containers of the guest image created and
#                                  started by hand at once through the same service (bench/docker-starts.sh 20, the
#                                  physical baseline), then DockerBench in a fresh JVM: Corral fills the pool after
#                                  start, then empties and refills it twice; medians against the by-hand median.
#                                  Uses the service on BENCH_DOCKER_HOST (unix://SOCKET; PODMAN_PID its pid, for its
#                                  CPU) or starts its own with tools/podman/start.sh on bench/target/podman/podman.sock
#                                  and stops it at the end; builds the guest image corral-bench-guest:1.0.0 with
#                                  tools/guest/container/build.sh if the daemon lacks it; not part of the default run
#   bench/run.sh reconcile         ReconcileBench (issue 6): reconciling 10,000 VMs on the simulated provider. Two
#                                  JVMs: the default tick/window (30s/10m, 4 ticks: cost per tick only), then
#                                  tick 5s / window 1m (one window of ticks, 3 reconcile-nows, then the lease rate
#                                  idle vs during a reconcile, interleaved); not part of the default run
#   bench/run.sh soak [LIFECYCLES [WARMUP_S]]
#                                  SoakBench (issue 15): VM churn (lease, release, destroy, clone, ready) in the
#                                  embedded default, 4 clients, pool of 40, zero provider delays; per minute the
#                                  lifecycles, rate and live heap after a full GC; at the end the heap bound
#                                  (< 300 MB) and flatness (last tenth within 10 % of the first); default 20,000
#                                  lifecycles (~12 min), 90 s warm-up; not part of the default run
#   bench/run.sh chain [SINGLE_RUNS [PARALLEL_RUNS]]
#                                  ChainBench only (issue 3's preparation chain, 6 steps x 1 s): single-chain
#                                  overhead (default 5 runs) and 20 chains on 2 providers x 2 slots (default 3
#                                  runs), all in one JVM; not part of the default run
#
# Environment: BENCH_SKIP_BUILD=1 reuses the last build (bench/target/build) instead of rebuilding;
# CLAIM_ARGS="--warmup 30 --duration 10 --clients 16" overrides ClaimBench's knobs; RECONCILE_ARGS (e.g.
# "--rounds 5 --phase 30") is added to the second ReconcileBench run;
# BENCH_JAVA_OPTS adds JVM options (e.g. a JFR recording); BENCH_QUIET_WAIT=S (default 180) is how long
# each measurement waits for other processes to go quiet (< 0.25 cores) before it starts anyway.
# Everything listens on 127.0.0.1; data and logs go under bench/target/ (never /tmp).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT_DIR="$(cd "$BENCH_DIR/.." && pwd)"
MODE="${1:-all}"
[ $# -gt 0 ] && shift

mvn_q() {
  # Offline first (everything is normally in ~/.m2 already), online if something is missing.
  mvn -q -B -o "$@" || mvn -q -B "$@"
}

# Build from a private copy of the sources: the reactor of the Corral modules plus bench/ as one more
# module. Nothing is installed into ~/.m2 and no other module's target/ is touched, so a concurrent
# build or test run elsewhere in the tree can neither break this build nor be broken by it.
TARGET="$BENCH_DIR/target"
BUILD="$TARGET/build"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "== building Corral modules and bench (private copy in bench/target/build) =="
  rm -rf "$BUILD/src"
  mkdir -p "$BUILD/src/bench"
  tar -C "$ROOT_DIR" --exclude=target -cf - pom.xml config workflows activities web | tar -C "$BUILD/src" -xf -
  tar -C "$BENCH_DIR" -cf - pom.xml src | tar -C "$BUILD/src/bench" -xf -
  sed -i 's#<module>web</module>#<module>web</module>\n    <module>bench</module>#' "$BUILD/src/pom.xml"
  (cd "$ROOT_DIR" && git log -1 --format='%h %s' 2>/dev/null && git status --short -- pom.xml config workflows activities web 2>/dev/null) \
    > "$BUILD/source-version.txt" || true
  (cd "$BUILD/src" && mvn_q package -DskipTests)
fi
OUT="$BUILD/src/bench/target"
CP="$OUT/classes:$OUT/lib/*"
if ! unzip -l "$OUT"/lib/corral-web-*.jar dev/corral/web/CorralApp.class >/dev/null 2>&1; then
  echo "bench: $OUT/lib/corral-web-*.jar has no CorralApp.class; the build failed" >&2
  exit 1
fi
echo "== sources: $(head -1 "$BUILD/source-version.txt" 2>/dev/null), $(($(wc -l < "$BUILD/source-version.txt") - 1)) uncommitted file(s) =="
mkdir -p "$TARGET/logs"

run_java() { # LOGNAME MAINCLASS ARGS...
  local log="$TARGET/logs/$1.log"; shift
  local main="$1"; shift
  echo "   (app log: $log)"
  # shellcheck disable=SC2086
  java -Xmx1g -Xms1g ${BENCH_JAVA_OPTS:-} \
    -Dbench.target="$TARGET" \
    -Dorg.slf4j.simpleLogger.logFile="$log" \
    -Dorg.slf4j.simpleLogger.showDateTime=true \
    -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \
    -cp "$CP" "dev.corral.bench.$main" "$@"
}

echo "== machine: $(nproc) cores, $(free -m | awk '/^Mem:/{print $2" MB RAM"}'), $(java -version 2>&1 | head -1) =="

status=0
if [ "$MODE" = all ] || [ "$MODE" = claim ] || [ "$MODE" = claim-v3 ]; then
  SIZES=("$@")
  [ ${#SIZES[@]} -gt 0 ] || SIZES=(100 1000 10000)
  API=v1
  [ "$MODE" = claim-v3 ] && API=v3
  for size in "${SIZES[@]}"; do
    echo "== ClaimBench ($API API), $size ready VMs =="
    # shellcheck disable=SC2086
    run_java "claim-$API-$size" ClaimBench --api "$API" --quiet-wait "${BENCH_QUIET_WAIT:-180}" ${CLAIM_ARGS:-} "$size" || status=1
  done
fi
if [ "$MODE" = all ] || [ "$MODE" = fill ]; then
  RUNS=3
  if [ "$MODE" = fill ] && [ $# -gt 0 ]; then RUNS="$1"; shift; fi
  [ "$MODE" = fill ] || set --
  echo "== FillBench, $RUNS runs =="
  run_java fill FillBench "$RUNS" "${BENCH_QUIET_WAIT:-180}" "$@" || status=1
fi
if [ "$MODE" = chain ]; then
  echo "== ChainBench =="
  run_java chain ChainBench "${1:-5}" "${2:-3}" "${BENCH_QUIET_WAIT:-180}" || status=1
fi
if [ "$MODE" = reconcile ]; then
  echo "== ReconcileBench, default tick 30s / window 10m: cost of 4 ticks =="
  run_java reconcile-default ReconcileBench --tick 30s --window 10m --ticks 4 --full 0 --no-lease \
    --quiet-wait "${BENCH_QUIET_WAIT:-180}" || status=1
  echo "== ReconcileBench, tick 5s / window 1m: one window, reconcile-now, lease rate idle vs during a reconcile =="
  # shellcheck disable=SC2086
  run_java reconcile-fast ReconcileBench --tick 5s --window 1m --quiet-wait "${BENCH_QUIET_WAIT:-180}" \
    ${RECONCILE_ARGS:-} || status=1
fi
if [ "$MODE" = soak ]; then
  echo "== SoakBench =="
  run_java soak SoakBench "${1:-20000}" "${2:-90}" "${BENCH_QUIET_WAIT:-180}" || status=1
fi
if [ "$MODE" = qemu ]; then
  GUEST="$TARGET/guest"
  [ -f "$GUEST/base.qcow2" ] || bash "$ROOT_DIR/tools/guest/build.sh" "$GUEST" 1.0.0
  echo "== 4 QEMU boots by hand, at once (the physical limit) =="
  bash "$BENCH_DIR/qemu-boots.sh" 4 128 "$GUEST" || status=1
  echo "== QemuBench =="
  run_java qemu QemuBench "$GUEST" "${BENCH_QUIET_WAIT:-180}" || status=1
fi
if [ "$MODE" = libvirt ]; then
  GUEST="$TARGET/guest"
  [ -f "$GUEST/base.qcow2" ] || bash "$ROOT_DIR/tools/guest/build.sh" "$GUEST" 1.0.0
  echo "== LibvirtBench: ${1:-3} x (4 domains by hand at once with bench/libvirt-boots.sh 4, then Corral) =="
  run_java libvirt LibvirtBench "$GUEST" "${1:-3}" "${BENCH_QUIET_WAIT:-180}" || status=1
fi
if [ "$MODE" = docker ]; then
  export CONTAINERS_CONF="${CONTAINERS_CONF:-$ROOT_DIR/tools/podman/containers.conf}"
  IMAGE=corral-bench-guest:1.0.0
  if [ -n "${BENCH_DOCKER_HOST:-}" ]; then
    DOCKER_HOST_URI=$BENCH_DOCKER_HOST
    SERVICE_PID=${PODMAN_PID:-}
  else
    # Our own API service, stopped (by its pid) when this script ends.
    PODMAN_DIR="$TARGET/podman"
    mkdir -p "$PODMAN_DIR"
    bash "$ROOT_DIR/tools/podman/start.sh" "$PODMAN_DIR/podman.sock" "$PODMAN_DIR/podman.pid" "$PODMAN_DIR/podman.log"
    SERVICE_PID=$(cat "$PODMAN_DIR/podman.pid")
    trap 'kill "$SERVICE_PID" 2>/dev/null || true' EXIT
    DOCKER_HOST_URI="unix://$PODMAN_DIR/podman.sock"
  fi
  [[ $DOCKER_HOST_URI == unix://* ]] || { echo "bench: BENCH_DOCKER_HOST must be unix://SOCKET" >&2; exit 2; }
  if ! curl -sf --unix-socket "${DOCKER_HOST_URI#unix://}" "http://docker/v1.41/images/$IMAGE/json" >/dev/null; then
    bash "$ROOT_DIR/tools/guest/container/build.sh" "$IMAGE" 1.0.0
  fi
  echo "== DockerBench: ${1:-3} x (20 containers by hand at once with bench/docker-starts.sh 20, then Corral) on $DOCKER_HOST_URI =="
  echo "   ($(podman --version 2>/dev/null), runtime $(podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Version}}' 2>/dev/null | head -1))"
  run_java docker DockerBench "$DOCKER_HOST_URI" "$IMAGE" "${1:-3}" "${BENCH_QUIET_WAIT:-180}" "$SERVICE_PID" || status=1
fi
if [ "$MODE" != all ] && [ "$MODE" != claim ] && [ "$MODE" != claim-v3 ] && [ "$MODE" != fill ] && [ "$MODE" != chain ] && [ "$MODE" != qemu ] && [ "$MODE" != libvirt ] && [ "$MODE" != docker ] && [ "$MODE" != reconcile ] && [ "$MODE" != soak ]; then
  echo "usage: bench/run.sh [all | claim [SIZE...] | claim-v3 [SIZE...] | fill [RUNS] [--same-jvm] | chain [SINGLE_RUNS [PARALLEL_RUNS]] | qemu | libvirt [RUNS] | docker [RUNS] | reconcile | soak [LIFECYCLES [WARMUP_S]]]" >&2
  exit 2
fi
exit $status
