#!/usr/bin/env bash
# Unit tests (tests/unit/): pytest from .venv, importing the collection as ansible_collections.cloudforyou.cortex.
#
# Why pytest from .venv rather than `ansible-test units`:
# - the same interpreter and pinned packages (requests, hypothesis, pytest-xdist...) as the integration tests, with
#   nothing to bootstrap: `ansible-test units --venv` would install its own pytest stack and need a
#   tests/unit/requirements.txt, and `--local` wants pytest-mock/mock in .venv;
# - ansible-test units forks a process per test (its ansible_forked plugin), slow with many property tests;
# - ansible-test units treats "no test collected" (pytest exit 5) as success; here it is a failure;
# - failures point at the repository's files, not at a copy: build/unit/ansible_collections/cloudforyou/cortex is a
#   symlink to the repository, so the tests import the live code.
# What ansible-test units adds - module tests isolated from controller code - is covered by the sanity `import` test.
#
# Extra arguments go to pytest (e.g. `tools/checks/unit.sh -k tenant -x`, or a test file).
source "$(dirname "$0")/common.sh"

[ -d tests/unit ] || die "no tests/unit/ directory: no unit tests to run"

ns_root="$ROOT/build/unit"
link="$ns_root/ansible_collections/cloudforyou/cortex"
mkdir -p "$(dirname "$link")"
[ "$(readlink "$link" 2>/dev/null)" = "$ROOT" ] || ln -sfn "$ROOT" "$link"

export PYTHONPATH="$ns_root${PYTHONPATH:+:$PYTHONPATH}"
export ANSIBLE_COLLECTIONS_PATH="$ns_root"
export HYPOTHESIS_STORAGE_DIRECTORY="$ROOT/build/hypothesis"

# xdist costs ~2.5 s to start its workers on 2 cores: used (one worker a core) from 10 test files on.
# UNIT_WORKERS=N forces N workers, UNIT_WORKERS=0 runs serially.
if [ -z "${UNIT_WORKERS:-}" ]; then
  files=$(find tests/unit -name 'test_*.py' | wc -l)
  if [ "$files" -ge 10 ]; then workers=auto; else workers=0; fi
else
  workers=$UNIT_WORKERS
fi
xdist=()
[ "$workers" != 0 ] && xdist=(-n "$workers")

# a hung test (a real sleep, a socket nobody answers) fails after UNIT_TIMEOUT seconds instead of eating CI's time
timeout=()
"$PY" -c 'import pytest_timeout' 2>/dev/null && timeout=(--timeout "${UNIT_TIMEOUT:-60}")

args=("$@")
[ ${#args[@]} -eq 0 ] && args=(tests/unit)

rc=0
"$PY" -m pytest -q -p no:cacheprovider --import-mode=importlib --strict-markers -r fEs \
  --rootdir "$ROOT" "${xdist[@]}" "${timeout[@]}" "${args[@]}" || rc=$?
case $rc in
  0) ;;
  5) die "pytest collected no unit test in ${args[*]}" ;;
  *) exit $rc ;;
esac
