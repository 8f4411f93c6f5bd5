#!/usr/bin/env bash
# molecule test -s client_onboarding (extensions/molecule/client_onboarding/): the role against a Cortex emulator on
# localhost - prepare (emulator), converge, idempotence (changed=0), verify (info modules), cleanup (offboarding).
# Runs from the repository root: molecule 26 finds extensions/molecule/ there (collection mode, galaxy.yml), the
# scenario's playbooks start and stop the emulator with `python -m cortex_emulator start|stop`, and the collection
# resolves from the collection tree (ANSIBLE_COLLECTIONS_PATH=build/collections, set in molecule.yml). The output is
# shown on failure, or always with CHECK_VERBOSE=1; extra arguments go to `molecule test`.
source "$(dirname "$0")/common.sh"

lock tree
collection_tree >/dev/null
export ANSIBLE_PYTHON_INTERPRETER="$PY"
# molecule's ephemeral directory (its state, the emulator's files, the generated passwords): one per run, removed
# after it, so that two runs at once do not share an emulator
ephemeral=$(mktemp -d "${TMPDIR:-/tmp}/cortex-molecule.XXXXXX")
export MOLECULE_EPHEMERAL_DIRECTORY="$ephemeral"
log="$ephemeral.log"
cleanup() {
  "$PY" -m cortex_emulator stop --state "$ephemeral/emulator" || true  # should molecule die before its destroy step
  rm -rf "$ephemeral" "$log"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
rc=0
if [ "${CHECK_VERBOSE:-0}" = 1 ]; then
  molecule test -s client_onboarding "$@" 2>&1 | tee "$log" || rc=$?
else
  molecule test -s client_onboarding "$@" >"$log" 2>&1 || rc=$?
fi
if [ $rc -ne 0 ]; then
  [ "${CHECK_VERBOSE:-0}" = 1 ] || cat "$log" >&2
  echo "molecule: FAILED (exit $rc)" >&2
  exit $rc
fi
grep -qE "client_onboarding > idempotence: Executed: Successful" "$log" \
  || { cat "$log" >&2; die "molecule passed but its idempotence step did not report success"; }
echo "molecule: client_onboarding passed (prepare, converge, idempotence, verify, cleanup)"
