#!/usr/bin/env bash
# The ansible-core version matrix: meta/runtime.yml promises requires_ansible >=2.16.0, and every other check runs on
# .venv's 2.19. For each older line of requirements-matrix.txt (its `# matrix:` line: 2.16, 2.17 and 2.18, the latest
# patch of each), in a venv of its own:
# 1. the unit tests (tests/unit/, pytest, serially);
# 2. the seed onboarding flow through the collection as installed: an emulator of the repository's emulator/ started
#    with the venv's Python, `ansible-playbook -i localhost, cloudforyou.cortex.onboard_client -e
#    @playbooks/vars/example_client.yml` from a private collection tree, with two more users from a CSV export
#    (client_onboarding_users_csv: the lookup's text, which these versions read back into a list unless it is
#    marked as a text), which must succeed, then the same again, which must report changed=0.
# The venvs are cached in .cache/matrix/<line>/ (`make clean` removes them): one is made again only when
# requirements-matrix.txt, emulator/pyproject.toml, its ansible-core version or the Python changes; the first run
# downloads and installs, later runs reuse. MATRIX_LINES="2.16 2.18" limits the run to those lines.
source "$(dirname "$0")/common.sh"

reqs="$ROOT/requirements-matrix.txt"
[ -f "$reqs" ] || die "no requirements-matrix.txt"
read -r -a specs <<<"$(sed -n 's/^# matrix: *//p' "$reqs")"
[ ${#specs[@]} -gt 0 ] || die "requirements-matrix.txt has no '# matrix: ansible-core==X.Y.Z ...' line"
# the interpreter .venv was made from: the matrix runs on the controller Python the rest of make test uses
base_python=$("$PY" -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')
py_version=$("$base_python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
key_files=$(cat "$reqs" emulator/pyproject.toml | sha256sum | cut -c1-16)
cache="$ROOT/.cache/matrix"
lock matrix
mkdir -p "$cache"

work=$(mktemp -d "${TMPDIR:-/tmp}/cortex-matrix.XXXXXX")
cleanup() {
  # the emulators of lines still running (interrupted): each line stops its own when it ends
  local state
  for state in "$work"/emulator-*; do
    [ -d "$state" ] && "$cache/${state##*/emulator-}/bin/python" -m cortex_emulator stop --state "$state" --grace 2 \
      >/dev/null 2>&1
  done
  rm -rf "$work"
}
trap cleanup EXIT

# the unit tests import the collection as ansible_collections.cloudforyou.cortex (as tools/checks/unit.sh does)
ns_root="$ROOT/build/unit"
link="$ns_root/ansible_collections/cloudforyou/cortex"
mkdir -p "$(dirname "$link")"
[ "$(readlink "$link" 2>/dev/null)" = "$ROOT" ] || ln -sfn "$ROOT" "$link"
# the collection as it ships, for the playbook runs (a private copy: no lock on the shared tree)
"$PY" "$ROOT/tools/collection-tree.py" --quiet --dest "$work/collections" >/dev/null || die "could not make the collection tree"

# venv LINE VERSION: make .cache/matrix/LINE for ansible-core VERSION unless the cached one has the same key
venv() {
  local line=$1 version=$2 dir="$cache/$1"
  local key="files=$key_files ansible-core=$version python=$py_version"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.installed" 2>/dev/null)" = "$key" ]; then
    echo "matrix: $line: cached venv (.cache/matrix/$line, ansible-core $version)"
    return 0
  fi
  echo "matrix: $line: making .cache/matrix/$line (ansible-core $version, Python $py_version)"
  rm -rf "$dir"
  "$base_python" -m venv "$dir" || die "could not make the venv $dir"
  run_logged "pip install ($line)" "$dir/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$reqs" "ansible-core==$version" || die "$line: pip could not install ansible-core $version and requirements-matrix.txt"
  # the emulator from the repository, editable (its code is the checkout's), without its dependencies (installed above)
  run_logged "emulator install ($line)" "$dir/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-deps -e ./emulator || die "$line: could not install the emulator from ./emulator"
  echo "$key" >"$dir/.installed"
}

# recap LOG: the PLAY RECAP line of localhost in an ansible-playbook log
recap() { grep -E '^localhost +: ok=' "$1" | tail -n 1; }

# run_line LINE VERSION: everything for one line; its output goes to $work/LINE.out, its status is the line's
run_line() {
  local line=$1 version=$2 dir="$cache/$1" start log rc run result got
  local failed=0
  venv "$line" "$version" || return 1
  got=$("$dir/bin/python" -c 'from ansible.release import __version__; print(__version__)')
  [ "$got" = "$version" ] || { echo "matrix: $line: the venv holds ansible-core $got, not $version" >&2; return 1; }

  # 1. unit tests
  start=$(date +%s)
  log="$work/unit-$line.log"
  if PYTHONPATH="$ns_root" ANSIBLE_COLLECTIONS_PATH="$ns_root" "$dir/bin/python" -m pytest -q -p no:cacheprovider \
      --import-mode=importlib --strict-markers -r fEs --rootdir "$ROOT" tests/unit >"$log" 2>&1; then
    echo "matrix: $line: unit tests: $(tail -n 1 "$log" | tr -d '=' | sed 's/^ *//') ($(( $(date +%s) - start )) s)"
  else
    cat "$log" >&2
    echo "matrix: $line: unit tests FAILED on ansible-core $version (above)" >&2
    failed=1
  fi

  # 2. the seed onboarding flow, twice, against an emulator of its own (its port picked by the launcher)
  start=$(date +%s)
  local state="$work/emulator-$line" env_sh
  env_sh=$("$dir/bin/python" -m cortex_emulator start --state "$state" --delay 0.05 --format sh) \
    || { echo "matrix: $line: the emulator did not start" >&2; return 1; }
  eval "$env_sh"
  export CORTEX_URL CORTEX_USERNAME CORTEX_PASSWORD
  printf '%s\n' 'Prénom;Nom;UPN;Mot de passe;Forfait' \
    'Léa;Moreau;lea.moreau@boulangerie-martin.fr;Csv-Pain-2026-true;FORFAIT_2GO' \
    'Hugo;Roux;hugo.roux@boulangerie-martin.fr;[Csv-Farine-2026];' >"$work/users-$line.csv"
  for run in 1 2; do
    log="$work/onboard-$line-$run.log"
    rc=0
    ANSIBLE_COLLECTIONS_PATH="$work/collections" CORTEX_CREDENTIALS_DIR="$work/credentials-$line" \
      "$dir/bin/ansible-playbook" -i localhost, cloudforyou.cortex.onboard_client \
      -e @playbooks/vars/example_client.yml -e client_onboarding_users_csv="$work/users-$line.csv" >"$log" 2>&1 \
      || rc=$?
    result=$(recap "$log")
    if [ $run = 1 ] && ! grep -q 'users: 5 created' "$log"; then
      cat "$log" >&2
      echo "matrix: $line: onboarding run 1 did not create the 3 described and the 2 CSV users" >&2
      failed=1
      break
    fi
    if [ $rc -ne 0 ] || ! grep -q ' failed=0 ' <<<"$result " || { [ $run = 2 ] && ! grep -q ' changed=0 ' <<<"$result "; }; then
      cat "$log" >&2
      echo "matrix: $line: onboarding run $run FAILED on ansible-core $version (exit $rc; run 2 must report changed=0)" >&2
      failed=1
      break
    fi
    # the command of README.md prints the collection's lines only: a Python warning, an ansible-core warning (an
    # empty inventory...) or deprecation fails the run as well
    if grep -qE '[A-Za-z]+Warning: |^\[(WARNING|DEPRECATION WARNING)\]' "$log"; then
      grep -E -A1 '[A-Za-z]+Warning: |^\[(WARNING|DEPRECATION WARNING)\]' "$log" >&2
      echo "matrix: $line: onboarding run $run printed warnings on ansible-core $version (above)" >&2
      failed=1
      break
    fi
  done
  "$dir/bin/python" -m cortex_emulator stop --state "$state" >/dev/null 2>&1 && rm -rf "$state"
  if [ -f "$work/onboard-$line-2.log" ] && [ $failed = 0 ]; then
    echo "matrix: $line: onboard_client: run 1 $(recap "$work/onboard-$line-1.log" | grep -oE 'changed=[0-9]+')," \
      "run 2 $(recap "$work/onboard-$line-2.log" | grep -oE 'changed=[0-9]+') ($(( $(date +%s) - start )) s)"
  fi
  return $failed
}

# the lines run MATRIX_JOBS at a time (2: the cores of the CI machine), each printing when it is done
jobs_max=${MATRIX_JOBS:-2}
declare -A pids=()
lines=()
for spec in "${specs[@]}"; do
  version=${spec#ansible-core==}
  l=${version%.*}
  if [ -n "${MATRIX_LINES:-}" ] && ! grep -qw -- "$l" <<<"$MATRIX_LINES"; then continue; fi
  lines+=("$l")
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
  ( set +e; run_line "$l" "$version" ) >"$work/$l.out" 2>&1 &
  pids[$l]=$!
done
[ ${#lines[@]} -gt 0 ] || die "MATRIX_LINES=${MATRIX_LINES:-} selects none of: ${specs[*]}"

failed=()
for l in "${lines[@]}"; do
  rc=0
  wait "${pids[$l]}" || rc=$?
  cat "$work/$l.out"
  [ $rc -eq 0 ] || failed+=("$l")
done
[ ${#failed[@]} -eq 0 ] || die "matrix: ansible-core $(IFS=' '; echo "${failed[*]}") failed (above)"
echo "matrix: ansible-core ${lines[*]}: unit tests and the onboarding flow pass (2.19: the other checks)"
