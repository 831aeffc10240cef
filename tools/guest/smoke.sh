#!/usr/bin/env bash
# Checks a guest built by build.sh against the guest contract (see README.md), the way the QEMU
# provider drives it. Exits non-zero on the first violation.
#   VM a: linked clone of OUT_DIR/base.qcow2 -> READY (version, instance id) -> every agent
#         endpoint -> configure -> clean -> seal -> QEMU must exit by itself. Its disk is then
#         checked offline (clean ext4, config and version kept, instance state gone), user data
#         is planted in it and it is flattened into a new template (as the template chain does).
#   VM b: linked clone of that template -> READY with the new version, config kept -> clean ->
#         QMP system_powerdown -> QEMU must exit; the disk must have lost the user data.
# Usage: tools/guest/smoke.sh OUT_DIR          (CORRAL_SMOKE_KEEP=1 keeps OUT_DIR/.smoke/<id>)
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: smoke.sh OUT_DIR" >&2; exit 2; }
G=$(cd "$1" && pwd)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export PATH="$PATH:/usr/sbin:/sbin"
guest_check_host
for t in debugfs e2fsck; do
  command -v $t >/dev/null || { echo "missing: $t (apt-get install e2fsprogs)" >&2; exit 1; }
done
for f in vmlinuz initrd.img base.qcow2 base.json; do
  [ -f "$G/$f" ] || { echo "no $G/$f: run tools/guest/build.sh $1 first" >&2; exit 1; }
done
VERSION=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$G/base.json")
NEWVERSION=$VERSION+smoke

RUN=smoke-$$
SMOKE=$G/.smoke
A=$SMOKE/$RUN-a
B=$SMOKE/$RUN-b
FIXTURE=$SMOKE/$RUN-template.qcow2
CURRENT=
T0=$(now_ms)

