#!/usr/bin/env bash
# The Cortex emulator's test suite (emulator/tests/): pytest starting real `python -m cortex_emulator serve`
# processes on free ports and speaking XML over HTTP to them. Extra arguments go to pytest (e.g. `-k faults -x`).
# EMULATOR_TEST_WORKERS=N sets the xdist workers (default 2, one a core; 0 runs serially).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || { echo "ERROR: $PY missing: run 'make venv' first" >&2; exit 1; }
export PYTHONDONTWRITEBYTECODE=1

workers=${EMULATOR_TEST_WORKERS:-2}
xdist=()
# loadfile: a file's tests run on one worker, in order (test_recorded.py is one flow). Not loadgroup: with pytest 9.2
# its xdist_group marks are ignored (xdist 3.8 renames item._nodeid, which pytest 9.2 no longer reads).
[ "$workers" -gt 0 ] && xdist=(-n "$workers" --dist loadfile)
exec "$PY" -m pytest -q -p no:cacheprovider "${xdist[@]}" emulator/tests "$@"
