# Sourced by tools/checks/*.sh (not a check itself): strict mode, paths, and a few helpers.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
export PATH="$VENV/bin:$PATH"
export PYTHONDONTWRITEBYTECODE=1
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1
[ -x "$PY" ] || { echo "ERROR: $PY missing: run 'make venv' first" >&2; exit 1; }

die() { echo "ERROR: $*" >&2; exit 1; }

# The collection tree (build/collections/ansible_collections/<ns>/<name>), refreshed from the repository.
collection_tree() { "$PY" "$ROOT/tools/collection-tree.py" --quiet; }
COLLECTIONS_PARENT="$ROOT/build/collections"  # the directory that holds ansible_collections/

# lock NAME: hold build/.lock-NAME until the script exits, waiting for any other holder first. Checks that use the
# shared collection tree (or another shared build/ directory) take it, so that two people running checks at once in
# one checkout do not pull files from under each other; in CI the checks run one after another and never wait.
lock() {
  local file="$ROOT/build/.lock-$1" fd
  mkdir -p "$ROOT/build"
  exec {fd}>"$file"
  if ! flock -n "$fd"; then
    echo "(waiting for another run holding $file)" >&2
    flock "$fd"
  fi
}

# run_logged LABEL CMD...: run CMD with its output in a log; print the log only if CMD fails; keep CMD's status.
run_logged() {
  local label=$1; shift
  local log rc=0
  log=$(mktemp "${TMPDIR:-/tmp}/check-${label//[^A-Za-z0-9_.-]/_}.XXXXXX")
  "$@" >"$log" 2>&1 || rc=$?
  if [ $rc -ne 0 ]; then
    echo "----- $label failed (exit $rc): $* -----" >&2
    cat "$log" >&2
    echo "----- end of $label output -----" >&2
  fi
  rm -f "$log"
  return $rc
}

# ansible-test bootstraps pip in each virtual environment it makes (sanity --venv) with a get-pip script that it
# downloads from a host this machine cannot reach. Seed its cache with a small stand-in (tools/checks/
# get_pip_standin.py) that installs the pip wheel from PyPI (pip download) instead. Idempotent; cheap when done.
seed_get_pip() {
  local version=${1:-24.2}
  local cache="$HOME/.ansible/test/cache"
  local script="$cache/get_pip_${version//./_}.py"
  local wheels="$cache/get_pip_wheels"
  mkdir -p "$wheels"
  if ! compgen -G "$wheels/pip-$version-*.whl" >/dev/null; then
    run_logged "pip-download" "$PY" -m pip download --quiet --no-deps --only-binary=:all: --dest "$wheels" "pip==$version" \
      || die "could not download the pip $version wheel for ansible-test's venvs"
  fi
  local standin="$ROOT/tools/checks/get_pip_standin.py"
  if [ -f "$script" ] && cmp -s "$standin" "$script"; then return 0; fi
  # (a real get-pip script that is already cached is replaced too: it would work, but ours does not depend on it)
  cp "$standin" "$script.tmp"
  mv "$script.tmp" "$script"
}

# run_like_awx NAME DRIVER: tests/awx/DRIVER against an emulator it starts in a private work directory (state and
# collection tree of its own), the connection only as the environment an AWX credential injects (no CORTEX_* or
# collection path of ours). The emulator is always stopped; NAME_KEEP=1 (upper case) keeps the work directory.
run_like_awx() {
  local name=$1 driver=$2 keep_var
  keep_var="$(echo "$1" | tr '[:lower:]' '[:upper:]')_KEEP"
  AWX_WORK=$(mktemp -d "${TMPDIR:-/tmp}/cortex-$name.XXXXXX")
  AWX_NAME=$name AWX_KEEP=${!keep_var:-0}
  awx_cleanup() {
    "$PY" -m cortex_emulator stop --state "$AWX_WORK/emulator" || true  # the driver stops it: an interrupted run
    if [ "$AWX_KEEP" = 1 ]; then echo "$AWX_NAME: kept $AWX_WORK" >&2; else rm -rf "$AWX_WORK"; fi
  }
  trap awx_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  chmod 700 "$AWX_WORK"
  # a private collection tree (the execution environment's content): nothing shared with other checks
  "$PY" "$ROOT/tools/collection-tree.py" --quiet --dest "$AWX_WORK/collections" >/dev/null \
    || die "could not make the collection tree"
  local rc=0
  env -u CORTEX_URL -u CORTEX_USERNAME -u CORTEX_PASSWORD -u CORTEX_VALIDATE_CERTS -u CORTEX_CA_PATH \
    -u ANSIBLE_COLLECTIONS_PATH -u ANSIBLE_COLLECTIONS_PATHS \
    "$PY" "$ROOT/tests/awx/$driver" --collections "$AWX_WORK/collections" --emulator-state "$AWX_WORK/emulator" \
    --work "$AWX_WORK/jobs" || rc=$?
  if [ $rc -ne 0 ]; then
    echo "----- emulator log (last 30 lines) -----" >&2
    tail -n 30 "$AWX_WORK/emulator/emulator.log" >&2 || true
    echo "$name: FAILED (${keep_var}=1 keeps $AWX_WORK for a look)" >&2
    exit $rc
  fi
}
