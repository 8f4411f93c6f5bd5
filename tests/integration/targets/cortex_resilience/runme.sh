#!/usr/bin/env bash
# A slow and flaky Cortex, each scenario against an emulator of its own (`python -m cortex_emulator start`):
#  1. writes answered without a request id (--empty-write-answers, as recorded CPSM answered a user create): the
#     objects are watched through their own status until final, never assumed done;
#  2. the onboarding role with a provisioning delay and one user whose provisioning fails more often than the
#     retries: progress lines are printed while it waits, the other users' mailboxes are provisioned, the summary is
#     printed naming the failure, and the run fails;
#  3. transport: a server that drips its answers is cut off at the deadline; a dead server fails fast.
set -eu
eval "$(python -m cortex_emulator env --from ../../integration_config.yml --format sh)"
emulator=("${CORTEX_EMULATOR_PYTHON:?not set: run the targets with tools/checks/integration.sh}" -m cortex_emulator)
state=$(mktemp -d "${OUTPUT_DIR:-${TMPDIR:-/tmp}}/cortex-resilience.XXXXXX")
cleanup() {
  for dir in "$state"/emulator-*; do [ -d "$dir" ] && "${emulator[@]}" stop --state "$dir" || true; done
  [ -f "$state/drip.pid" ] && kill "$(cat "$state/drip.pid")" 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export ANSIBLE_NOCOLOR=1

start() {  # start NAME [serve options...]: an emulator, its connection in $state/NAME.yml
  local name=$1; shift
  "${emulator[@]}" start --state "$state/emulator-$name" --format yaml --output "$state/$name.yml" "$@"
}

run() {  # run LOG PLAYBOOK [ansible-playbook args...]: the playbook's exit status, its output in LOG
  local log=$1; shift
  local rc=0
  ansible-playbook "$@" >"$log" 2>&1 || rc=$?
  return $rc
}

fail() { cat "$2"; echo "cortex_resilience: FAILED: $1"; exit 1; }

# 1. writes answered without a request id
start empty --empty-write-answers --delay 0.2
run "$state/empty.log" empty.yml -e "@$state/empty.yml" || fail "empty answers" "$state/empty.log"
grep -E '"msg": "cortex_resilience:' "$state/empty.log" | sed 's/^ *"msg": "\(.*\)"$/\1/'

# 2. the role on a slow Cortex, one user failing for good
start slow --delay 0.5 --workers 4
rc=0
run "$state/slow.log" slow.yml -e "@$state/slow.yml" || rc=$?
[ "$rc" -ne 0 ] || fail "the onboarding with a user failing for good should fail" "$state/slow.log"
grep -qE 'ITRES: [0-9]+/[0-9]+ provisioned, [0-9]+ in progress, [0-9]+ failed' "$state/slow.log" \
  || fail "no progress line while waiting" "$state/slow.log"
grep -q 'Client ITRES (Integration Resilience): ' "$state/slow.log" || fail "no summary" "$state/slow.log"
grep -q "FAILED user 'doomed@itres.example'" "$state/slow.log" || fail "the summary does not name the failure" \
  "$state/slow.log"
run "$state/check.log" slow_check.yml -e "@$state/slow.yml" || fail "after the failed user" "$state/check.log"
echo "cortex_resilience: $(grep -cE 'ITRES: [0-9]+/[0-9]+ provisioned' "$state/slow.log") progress line(s); one user" \
  "failed for good, the summary named it, the other users' mailboxes are provisioned"

# 2b. the run's deadline reached with provisioning in progress: each object not confirmed is a failure
start deadline --delay 2 --workers 1
rc=0
run "$state/deadline.log" timeout.yml -e "@$state/deadline.yml" || rc=$?
[ "$rc" -ne 0 ] || fail "a run whose wait timed out should fail" "$state/deadline.log"
grep -qE 'Client ITDLN \(Integration Deadline\): [0-9]+ created, 0 changed, 0 removed, 0 unchanged, [1-9][0-9]* failed' \
  "$state/deadline.log" || fail "the summary does not count the objects not confirmed" "$state/deadline.log"
grep -q 'after wait_timeout=' "$state/deadline.log" || fail "the summary does not say why" "$state/deadline.log"
echo "cortex_resilience: the deadline reached with work in progress: $(grep -oE '[0-9]+ failed' "$state/deadline.log" \
  | head -n 1), the run failed"

# 2c. Cortex lost during the wait: the wait ends at the breaker's time, a failure with what is not confirmed
start outage --delay 30 --workers 1
start_time=$(date +%s)
run "$state/outage.log" outage.yml -e "@$state/outage.yml" -e "outage_state=$state/emulator-outage" \
  || fail "the outage scenario" "$state/outage.log"
grep -E '"msg": "cortex_resilience:' "$state/outage.log" | sed 's/^ *"msg": "\(.*\)"$/\1/'
echo "cortex_resilience: the outage ended the wait in $(( $(date +%s) - start_time )) s, not its wait_timeout of 600 s"

# 3. a dripping server and a dead one
python drip_server.py "$state/drip.port" & echo $! >"$state/drip.pid"
for _ in $(seq 50); do [ -s "$state/drip.port" ] && break; sleep 0.1; done
dead_port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run "$state/transport.log" transport.yml -e "drip_port=$(cat "$state/drip.port") dead_port=$dead_port" \
  || fail "transport" "$state/transport.log"
grep -E '"msg": "cortex_resilience:' "$state/transport.log" | sed 's/^ *"msg": "\(.*\)"$/\1/'
echo "cortex_resilience: passed"
