#!/usr/bin/env bash
# ansible-lint over the whole repository (roles, playbooks, extensions/molecule, integration targets, meta,
# changelogs, galaxy.yml) with .ansible-lint: production profile, strict (warnings fail), offline, no rule skipped.
# The collection's own FQCN roles and modules resolve from the collection tree (ANSIBLE_COLLECTIONS_PATH).
# Extra arguments go to ansible-lint (e.g. `tools/checks/lint.sh roles/client_onboarding`).
source "$(dirname "$0")/common.sh"

[ -f .ansible-lint ] || die ".ansible-lint missing"
lock tree
collection_tree >/dev/null
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS_PARENT"
export ANSIBLE_PYTHON_INTERPRETER="$PY"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
ansible-lint --nocolor --format pep8 "$@" >"$log" 2>&1 || rc=$?
if [ $rc -ne 0 ]; then
  cat "$log" >&2
  echo "lint: FAILED (ansible-lint exit $rc)" >&2
  exit $rc
fi
grep -E '^Passed' "$log" || echo "lint: passed"
