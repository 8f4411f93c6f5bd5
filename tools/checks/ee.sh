#!/usr/bin/env bash
# The execution environment files, from their three sides (no container engine needed):
# 1. extensions/ee/execution-environment.yml, the EE definition of the collection's runtime: `ansible-builder create`
#    into a temporary directory; the build context must start FROM the base image the file names (not the
#    unmaintained default quay.io/ansible/ansible-runner), install the Python the file names, ansible-core and
#    ansible-runner, and carry the collection's Python requirements (the lines of requirements.txt);
# 2. meta/execution-environment.yml, the collection's metadata: dependencies only, file names relative to the
#    collection root; `ansible-builder introspect` on a copy of the collection as it ships (what ansible-builder runs
#    when it installs the collection into someone else's EE, and what galaxy-importer runs) must find requirements.txt;
# 3. the EE that holds the collection, as docs/awx.md builds it, must make a build context too.
# EE_BUILD=1 also runs `ansible-builder build` when podman or docker answers (pulls the base image: network needed).
source "$(dirname "$0")/common.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/cortex-ee.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. the EE definition, as committed
run_logged "ansible-builder create" ansible-builder create -f extensions/ee/execution-environment.yml \
  --output-filename Containerfile -c "$work/context" -v 1 \
  || die "ansible-builder create -f extensions/ee/execution-environment.yml failed"

# 2. the collection as it ships, introspected as ansible-builder does inside an EE build
"$PY" "$ROOT/tools/collection-tree.py" --quiet --dest "$work/collections" >/dev/null || die "could not make the collection tree"
run_logged "ansible-builder introspect" ansible-builder introspect --sanitize "$work/collections" \
  --write-pip "$work/introspected.txt" || die "ansible-builder introspect fails on the collection"

# 3. the EE that holds the collection, as docs/awx.md builds it: its definition is taken from the page (the
# `cat > ee/execution-environment.yml` block), the collection tarball it names is a stand-in
mkdir -p "$work/docs-ee"
sed -n "/^cat > ee\/execution-environment.yml <<'EOF'$/,/^EOF$/p" docs/awx.md | sed '1d;$d' >"$work/docs-ee/execution-environment.yml"
[ -s "$work/docs-ee/execution-environment.yml" ] || die "docs/awx.md has no 'cat > ee/execution-environment.yml' block"
for src in $("$PY" -c 'import sys, yaml; print(" ".join(f["src"] for f in yaml.safe_load(open(sys.argv[1])).get("additional_build_files") or []))' \
    "$work/docs-ee/execution-environment.yml"); do
  : >"$work/docs-ee/$src"
done
run_logged "ansible-builder create (docs/awx.md)" ansible-builder create -f "$work/docs-ee/execution-environment.yml" \
  --output-filename Containerfile -c "$work/docs-ee/context" -v 1 \
  || die "the execution environment of docs/awx.md does not make a build context"
grep -q "ansible-galaxy collection install" "$work/docs-ee/context/Containerfile" \
  || die "the execution environment of docs/awx.md installs no collection"

"$PY" "$ROOT/tools/checks/ee_definitions.py" "$work"

if [ "${EE_BUILD:-0}" = 1 ]; then
  for engine in podman docker; do
    if command -v "$engine" >/dev/null && "$engine" info >/dev/null 2>&1; then
      run_logged "ansible-builder build" ansible-builder build -f extensions/ee/execution-environment.yml \
        -c "$work/build" --container-runtime "$engine" -t cloudforyou-cortex-ee-check:latest -v 2 \
        || die "ansible-builder build failed ($engine)"
      echo "ee: ansible-builder build ($engine): image cloudforyou-cortex-ee-check:latest"
      exit 0
    fi
  done
  echo "ee: EE_BUILD=1 but no container engine answers (podman, docker): build skipped" >&2
fi
