#!/usr/bin/env bash
# The onboarding role, 200 users with mailboxes, against an emulator that fails 10% of the requests (500, 503, dropped
# connections after the commit, slow answers, failed provisionings): one run must succeed (failed provisioning is
# queued again by the role) and leave every user and mailbox existing exactly once, Provisioned, and nothing else.
# This target starts its own emulator (`python -m cortex_emulator start` with --fault-rate 0.1), always stopped on exit.
set -eu

# The connection of the run's emulator (ansible-test gives a runme.sh a clean environment; see
# tools/checks/integration.sh): here only CORTEX_EMULATOR_PYTHON, the python that runs the emulator.
eval "$(python -m cortex_emulator env --from ../../integration_config.yml --format sh)"
emulator=("${CORTEX_EMULATOR_PYTHON:?not set: run the targets with tools/checks/integration.sh}" -m cortex_emulator)

FAULT_RATE=${FAULT_RATE:-0.1}
SEED=${SEED:-2026}
state=$(mktemp -d "${OUTPUT_DIR:-${TMPDIR:-/tmp}}/cortex-faults.XXXXXX")
cleanup() {
  "${emulator[@]}" stop --state "$state/emulator" || true
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# this emulator's connection, as the playbook's extra vars (cortex_url, cortex_emulator_base...)
"${emulator[@]}" start --state "$state/emulator" --format yaml --output "$state/vars.yml" \
  --fault-rate "$FAULT_RATE" --seed "$SEED" --delay 0
eval "$("${emulator[@]}" env --state "$state/emulator" --format sh)"  # from now on, CORTEX_* are this emulator's
echo "cortex_faults: emulator with --fault-rate $FAULT_RATE --seed $SEED at $CORTEX_URL"

log="$state/output.log"
start=$(date +%s)
rc=0
ANSIBLE_NOCOLOR=1 ansible-playbook faults.yml -e "@$state/vars.yml" "$@" >"$log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
  cat "$log"
  echo "----- emulator log (last 30 lines) -----"
  tail -n 30 "$state/emulator/emulator.log" || true
  echo "cortex_faults: FAILED (ansible-playbook exit $rc)"
  exit "$rc"
fi
grep -E '"msg": "cortex_faults:' "$log" | sed 's/^ *"msg": "\(.*\)"$/\1/'
echo "cortex_faults: passed in $(( $(date +%s) - start )) s"
