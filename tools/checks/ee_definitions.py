#!/usr/bin/env python3
"""Checks of tools/checks/ee.sh on the execution environment definitions (run from the repository root):
meta/execution-environment.yml names the collection's own requirements file, meta/requirements.txt matches
requirements.txt, and ansible-builder's introspection finds the same requirements. argv[1]: the check's work dir."""
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
