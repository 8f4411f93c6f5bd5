#!/usr/bin/env bash
# Integration tests (tests/integration/targets/) against a Cortex emulator started for the run.
#
# Starts the emulator (`python -m cortex_emulator start`) on a free loopback port with a fresh database, makes a
# collection tree of its own for this run (in a temporary directory: two runs at once in one checkout do not meet, and
# nothing is written into the repository), writes tests/integration/integration_config.yml into that tree (the
# launcher's `env --format yaml`) and runs `ansible-test integration --local --python 3.11` there, with .venv's python.
# The emulator is always stopped and the temporary directory removed (INTEGRATION_KEEP=1 keeps it, with the emulator's
# log and ansible-test's output).
#
# Variables the targets get, in integration_config.yml (ansible-test passes it to role targets as extra vars):
#   cortex_url cortex_username cortex_password    the CortexAPI and the demo partner
#   cortex_emulator_base                           http://127.0.0.1:PORT, for /_emulator/stats and /_emulator/fail-next
#   cortex_emulator_state                          the emulator's state directory
#   cortex_emulator_python                         a python that can run `-m cortex_emulator` (a target's own emulator)
# ansible-test runs runme.sh targets with a clean environment (only PATH, HOME and ansible's own variables): the
# CORTEX_* variables exported below do NOT reach them. A runme.sh reads them from the config file, which ansible-test
# copies two levels up from the target's working directory, through the launcher (ansible-test's `python` is .venv's):
#   eval "$(python -m cortex_emulator env --from ../../integration_config.yml --format sh)"
# (this sets CORTEX_URL, CORTEX_USERNAME, CORTEX_PASSWORD, CORTEX_EMULATOR_BASE, CORTEX_EMULATOR_PYTHON, ...).
#
# Extra arguments go to ansible-test: `tools/checks/integration.sh cortex_tenant` runs one target, `-v` is verbose.
# The output is shown on failure, or always with CHECK_VERBOSE=1.
source "$(dirname "$0")/common.sh"

shopt -s nullglob
targets=(tests/integration/targets/*/)
if [ ${#targets[@]} -eq 0 ]; then
  die "integration: no target in tests/integration/targets/ (a check with nothing to run cannot fail)"
fi

state=$(mktemp -d "${TMPDIR:-/tmp}/cortex-integration.XXXXXX")
cleanup() {
  "$PY" -m cortex_emulator stop --state "$state/emulator" || true
  if [ "${INTEGRATION_KEEP:-0}" = 1 ]; then echo "integration: kept $state" >&2; else rm -rf "$state"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

env_lines=$("$PY" -m cortex_emulator start --state "$state/emulator" --delay 0.05 --format sh) \
  || die "the emulator did not start"
eval "$env_lines"  # CORTEX_URL, CORTEX_USERNAME, CORTEX_PASSWORD, CORTEX_EMULATOR_BASE, CORTEX_EMULATOR_PYTHON...

tree=$("$PY" "$ROOT/tools/collection-tree.py" --quiet --dest "$state/collections")
"$PY" -m cortex_emulator env --state "$state/emulator" --format yaml \
  --output "$tree/tests/integration/integration_config.yml"

cd "$tree"

log="$state/ansible-test.log"
rc=0
if [ "${CHECK_VERBOSE:-0}" = 1 ]; then
  ansible-test integration --local --python 3.11 --color no "$@" 2>&1 | tee "$log" || rc=$?
else
  ansible-test integration --local --python 3.11 --color no "$@" >"$log" 2>&1 || rc=$?
fi
ran=$(grep -cE '^Running [^ ]+ integration test (role|script|playbook)' "$log" || true)
if [ $rc -ne 0 ]; then
  [ "${CHECK_VERBOSE:-0}" = 1 ] || cat "$log" >&2
  echo "----- emulator log (last 50 lines) -----" >&2
  tail -n 50 "$state/emulator/emulator.log" >&2 || true
  echo "integration: FAILED (exit $rc) after $ran target(s)" >&2
  exit $rc
fi
[ "$ran" -gt 0 ] || { cat "$log" >&2; die "ansible-test ran no integration target"; }
echo "integration: $ran target(s) passed"
