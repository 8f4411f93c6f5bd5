#!/usr/bin/env bash
# The onboarding run the way AWX runs it (issue 4): ansible-runner, the connection only as the environment the
# "Cortex API" credential type injects, the client only as extra vars; then no password may appear in anything
# the jobs left behind.
#
# 1. tests/awx/run_like_awx.py makes a throw-away TLS certificate for 127.0.0.1 and a random partner password and
#    starts an emulator serving HTTPS with that partner (cortex_emulator.launcher, provisioning delay 0.05 s);
# 2. it (see its docstring) checks extensions/awx/ against AWX's rules, then runs, each in a
#    private data directory laid out as AWX lays one out: onboard_client.yml with cortex_client as extra vars (the
#    CA bundle injected as a file), its re-run (changed=0), onboard_client_survey.yml with survey answers, the day-2
#    user operations of day2_user_survey.yml on that client (add with a password, reset, change plan, disable,
#    remove refused then done), its offboarding, and a job whose credential has no CA bundle (it must fail on the
#    certificate: validation stays on); asserts status and rc, the summary lines, and that no password (users',
#    administrators', partner's) is in any file the jobs wrote.
# The execution environment definition is checked by tools/checks/ee.sh.
# The emulator is always stopped; RUNNER_KEEP=1 keeps the work directory.
source "$(dirname "$0")/common.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/cortex-runner.XXXXXX")
state="$work/emulator"
cleanup() {
  "$PY" -m cortex_emulator stop --state "$state" || true  # run_like_awx.py stops it; this is for an interrupted run
  if [ "${RUNNER_KEEP:-0}" = 1 ]; then echo "runner: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
chmod 700 "$work"

# a private collection tree: nothing shared with other checks running at the same time
collections="$work/collections"
"$PY" "$ROOT/tools/collection-tree.py" --quiet --dest "$collections" >/dev/null \
  || die "could not make the collection tree"

# the jobs must get the connection from the credential's injectors only: no CORTEX_* in their environment
rc=0
env -u CORTEX_URL -u CORTEX_USERNAME -u CORTEX_PASSWORD -u CORTEX_VALIDATE_CERTS -u CORTEX_CA_PATH \
  -u ANSIBLE_COLLECTIONS_PATH -u ANSIBLE_COLLECTIONS_PATHS \
  "$PY" "$ROOT/tests/awx/run_like_awx.py" --collections "$collections" --emulator-state "$state" \
  --work "$work/jobs" || rc=$?
if [ $rc -ne 0 ]; then
  echo "----- emulator log (last 30 lines) -----" >&2
  tail -n 30 "$state/emulator.log" >&2 || true
  echo "runner: FAILED (RUNNER_KEEP=1 keeps $work for a look)" >&2
  exit $rc
fi
