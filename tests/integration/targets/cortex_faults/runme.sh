#!/usr/bin/env bash
# 200 users created in one bulk task against an emulator that fails 20% of the requests (500, 503, dropped
# connections after the commit, slow answers, failed provisionings): re-running the task until it succeeds
# (at most 6 attempts) must leave every user existing exactly once, Provisioned, and no other user.
# This target starts its own emulator (tools/emulator.sh with --fault-rate 0.2), always stopped on exit.
set -eu

eval "$(sed -n 's/^\(cortex_[a-z_]*\): "\(.*\)"$/export \U\1\E="\2"/p' ../../integration_config.yml)"
: "${CORTEX_EMULATOR_SCRIPT:?not set: run the targets with tools/checks/integration.sh}"
export EMULATOR_PYTHON="${CORTEX_EMULATOR_PYTHON:?}"

FAULT_RATE=${FAULT_RATE:-0.2}
SEED=${SEED:-2026}
state=$(mktemp -d "${OUTPUT_DIR:-${TMPDIR:-/tmp}}/cortex-faults.XXXXXX")
cleanup() {
  "$CORTEX_EMULATOR_SCRIPT" stop "$state" || true
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

env_lines=$("$CORTEX_EMULATOR_SCRIPT" start "$state" --fault-rate "$FAULT_RATE" --seed "$SEED" --delay 0)
eval "$env_lines"  # CORTEX_URL, CORTEX_EMULATOR_BASE... of this emulator
echo "cortex_faults: emulator with --fault-rate $FAULT_RATE --seed $SEED at $CORTEX_URL"

cat >"$state/vars.yml" <<VARS
cortex_url: "$CORTEX_URL"
cortex_username: "$CORTEX_USERNAME"
cortex_password: "$CORTEX_PASSWORD"
cortex_emulator_base: "$CORTEX_EMULATOR_BASE"
VARS

log="$state/output.log"
start=$(date +%s)
rc=0
ANSIBLE_NOCOLOR=1 ansible-playbook faults.yml -e "@$state/vars.yml" "$@" >"$log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
  cat "$log"
  echo "----- emulator log (last 30 lines) -----"
  tail -n 30 "$state/emulator.log" || true
  echo "cortex_faults: FAILED (ansible-playbook exit $rc)"
  exit "$rc"
fi
grep -E '"msg": "cortex_faults:' "$log" | sed 's/^ *"msg": "\(.*\)"$/\1/'
echo "cortex_faults: passed in $(( $(date +%s) - start )) s"
