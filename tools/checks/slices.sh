#!/usr/bin/env bash
# The fleet as AWX runs a sliced job template (issue "Orchestration at the speed of the wire", item 3): 12 clients
# as 3 slices, split as AWX splits them, each slice a job stream through `ansible-runner transmit | ansible-runner
# worker | ansible-runner process` (what receptor carries to an execution node and back), all three at once against
# one HTTPS emulator, the connection only as the environment the "Cortex API" credential injects.
#
# tests/awx/run_slices.py (see its docstring) writes the fleet (hosts.yml, one host_vars file per client), imports it
# as AWX imports an inventory source, builds each slice's inventory as AWX does (hosts ordered by name, slice k of N:
# hosts k, k+N, ...), runs the slices, and asserts: every slice successful; each onboards and sums up its own clients
# only; nothing done twice (the emulator's counters, and every provisioning request and tenant read back from
# Cortex); playbooks/fleet_report.yml reports the 12 clients, their users and mailboxes per plan, and names a user
# whose provisioning failed and a client Cortex lacks; a second sliced launch (limited to every client) changes
# nothing; a slice none of whose clients a limit names fails; no password in anything the jobs left, on the
# controller's side or the node's, nor in the nodes' answer streams.
# The emulator is always stopped; SLICES_KEEP=1 keeps the work directory.
source "$(dirname "$0")/common.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/cortex-slices.XXXXXX")
state="$work/emulator"
cleanup() {
  "$PY" -m cortex_emulator stop --state "$state" || true  # run_slices.py stops it; this is for an interrupted run
  if [ "${SLICES_KEEP:-0}" = 1 ]; then echo "slices: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
chmod 700 "$work"

# a private collection tree (the execution environment's content): nothing shared with other checks
collections="$work/collections"
"$PY" "$ROOT/tools/collection-tree.py" --quiet --dest "$collections" >/dev/null \
  || die "could not make the collection tree"

# the jobs must get the connection from the credential's injectors only: no CORTEX_* in their environment
rc=0
env -u CORTEX_URL -u CORTEX_USERNAME -u CORTEX_PASSWORD -u CORTEX_VALIDATE_CERTS -u CORTEX_CA_PATH \
  -u ANSIBLE_COLLECTIONS_PATH -u ANSIBLE_COLLECTIONS_PATHS \
  "$PY" "$ROOT/tests/awx/run_slices.py" --collections "$collections" --emulator-state "$state" \
  --work "$work/jobs" || rc=$?
if [ $rc -ne 0 ]; then
  echo "----- emulator log (last 30 lines) -----" >&2
  tail -n 30 "$state/emulator.log" >&2 || true
  echo "slices: FAILED (SLICES_KEEP=1 keeps $work for a look)" >&2
  exit $rc
fi
