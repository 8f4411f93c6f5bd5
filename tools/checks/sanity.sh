#!/usr/bin/env bash
# ansible-test sanity, every test, Python 3.11, each test in the virtual environment ansible-test makes for it
# (--venv: cached in ~/.ansible/test/venv, so only the first run on a machine installs them, from PyPI).
# Runs in the collection tree (tools/collection-tree.py), which holds what the built collection ships.
# No tests/sanity/ignore-*.txt entries are allowed: fix the code instead.
# Extra arguments go to ansible-test (e.g. `tools/checks/sanity.sh --test pylint plugins/modules/cortex_user.py`).
source "$(dirname "$0")/common.sh"

shopt -s nullglob
ignores=(tests/sanity/ignore-*.txt)
for f in "${ignores[@]}"; do
  if grep -qvE '^\s*(#.*)?$' "$f"; then
    die "$f has entries; sanity ignores are not allowed here: fix the code instead"
  fi
done

seed_get_pip 24.2
tree=$(collection_tree)
cd "$tree"
rm -rf tests/output/bot tests/output/junit

rc=0
run_logged "ansible-test sanity" ansible-test sanity --venv --python 3.11 --color no "$@" || rc=$?
if [ $rc -ne 0 ]; then
  echo "sanity: FAILED (the results above; tree: $tree)" >&2
  exit $rc
fi
echo "sanity: all tests passed"
