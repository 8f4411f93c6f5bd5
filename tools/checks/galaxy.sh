#!/usr/bin/env bash
# The built collection, as Galaxy / Automation Hub would import it:
# 1. `ansible-galaxy collection build` into build/galaxy/ (galaxy.yml's build_ignore decides what ships);
# 2. the tarball must not hold development-only paths (emulator/, tools/, benchmarks/, .venv, build, tests/output...),
#    and must carry the licence galaxy.yml names: COPYING, the GPL-3.0 text, as in the repository;
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

# 2b. the licence: galaxy.yml says GPL-3.0-or-later, so the GPL version 3 text ships at the collection's root
[ "$("$PY" -c 'import yaml; print(" ".join(yaml.safe_load(open("galaxy.yml"))["license"]))')" = GPL-3.0-or-later ] \
  || die "galaxy.yml: license is not GPL-3.0-or-later (update this check together with the licence file)"
[ -f COPYING ] || die "no COPYING in the repository: the GPL-3.0 text galaxy.yml's license names"
listing=$(tar -tzf "$tarball" | sed 's#^\./##')
grep -qx 'COPYING' <<<"$listing" \
  || die "$(basename "$tarball") has no COPYING (the GPL-3.0 text galaxy.yml's license names): keep it out of build_ignore"
shipped=$(tar -xzOf "$tarball" COPYING 2>/dev/null || tar -xzOf "$tarball" ./COPYING)
[ "$shipped" = "$(cat COPYING)" ] || die "the COPYING of $(basename "$tarball") differs from the repository's"
head -n 2 COPYING | tr -s ' ' | grep -q 'Version 3, 29 June 2007' \
  || die "COPYING is not the GNU General Public License version 3 text"

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