cleanup() {
  local rc=$? d
  for d in "$A" "$B"; do [ -d "$d" ] && guest_kill "$d"; done
  if [ $rc -ne 0 ] && [ -n "$CURRENT" ] && [ -f "$CURRENT/serial.log" ]; then
    echo "--- serial log of $(basename "$CURRENT") (tail):"
    tail -n 30 "$CURRENT/serial.log" | tr -d '\r'
  fi
  if [ "${CORRAL_SMOKE_KEEP:-0}" = 1 ]; then
    echo "kept $SMOKE/$RUN-*"
  else
    rm -rf "$A" "$B" "$FIXTURE" "$SMOKE/$RUN".*
    rmdir "$SMOKE" 2>/dev/null || true
  fi
  [ $rc -eq 0 ] && echo "PASS smoke $G (version $VERSION) in $(secs $(( $(now_ms) - T0 ))) s" \
                || echo "FAIL smoke $G"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok    $*"; }
expect() {  # expect WHAT ACTUAL EXPECTED
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
  ok "$1"
}

# req METHOD PATH [BODY]: HTTP to the current VM's agent; sets CODE and BODY.
# POST always sends a body (maybe empty, Content-Length: 0), as the provider does.
req() {
  local out data=()
  [ "$1" = POST ] && data=(--data-binary "${3-}")
  out=$(curl -sS -m 10 -X "$1" "${data[@]}" -w '\n%{http_code}' "http://127.0.0.1:$PORT$2") \
    || fail "$1 $2: no HTTP answer"
  CODE=${out##*$'\n'}
  BODY=${out%$'\n'*}
  BODY=${BODY%$'\n'}    # the body's own final newline
}
expect_req() {  # expect_req METHOD PATH BODY WANT_CODE WANT_BODY ('*': any body)
  req "$1" "$2" "$3"
  [ "$CODE" = "$4" ] || fail "$1 $2: HTTP $CODE, want $4 (body: $BODY)"
  [ "$5" = '*' ] || [ "$BODY" = "$5" ] || fail "$1 $2: body '$BODY', want '$5'"
  ok "$1 $2 -> $CODE${5:+ $(printf %s "$BODY" | head -n 1)}"
}

# boot BASE VMDIR ID WANT_VERSION: clone, launch, READY, port; sets PORT and timing vars.
boot() {
  local t line n
  CURRENT=$2
  t=$(now_ms); guest_clone "$1" "$2"; CLONE_MS=$(( $(now_ms) - t ))
  t=$(now_ms); guest_launch "$G" "$2" "$3" || fail "QEMU did not start"
  LAUNCH_MS=$(( $(now_ms) - t ))
  line=$(guest_wait_ready "$2" 120) || fail "$3 never printed READY"
  READY_MS=$(( $(now_ms) - t ))
  [[ $line =~ ^READY\ ([^ ]+)\ ([^ ]+)(\ uptime=([0-9.]+))?$ ]] || fail "malformed READY line: '$line'"
  expect "READY version" "${BASH_REMATCH[1]}" "$4"
  expect "READY instance id" "${BASH_REMATCH[2]}" "$3"
  UPTIME=${BASH_REMATCH[4]:-?}
  PORT=$(guest_port "$2") || fail "no hostfwd port over QMP"
  t=$(now_ms)
  expect_req GET /version '' 200 "$4"
  AGENT_MS=$(( $(now_ms) - t ))
  n=$(grep -ac '^READY ' "$2/serial.log")
  expect "one READY line" "$n" 1
  echo "      $3: clone $CLONE_MS ms, launch $LAUNCH_MS ms, boot-to-READY $(secs $READY_MS) s" \
       "(guest uptime $UPTIME s), first agent answer $AGENT_MS ms, port $PORT"
}

# info_check WANT_VERSION ID WANT_CONFIG_LINES: /cgi-bin/info, exactly.
info_check() {
  req GET /cgi-bin/info
  [ "$CODE" = 200 ] || fail "GET /cgi-bin/info: HTTP $CODE"
  local head tail
  head=$(printf '%s\n' "$BODY" | sed -n 1,3p | sed 's/^uptime=[0-9][0-9.]*$/uptime=N/')
  tail=$(printf '%s\n' "$BODY" | sed -n '4,$p')
  expect "info header" "$head" "$(printf 'version=%s\ninstance=%s\nuptime=N' "$1" "$2")"
  expect "info config" "$tail" "$3"
}

# disk_file RAW PATH: file content from an ext4 image, offline.
disk_file() { debugfs -R "cat $2" "$1" 2>/dev/null; }
disk_ls() { debugfs -R "ls -p $2" "$1" 2>/dev/null | awk -F/ '$6 != "." && $6 != ".." && $6 != "" {print $6}' | sort | paste -sd' '; }
disk_fsck() { e2fsck -fn "$1" >"$1.fsck" 2>&1 || { cat "$1.fsck"; fail "e2fsck: $1 is not clean"; }; ok "e2fsck -fn clean"; }

echo "== VM a: $RUN-a from $G/base.qcow2 (version $VERSION)"
boot "$G/base.qcow2" "$A" "$RUN-a" "$VERSION"
READY_A=$READY_MS
info_check "$VERSION" "$RUN-a" ""
expect_req GET /cgi-bin/configure '' 405 '*'
expect_req GET /cgi-bin/seal '' 405 '*'
expect_req GET /cgi-bin/clean '' 405 '*'
expect_req GET /cgi-bin/run '' 405 '*'
expect_req POST /cgi-bin/run $'echo ran as $(id -u)\necho to-stderr >&2' 200 $'ran as 0\nto-stderr\nexit=0'
expect_req POST /cgi-bin/run $'echo broke\nexit 3' 500 $'broke\nexit=3'
CONFIG=$'role=smoke\nmotd=hello world\n# a comment\n\nurl=http://x/?a=b\n'
expect_req POST /cgi-bin/configure "$CONFIG" 200 "configured bytes=${#CONFIG}"
info_check "$VERSION" "$RUN-a" $'config.role=smoke\nconfig.motd=hello world\nconfig.url=http://x/?a=b'
expect_req POST '/cgi-bin/configure?version=bad%20v' "x=1" 400 '*'
expect_req POST "/cgi-bin/configure?version=$NEWVERSION" "$CONFIG" 200 "configured bytes=${#CONFIG}"
expect_req GET /version '' 200 "$NEWVERSION"
info_check "$NEWVERSION" "$RUN-a" $'config.role=smoke\nconfig.motd=hello world\nconfig.url=http://x/?a=b'
expect_req POST /cgi-bin/clean "" 200 cleaned
info_check "$NEWVERSION" "$RUN-a" $'config.role=smoke\nconfig.motd=hello world\nconfig.url=http://x/?a=b'
expect_req POST /cgi-bin/seal "" 200 sealed
t=$(now_ms)
gone=$($QEMUCTL wait-exit "$A/qemu.pid" 30) || fail "QEMU still runs 30 s after seal"
SEAL_MS=$(( gone - t ))
ok "seal: QEMU exited by itself $(secs $SEAL_MS) s after the reply (0.3 s of it is the guest's delay)"

echo "== offline check of $RUN-a's disk, then make it a template"
qemu-img convert -f qcow2 -O raw "$A/disk.qcow2" "$SMOKE/$RUN.raw"
disk_fsck "$SMOKE/$RUN.raw"
expect "disk /etc/template-version" "$(disk_file "$SMOKE/$RUN.raw" /etc/template-version)" "$NEWVERSION"
expect "disk /etc/corral/config" "$(disk_file "$SMOKE/$RUN.raw" /etc/corral/config)" "${CONFIG%$'\n'}"
expect "disk /var/log after seal" "$(disk_ls "$SMOKE/$RUN.raw" /var/log)" ""
expect "disk /etc/resolv.conf after seal" "$(disk_ls "$SMOKE/$RUN.raw" /etc | tr ' ' '\n' | grep -c '^resolv.conf$' || true)" 0
echo "user data" > "$SMOKE/$RUN.data"
debugfs -w -f - "$SMOKE/$RUN.raw" >/dev/null 2>&1 <<EOF
write $SMOKE/$RUN.data /root/notes.txt
write $SMOKE/$RUN.data /root/.ash_history
mkdir /root/project
write $SMOKE/$RUN.data /root/project/main.c
mkdir /home/alice
write $SMOKE/$RUN.data /home/alice/.bashrc
write $SMOKE/$RUN.data /var/tmp/scratch
write $SMOKE/$RUN.data /var/tmp/.hidden
EOF
expect "planted user data" "$(disk_ls "$SMOKE/$RUN.raw" /root)" ".ash_history .profile notes.txt project"
qemu-img convert -f raw -O qcow2 "$SMOKE/$RUN.raw" "$FIXTURE"
rm -f "$SMOKE/$RUN.raw" "$SMOKE/$RUN.raw.fsck"
ok "flattened into $(basename "$FIXTURE")"

echo "== VM b: $RUN-b from that template (version $NEWVERSION)"
boot "$FIXTURE" "$B" "$RUN-b" "$NEWVERSION"
info_check "$NEWVERSION" "$RUN-b" $'config.role=smoke\nconfig.motd=hello world\nconfig.url=http://x/?a=b'
expect_req POST /cgi-bin/clean "" 200 cleaned
sent=$($QEMUCTL powerdown "$B/qmp.sock") || fail "QMP system_powerdown failed"
gone=$($QEMUCTL wait-exit "$B/qemu.pid" 30) || fail "QEMU still runs 30 s after system_powerdown"
POWEROFF_MS=$(( gone - sent ))
ok "system_powerdown: QEMU exited after $(secs $POWEROFF_MS) s"
grep -aq "^SHUTDOWN $NEWVERSION $RUN-b" "$B/serial.log" || fail "no SHUTDOWN line from the guest's shutdown script"
ok "guest ran its shutdown script"
qemu-img convert -f qcow2 -O raw "$B/disk.qcow2" "$SMOKE/$RUN.raw"
disk_fsck "$SMOKE/$RUN.raw"
expect "disk /root after clean" "$(disk_ls "$SMOKE/$RUN.raw" /root)" ".profile"
expect "disk /home after clean" "$(disk_ls "$SMOKE/$RUN.raw" /home)" ""
expect "disk /var/tmp after clean" "$(disk_ls "$SMOKE/$RUN.raw" /var/tmp)" ""
expect "disk /etc/corral/config after clean" "$(disk_file "$SMOKE/$RUN.raw" /etc/corral/config)" "${CONFIG%$'\n'}"

echo "== timings: clone ${CLONE_MS} ms; boot-to-READY a $(secs $READY_A) s, b $(secs $READY_MS) s;" \
     "seal->exit $(secs $SEAL_MS) s; system_powerdown->exit $(secs $POWEROFF_MS) s"
