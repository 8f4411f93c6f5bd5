#!/usr/bin/env bash
# The built collection, as Galaxy / Automation Hub would import it:
# 1. `ansible-galaxy collection build` into build/galaxy/ (galaxy.yml's build_ignore decides what ships);
# 2. the tarball must not hold development-only paths (emulator/, tools/, benchmarks/, .venv, build, tests/output...);
# 3. galaxy-importer on the tarball, offline (its config is written below: no ansible-test, no network): galaxy.yml
#    and MANIFEST schema, README and per-role README, ansible-doc of every plugin, ansible-lint of the roles,
#    changelog presence. Any ERROR or WARNING from the importer fails the check.
source "$(dirname "$0")/common.sh"

lock galaxy
out="$ROOT/build/galaxy"
rm -rf "$out"
mkdir -p "$out/tmp"
run_logged "ansible-galaxy collection build" ansible-galaxy collection build --force --output-path "$out" .
shopt -s nullglob
tarballs=("$out"/*.tar.gz)
[ ${#tarballs[@]} -eq 1 ] || die "expected one tarball in $out, found ${#tarballs[@]}"
tarball=${tarballs[0]}

# 2. what must never ship
forbidden='^(emulator|tools|benchmarks|build|\.venv|\.git|\.ci|\.cache|\.ansible|\.pytest_cache|\.hypothesis|tests/output)(/|$)|(^|/)(__pycache__|[^/]*\.egg-info)(/|$)|\.(pyc|db|db-wal|db-shm|tar\.gz)$|^tests/integration/integration_config\.yml$'
bad=$(tar -tzf "$tarball" | sed 's#^\./##' | grep -E "$forbidden" || true)
if [ -n "$bad" ]; then
  echo "$bad" | head -n 50 >&2
  die "$(basename "$tarball") ships development-only files (above): add them to galaxy.yml build_ignore"
fi

# 3. galaxy-importer, offline
cat >"$out/galaxy-importer.cfg" <<CFG
[galaxy-importer]
run_ansible_test = False
ansible_test_local_image = False
local_image_docker = False
infra_osd = False
run_ansible_doc = True
run_ansible_lint = True
offline_ansible_lint = True
run_flake8 = False
check_changelog = True
check_required_tags = False
require_v1_or_greater = False
log_level_main = INFO
tmp_root_dir = $out/tmp
ansible_local_tmp = $out/tmp/ansible
CFG
export GALAXY_IMPORTER_CONFIG="$out/galaxy-importer.cfg"
export ANSIBLE_LOCAL_TEMP="$out/tmp/ansible"

log="$out/importer.log"
rc=0
(cd "$out" && "$PY" -m galaxy_importer.main "$tarball") >"$log" 2>&1 || rc=$?
problems=$(grep -E '^(ERROR|WARNING|CRITICAL)|Traceback' "$log" || true)
if [ $rc -ne 0 ] || [ -n "$problems" ] || [ ! -s "$out/importer_result.json" ]; then
  cat "$log" >&2
  die "galaxy-importer: $( [ $rc -ne 0 ] && echo "exit $rc" || echo "errors or warnings" ) on $(basename "$tarball") (log: $log)"
fi
echo "galaxy: $(basename "$tarball") ($(tar -tzf "$tarball" | grep -vc '/$') files) imports cleanly"
