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
[ "$workers" -gt 0 ] && xdist=(-n "$workers" --dist loadgroup)  # a group's tests (one flow) share a worker
exec "$PY" -m pytest -q -p no:cacheprovider "${xdist[@]}" emulator/tests "$@"
