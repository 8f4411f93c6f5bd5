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
lock tree
tree=$(collection_tree)
cd "$tree"
rm -rf tests/output/bot tests/output/junit

log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
ansible-test sanity --venv --python 3.11 --color no "$@" >"$log" 2>&1 || rc=$?
# a sanity test that cannot run (a missing tool) is only a warning for ansible-test: here it is a failure
skipped=$(grep -E '^WARNING: (Required program .* not found|Skipping sanity test)' "$log" || true)
if [ $rc -ne 0 ] || [ -n "$skipped" ]; then
  # without the pip chatter of the per-test virtual environments
  grep -vE "^(WARNING: Location '|Looking in (indexes|links)|Collecting |Downloading |Processing /|  Downloading |     ━|Installing collected|Successfully installed|Using cached pip)" "$log" >&2 || true
  echo "----- sanity summary -----" >&2
  grep -E '^(ERROR|FATAL)' "$log" | grep -v '^FATAL: Command ' >&2 || true
  [ -n "$skipped" ] && echo "$skipped" >&2
  echo "sanity: FAILED (tree: $tree)" >&2
  exit $(( rc ? rc : 1 ))
fi
echo "sanity: $(grep -c '^Running sanity test' "$log") tests passed"
