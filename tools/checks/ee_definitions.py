#!/usr/bin/env python3
"""Checks of tools/checks/ee.sh on the execution environment files (run from the repository root):
meta/execution-environment.yml is the collection's dependencies-only metadata naming its own requirements file, that
ansible-builder's introspection of the collection as it ships finds those requirements, and that the build context of
extensions/ee/execution-environment.yml (the project's EE definition) has the base image, Python, ansible-core,
ansible-runner and requirements the file names. argv[1]: the check's work dir."""
import fnmatch
import os
import re
import sys

import yaml

work = sys.argv[1]
problems = []
META = "meta/execution-environment.yml"
DEFINITION = "extensions/ee/execution-environment.yml"


def requirements(path):
    """The requirement lines of a pip requirements file (comments and blank lines left out)."""
    with open(path, encoding="utf-8") as fh:
        return [line.split(" #")[0].strip() for line in fh if line.strip() and not line.lstrip().startswith("#")]


def load(path):
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


wanted = requirements("requirements.txt")
if not wanted:
    problems.append("requirements.txt lists no requirement")

# 1. the collection's side: dependencies only, file names relative to the collection root, files that ship
meta = load(META)
extra = sorted(set(meta) - {"version", "dependencies"})
if extra:
    problems.append("%s is the collection's dependencies only (what ansible-builder reads when it installs the "
                    "collection); %s belong(s) in %s" % (META, ", ".join(extra), DEFINITION))
deps = meta.get("dependencies") or {}
extra = sorted(set(deps) - {"python", "system"})
if extra:
    problems.append("%s: dependencies.%s is not read from a collection (only python and system are)"
                    % (META, ", dependencies.".join(extra)))
with open("galaxy.yml", encoding="utf-8") as fh:
    build_ignore = (yaml.safe_load(fh) or {}).get("build_ignore") or []
for key in ("python", "system"):
    if key not in deps:
        continue
    name = deps[key]
    if not isinstance(name, str) or "\n" in name:
        problems.append("%s: dependencies.%s must be a file name (relative to the collection root): ansible-builder's "
                        "introspection and galaxy-importer do not read an inline list in a collection" % (META, key))
    elif os.path.isabs(name) or name.startswith("..") or not os.path.isfile(name):
        problems.append("%s: dependencies.%s: %s is not a file of the collection root" % (META, key, name))
    elif any(fnmatch.fnmatch(name, pattern) or name.startswith(pattern.rstrip("/") + "/") for pattern in build_ignore):
        problems.append("%s: dependencies.%s: %s is in galaxy.yml's build_ignore: it would not ship" % (META, key, name))
if deps.get("python") != "requirements.txt":
    problems.append("%s: dependencies.python must be requirements.txt (the collection's own, at its root)" % META)
introspected = requirements(os.path.join(work, "introspected.txt")) \
    if os.path.exists(os.path.join(work, "introspected.txt")) else []
if sorted(introspected) != sorted(wanted):
    problems.append("ansible-builder introspect finds %s in the collection, not %s" % (introspected, wanted))

# 2. the project's EE definition: its build context
ee = load(DEFINITION)
deps = ee.get("dependencies") or {}
if ee.get("version") != 3:
    problems.append("%s: version must be 3 (the ansible-builder 3 format)" % DEFINITION)
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
print("ee: ansible-builder create -f %s: FROM %s, %s, %s + %s; introspection of the collection (%s): %s"
      % (DEFINITION, base, args.get("PYPKG"), refs, ", ".join(wanted), META, ", ".join(introspected)))
