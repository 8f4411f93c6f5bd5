#!/usr/bin/env bash
# Runs the project's checks (all of them by default, or those named) and prints one summary line each.
# Each check is tools/checks/<name>.sh, run from the repository root with .venv/bin first on PATH.
#
#   tools/test.sh                      every check, cheapest first, in two lanes at once (below)
#   tools/test.sh unit lint            those checks, in that order, one at a time
#   tools/test.sh --fail-fast ...      stop at the first failure (FAIL_FAST=1 does the same)
#   tools/test.sh --serial             every check one at a time (TEST_LANES=1 does the same)
#
# The full run has two lanes, run at once: the checks that use the shared collection tree (build/collections, they
# take its lock one after the other) and the ones with trees and emulators of their own. Most of the second lane's
# time is spent waiting on emulators' provisioning delays, so on two cores the lanes overlap well. Each check's output
# is kept in a log and shown when it ends (in full when it fails; its last lines otherwise), lanes never interleave.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$ROOT/.venv/bin:$PATH"
export PYTHONDONTWRITEBYTECODE=1

# in order of cost, within each lane
SHARED=(changelog docs ee lint sanity molecule docsite galaxy)
PRIVATE=(unit emulator statuspage integration runner slices matrix)
QUICK=(unit changelog docs ee)  # run before the lanes start, so that a broken import fails in seconds

fail_fast=${FAIL_FAST:-0}
lanes=${TEST_LANES:-2}
checks=()
for arg in "$@"; do
  case $arg in
    --fail-fast) fail_fast=1 ;;
    --serial) lanes=1 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) checks+=("$arg") ;;
  esac
done

logs=$(mktemp -d "${TMPDIR:-/tmp}/cortex-checks.XXXXXX")
trap 'rm -rf "$logs"' EXIT
summary="$logs/summary"
: >"$summary"

run_check() {  # run_check NAME: runs it, logs its output, appends its summary line; returns its status
  local name=$1 script="tools/checks/$1.sh" start rc=0
  if [ ! -x "$script" ]; then
    printf 'FAIL  %-12s (no %s)\n' "$name" "$script" >>"$summary"
    return 1
  fi
  start=$(date +%s)
  "$script" >"$logs/$name.log" 2>&1 || rc=$?
  local took=$(( $(date +%s) - start )) status=ok
  [ $rc -eq 0 ] || status=FAIL
  {
    echo "===== $name: $status in ${took}s ====="
    if [ $rc -eq 0 ]; then tail -n 5 "$logs/$name.log"; else cat "$logs/$name.log"; fi
  } | flock "$logs/.out" cat
  printf '%-4s  %-12s %4ss\n' "$status" "$name" "$took" >>"$summary"
  return $rc
}

run_lane() {  # run_lane NAME...: the checks one after the other (stops at a failure with fail-fast)
  local name failed=0
  for name in "$@"; do
    [ -e "$logs/.stop" ] && break
    if ! run_check "$name"; then
      failed=1
      [ "$fail_fast" = 1 ] && { touch "$logs/.stop"; break; }
    fi
  done
  return $failed
}

started=$(date +%s)
failed=0
if [ ${#checks[@]} -gt 0 ] || [ "$lanes" = 1 ]; then
  [ ${#checks[@]} -eq 0 ] && checks=("${QUICK[@]}" $(printf '%s\n' "${SHARED[@]}" "${PRIVATE[@]}" | grep -vxF -f <(printf '%s\n' "${QUICK[@]}")))
  run_lane "${checks[@]}" || failed=1
else
  run_lane "${QUICK[@]}" || failed=1
  if [ ! -e "$logs/.stop" ]; then
    rest() { local n; for n in "$@"; do printf '%s\n' "${QUICK[@]}" | grep -qxF "$n" || echo "$n"; done; }
    mapfile -t shared < <(rest "${SHARED[@]}")
    mapfile -t private < <(rest "${PRIVATE[@]}")
    run_lane "${shared[@]}" & shared_pid=$!
    run_lane "${private[@]}" & private_pid=$!
    wait $shared_pid || failed=1
    wait $private_pid || failed=1
  fi
fi

echo
echo "===== summary ($(( $(date +%s) - started ))s in all) ====="
cat "$summary"
[ -e "$logs/.stop" ] && echo "(stopped at the first failure: --fail-fast)"
exit $failed
