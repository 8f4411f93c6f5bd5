#!/usr/bin/env bash
# The execution environment definition, meta/execution-environment.yml, from both of its sides (no container engine
# needed):
# 1. as an EE file of its own: `ansible-builder create -f meta/execution-environment.yml` from the repository root,
#    into a temporary directory; the build context must start FROM the base image the file names (not the unmaintained
#    default quay.io/ansible/ansible-runner), install the Python the file names, ansible-core and ansible-runner, and
#    carry the collection's Python requirements (the lines of requirements.txt, through meta/requirements.txt);
# 2. as the collection's metadata: `ansible-builder introspect` on a copy of the collection as it ships (what
#    ansible-builder runs when it installs the collection into someone else's EE, and what galaxy-importer runs)
#    must find the collection's requirements.
# 3. the EE that holds the collection, as docs/awx.md builds it, must make a build context too.
# EE_BUILD=1 also runs `ansible-builder build` when podman or docker answers (pulls the base image: network needed).
source "$(dirname "$0")/common.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/cortex-ee.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. the EE file, as committed, from the repository root
run_logged "ansible-builder create" ansible-builder create -f meta/execution-environment.yml \
  --output-filename Containerfile -c "$work/context" -v 1 \
  || die "ansible-builder create -f meta/execution-environment.yml failed from the repository root"

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

"$PY" - "$work" <<'EOF'
import os
import re
import sys

import yaml

work = sys.argv[1]
problems = []


def requirements(path):
    """The requirement lines of a pip requirements file (comments and blank lines left out)."""
    with open(path, encoding="utf-8") as fh:
        return [line.split(" #")[0].strip() for line in fh if line.strip() and not line.lstrip().startswith("#")]


with open("meta/execution-environment.yml", encoding="utf-8") as fh:
    ee = yaml.safe_load(fh)
deps = ee.get("dependencies") or {}
wanted = requirements("requirements.txt")
if not wanted:
    problems.append("requirements.txt lists no requirement")

# the collection's side: file names, resolved against the collection root
for key in ("python", "system"):
    if key in deps and not isinstance(deps[key], str):
        problems.append("dependencies.%s must be a file name (relative to the collection root): ansible-builder's "
                        "introspection and galaxy-importer do not read an inline list in a collection" % key)
if deps.get("python") != "requirements.txt":
    problems.append("dependencies.python must be requirements.txt (the collection's own, at its root)")
if requirements("meta/requirements.txt") != wanted:
    problems.append("meta/requirements.txt %s differs from requirements.txt %s: keep them alike"
                    % (requirements("meta/requirements.txt"), wanted))
introspected = requirements(os.path.join(work, "introspected.txt")) \
    if os.path.exists(os.path.join(work, "introspected.txt")) else []
if sorted(introspected) != sorted(wanted):
    problems.append("ansible-builder introspect finds %s in the collection, not %s" % (introspected, wanted))

# the EE file's side: the build context
base = ((ee.get("images") or {}).get("base_image") or {}).get("name", "")
with open(os.path.join(work, "context", "Containerfile"), encoding="utf-8") as fh:
    containerfile = fh.read()
args = dict(re.findall(r'^ARG ([A-Z_]+)="?(.*?)"?$', containerfile, re.M))
if not base:
    problems.append("images.base_image.name is not set: ansible-builder's default (quay.io/ansible/ansible-runner) "
                    "is no longer maintained")
elif args.get("EE_BASE_IMAGE") != base:
    problems.append("the Containerfile starts FROM %r, not the base image %r" % (args.get("EE_BASE_IMAGE"), base))
if "quay.io/ansible/ansible-runner" in base:
    problems.append("the base image %s is no longer maintained" % base)
interpreter = deps.get("python_interpreter") or {}
if interpreter and (args.get("PYPKG") != interpreter.get("package_system")
                    or args.get("PYCMD") != interpreter.get("python_path")):
    problems.append("the Containerfile's Python (%s, %s) is not the file's" % (args.get("PYPKG"), args.get("PYCMD")))
refs = args.get("ANSIBLE_INSTALL_REFS", "")
for package in ("ansible-core", "ansible-runner"):
    if package not in refs:
        problems.append("the Containerfile does not install %s (ANSIBLE_INSTALL_REFS=%r)" % (package, refs))
built = os.path.join(work, "context", "_build", "requirements.txt")
if not os.path.isfile(built) or requirements(built) != wanted:
    problems.append("the build context's _build/requirements.txt does not hold %s" % wanted)
elif "COPY _build/requirements.txt" not in containerfile or "introspect.py introspect" not in containerfile:
    problems.append("the Containerfile does not install _build/requirements.txt")
for line in problems:
    print("ERROR: ee: %s" % line, file=sys.stderr)
if problems:
    sys.exit(1)
print("ee: ansible-builder create -f meta/execution-environment.yml: FROM %s, %s, %s + %s; introspection of the "
      "collection: %s" % (base, args.get("PYPKG"), refs, ", ".join(wanted), ", ".join(introspected)))
EOF

if [ "${EE_BUILD:-0}" = 1 ]; then
  for engine in podman docker; do
    if command -v "$engine" >/dev/null && "$engine" info >/dev/null 2>&1; then
      run_logged "ansible-builder build" ansible-builder build -f meta/execution-environment.yml \
        -c "$work/build" --container-runtime "$engine" -t cloudforyou-cortex-ee-check:latest -v 2 \
        || die "ansible-builder build failed ($engine)"
      echo "ee: ansible-builder build ($engine): image cloudforyou-cortex-ee-check:latest"
      exit 0
    fi
  done
  echo "ee: EE_BUILD=1 but no container engine answers (podman, docker): build skipped" >&2
fi
