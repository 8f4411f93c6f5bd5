# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The examples say what the code does: every YAML example of the guides (```yaml blocks of docs/*.md, README.md,
CONTRIBUTING.md and the roles' READMEs), every EXAMPLES of a module or plugin and every ``examples`` of a role's
meta/argument_specs.yml parses, and what it uses exists:

- the options of a task calling ``cloudforyou.cortex.<module>`` (names or aliases, suboptions of list and dict options
  included) are among that module's documented options, its doc fragments resolved; so are the keys of its
  ``module_defaults`` (for the group ``cloudforyou.cortex.cortex``: of every module of the group);
- the keys of an inventory configuration of ``cloudforyou.cortex.cortex`` are among the inventory plugin's options;
- every ``client_onboarding_*`` / ``client_offboarding_*`` variable given (a key of a YAML example, or ``-e NAME=``
  in a shell example) and every key of ``cortex_client`` (nested ones too) is declared in the role's
  meta/argument_specs.yml;
- every ``cloudforyou.cortex.NAME`` the guides and examples name is a module, plugin, role or playbook of the
  collection;
- docs/playbooks.md lists every variable of the AWX surveys, and every playbook variable it lists is read by a
  playbook.

A block that is part of a larger document says so in an HTML comment on the line before its fence:
``<!-- yaml-example: cortex_client.users -->`` (the block's items, or its keys, belong there, and are checked there)
or ``<!-- yaml-example: fragment - REASON -->`` (not YAML on its own: not parsed). A list of mappings that are neither
plays nor tasks must carry such a comment.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import glob
import importlib
import os
import re

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FQCN = "cloudforyou.cortex"
ROLE_VAR = re.compile(r"^client_(on|off)boarding_\w+$")
MARKER = re.compile(r"<!--\s*yaml-example:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^```([A-Za-z0-9_+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
NAMED = re.compile(r"(?<![\w.])cloudforyou\.cortex\.([A-Za-z_]\w*)")
EXTRA_VAR = re.compile(r"(?:^|\s)(?:-e|--extra-vars)[ =]+['\"]?(client_(?:on|off)boarding_\w+)=")
# keys of a role entry in a play's roles: that are keywords, not role variables
ROLE_KEYWORDS = {"role", "name", "vars", "when", "tags", "become", "become_user", "environment", "delegate_to",
                 "ignore_errors", "no_log", "module_defaults", "collections", "apply", "public", "tasks_from",
                 "defaults_from", "vars_from", "handlers_from", "allow_duplicates", "rolespec_validate"}


def _read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as fh:
        return fh.read()


def _assignments(path):
    """The string constants a Python file assigns at module level (DOCUMENTATION, EXAMPLES...), or in its classes."""
    found = {}
    tree = ast.parse(_read(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            found[node.targets[0].id] = node.value.value
    return found


def _fragment(name):
    """The documentation a doc fragment name (extends_documentation_fragment) stands for."""
    if name.startswith(FQCN + "."):
        parts = name[len(FQCN) + 1:].split(".")
        text = _assignments(os.path.join("plugins", "doc_fragments", parts[0] + ".py"))[
            (parts[1] if len(parts) > 1 else "DOCUMENTATION").upper()]
    else:  # ansible-core's own (constructed, inventory_cache...)
        parts = name.replace("ansible.builtin.", "", 1).split(".")
        module = importlib.import_module("ansible.plugins.doc_fragments." + parts[0])
        text = getattr(module.ModuleDocFragment, (parts[1] if len(parts) > 1 else "DOCUMENTATION").upper())
    return yaml.safe_load(text) or {}


def _options(documentation):
    """The options of a plugin's DOCUMENTATION, with those of its doc fragments."""
    options = {}
    for name in documentation.get("extends_documentation_fragment") or []:
        options.update(_fragment(name).get("options") or {})
    options.update(documentation.get("options") or {})
    return options


def _modules():
    found = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))):
        name = os.path.basename(path)[:-3]
        if name.startswith("_"):
            continue
        found[name] = _options(yaml.safe_load(_assignments(os.path.relpath(path, ROOT))["DOCUMENTATION"]))
    return found


MODULES = _modules()
INVENTORY = _options(yaml.safe_load(_assignments(os.path.join("plugins", "inventory", "cortex.py"))["DOCUMENTATION"]))
ROLE_SPECS = dict(
    (os.path.basename(os.path.dirname(os.path.dirname(path))),
     (yaml.safe_load(_read(os.path.relpath(path, ROOT)))["argument_specs"]["main"].get("options") or {}))
    for path in sorted(glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml"))))
ROLE_OPTIONS = {}
for _spec in ROLE_SPECS.values():
    ROLE_OPTIONS.update(_spec)
GROUP = yaml.safe_load(_read(os.path.join("meta", "runtime.yml")))["action_groups"]["cortex"]
KNOWN = set(MODULES) | set(ROLE_SPECS) | set(["cortex"])  # cortex: the inventory plugin and the action group
KNOWN |= set(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, "plugins", "lookup", "*.py")))
KNOWN |= set(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(ROOT, "plugins", "filter", "*.yml")))
KNOWN |= set(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(ROOT, "playbooks", "*.yml")))


def _names(option):
    """An option's names: its own and its aliases."""
    name, spec = option
    return [name] + list((spec or {}).get("aliases") or [])


def _by_name(options):
    found = {}
    for option in options.items():
        for name in _names(option):
            found[name] = option[1] or {}
    return found


def check_options(where, value, options, problems, exhaustive=True):
    """Every key of value (a mapping of options) names one of options; suboptions are checked in depth."""
    if not isinstance(value, dict):
        return  # a template, or a whole variable: nothing to check here
    known = _by_name(options)
    for key, item in value.items():
        spec = known.get(key)
        if spec is None:
            if exhaustive:
                problems.append("%s: unknown option %r (known: %s)" % (where, key, ", ".join(sorted(options))))
            continue
        sub = spec.get("suboptions") or spec.get("options")
        if not sub:
            continue
        items = item if isinstance(item, list) else [item]
        for index, element in enumerate(items):
            label = "%s.%s%s" % (where, key, "[%d]" % index if isinstance(item, list) else "")
            check_options(label, element, sub, problems)


def _option_at(path):
    """The spec of a dotted role option path (cortex_client.users), or None."""
    spec = {"options": ROLE_OPTIONS}
    for part in path.split("."):
        spec = _by_name(spec.get("suboptions") or spec.get("options") or {}).get(part)
        if spec is None:
            return None
    return spec


def _is_task_or_play(item):
    if not isinstance(item, dict):
        return False
    if set(item) & {"hosts", "import_playbook", "name", "block", "include_tasks", "import_tasks", "include_role",
                    "import_role", "ansible.builtin.import_playbook"}:
        return True
    return any("." in key for key in item)  # a module by its FQCN


def check_yaml(where, data, problems):
    """Walk a parsed example: tasks, module_defaults, roles, inventory configurations, role variables."""
    if isinstance(data, list):
        for index, item in enumerate(data):
            check_yaml("%s[%d]" % (where, index), item, problems)
        return
    if not isinstance(data, dict):
        return
    if data.get("plugin") == FQCN + ".cortex":
        check_options(where + " (inventory configuration)", data, INVENTORY, problems)
    for key, value in data.items():
        label = "%s.%s" % (where, key)
        if isinstance(key, str) and key.startswith(FQCN + "."):
            name = key[len(FQCN) + 1:]
            if name not in MODULES:
                problems.append("%s: %s is not a module of the collection" % (where, key))
            else:
                check_options("%s (%s)" % (where, key), value, MODULES[name], problems)
            continue
        if key == "module_defaults" and isinstance(value, dict):
            for target, defaults in value.items():
                if target == "group/%s.cortex" % FQCN:
                    for module in GROUP:
                        check_options("%s[%s] (as %s)" % (label, target, module), defaults, MODULES[module], problems)
                elif isinstance(target, str) and target.startswith(FQCN + "."):
                    name = target[len(FQCN) + 1:]
                    if name not in MODULES:
                        problems.append("%s: %s is not a module of the collection" % (label, target))
                    else:
                        check_options("%s[%s]" % (label, target), defaults, MODULES[name], problems)
            continue
        if key == "roles" and isinstance(value, list):
            for index, role in enumerate(value):
                if isinstance(role, dict):
                    name = str(role.get("role") or role.get("name") or "")
                    if name.startswith(FQCN + ".") and name[len(FQCN) + 1:] in ROLE_SPECS:
                        # (cortex_client is checked in depth below, with every other cortex_client)
                        params = dict((k, v) for k, v in role.items() if k not in ROLE_KEYWORDS | {"cortex_client"})
                        check_options("%s[%d] (%s)" % (label, index, name), params,
                                      ROLE_SPECS[name[len(FQCN) + 1:]], problems)
        if isinstance(key, str) and ROLE_VAR.match(key) and key not in ROLE_OPTIONS:
            problems.append("%s: %s is not a variable of the roles (meta/argument_specs.yml)" % (where, key))
        if key == "cortex_client":
            check_options(label, value, _option_at("cortex_client")["options"], problems)
            continue
        check_yaml(label, value, problems)


def _examples():
    """(id, source, text, marker) of every example: fenced YAML blocks of the guides, EXAMPLES of the plugins."""
    found = []
    guides = sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + [os.path.join(ROOT, "README.md"),
                                                                      os.path.join(ROOT, "CONTRIBUTING.md")]
    guides += sorted(glob.glob(os.path.join(ROOT, "roles", "*", "README.md")))
    for path in guides:
        if not os.path.exists(path):
            continue
        rel = os.path.relpath(path, ROOT)
        text = _read(rel)
        for match in FENCE.finditer(text):
            if match.group(1).lower() not in ("yaml", "yml"):
                continue
            line = text.count("\n", 0, match.start()) + 1
            before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            marker = MARKER.search(before)
            found.append(("%s:%d" % (rel, line), rel, match.group(2), marker.group(1) if marker else None))
    plugins = sorted(glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py")))
    plugins += sorted(glob.glob(os.path.join(ROOT, "plugins", "inventory", "*.py")))
    plugins += sorted(glob.glob(os.path.join(ROOT, "plugins", "lookup", "*.py")))
    for path in plugins:
        rel = os.path.relpath(path, ROOT)
        examples = _assignments(rel).get("EXAMPLES")
        if examples is not None:
            found.append(("%s:EXAMPLES" % rel, rel, examples, None))
    for path in sorted(glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml"))):
        rel = os.path.relpath(path, ROOT)
        for entry, spec in sorted(((yaml.safe_load(_read(rel)) or {}).get("argument_specs") or {}).items()):
            if (spec or {}).get("examples") is not None:
                found.append(("%s:%s:examples" % (rel, entry), rel, spec["examples"], None))
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "filter", "*.yml"))):
        rel = os.path.relpath(path, ROOT)
        examples = (yaml.safe_load(_read(rel)) or {}).get("EXAMPLES")
        if examples is not None:
            found.append(("%s:EXAMPLES" % rel, rel, examples, None))
    return found


EXAMPLES = _examples()


def problems_of(where, text, marker):
    """The problems of one example (an empty list when it parses and uses only what exists)."""
    problems = []
    if marker and marker.startswith("fragment"):
        if not re.match(r"^fragment\s*[-:]\s*\S", marker):
            problems.append("%s: a fragment marker gives its reason: <!-- yaml-example: fragment - REASON -->" % where)
        return problems
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return ["%s: not valid YAML: %s" % (where, str(exc).replace("\n", " "))]
    if marker:
        spec = _option_at(marker)
        if spec is None:
            return ["%s: the marker names %r, which is not a role option" % (where, marker)]
        sub = spec.get("options") or spec.get("suboptions") or {}
        if spec.get("type") == "list" and isinstance(data, list):
            for index, item in enumerate(data):
                check_options("%s %s[%d]" % (where, marker, index), item, sub, problems)
        else:
            check_options("%s %s" % (where, marker), data, sub, problems)
        return problems
    if isinstance(data, list) and any(isinstance(item, dict) and not _is_task_or_play(item) for item in data):
        problems.append("%s: a list of mappings that are neither plays nor tasks: say where it belongs with "
                        "<!-- yaml-example: cortex_client.users --> (or another role option) on the line before "
                        "the fence" % where)
    check_yaml(where, data, problems)
    return problems


@pytest.mark.parametrize("where, source, text, marker", EXAMPLES, ids=[example[0] for example in EXAMPLES])
def test_example(where, source, text, marker):
    assert problems_of(where, text, marker) == []


def test_examples_are_found():
    """The guides and the plugins have examples: the search above cannot silently find none."""
    sources = set(example[1] for example in EXAMPLES)
    assert os.path.join("docs", "day2.md") in sources
    assert any(source.startswith(os.path.join("plugins", "modules")) for source in sources)
    assert len(MODULES) >= 10 and "cortex_user" in MODULES and "users" in MODULES["cortex_user"]
    assert "cortex_client" in ROLE_OPTIONS and "client_offboarding_confirm" in ROLE_OPTIONS


def test_extra_vars_of_shell_examples_are_role_variables():
    """``-e client_onboarding_NAME=...`` in a shell example of the guides names a variable of a role."""
    problems = []
    guides = sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + [os.path.join(ROOT, "README.md")]
    guides += sorted(glob.glob(os.path.join(ROOT, "roles", "*", "README.md")))
    for path in guides:
        rel = os.path.relpath(path, ROOT)
        text = _read(rel)
        for match in FENCE.finditer(text):
            if match.group(1).lower() not in ("bash", "sh", "shell", "console"):
                continue
            line = text.count("\n", 0, match.start()) + 1
            for name in EXTRA_VAR.findall(match.group(2)):
                if name not in ROLE_OPTIONS:
                    problems.append("%s:%d: -e %s: not a variable of the roles" % (rel, line, name))
    assert problems == []


def test_named_collection_content_exists():
    """Every cloudforyou.cortex.NAME of the guides and of the plugins' examples is a module, plugin, role or
    playbook of the collection."""
    problems = []
    texts = [(example[0], example[2]) for example in EXAMPLES if example[0].lower().endswith(":examples")]
    guides = sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + [os.path.join(ROOT, "README.md")]
    guides += sorted(glob.glob(os.path.join(ROOT, "roles", "*", "README.md")))
    texts += [(os.path.relpath(path, ROOT), _read(os.path.relpath(path, ROOT))) for path in guides]
    for where, text in texts:
        for name in sorted(set(NAMED.findall(text))):
            if name not in KNOWN:
                problems.append("%s: %s.%s is not in the collection" % (where, FQCN, name))
    assert problems == []


# The checks themselves: a wrong option, suboption, role variable or cortex_client key is found.
@pytest.mark.parametrize("text, marker, expected", [
    ("- name: x\n  cloudforyou.cortex.cortex_user: {tenant: BMS, upn: a@b.fr, pasword: x}\n", None, "'pasword'"),
    ("- name: x\n  cloudforyou.cortex.cortex_user:\n    tenant: BMS\n    users:\n      - {upn: a@b.fr, plann: P}\n",
     None, "'plann'"),
    ("- name: x\n  cloudforyou.cortex.cortex_nothing: {}\n", None, "not a module"),
    ("- hosts: localhost\n  module_defaults:\n    group/cloudforyou.cortex.cortex: {cortex_uri: x}\n  tasks: []\n",
     None, "'cortex_uri'"),
    ("client_onboarding_prunes: true\n", None, "client_onboarding_prunes"),
    ("cortex_client: {name: X, domains: [{name: x.fr, primary: true, main: true}]}\n", None, "'main'"),
    ("- {upn: a@b.fr, first_nam: A}\n", "cortex_client.users", "'first_nam'"),
    ("- {upn: a@b.fr}\n", None, "neither plays nor tasks"),
    ("key: [unclosed\n", None, "not valid YAML"),
    ("plugin: cloudforyou.cortex.cortex\nkeyed_group: []\n", None, "'keyed_group'"),
    ("- hosts: localhost\n  roles:\n    - {role: cloudforyou.cortex.client_onboarding, cortex_clent: {}}\n", None,
     "'cortex_clent'"),
])
def test_the_checks_find_drift(text, marker, expected):
    problems = problems_of("example", text, marker)
    assert problems and expected in " ".join(problems), problems


def test_the_checks_accept_what_exists():
    text = ("- hosts: localhost\n  module_defaults:\n    group/cloudforyou.cortex.cortex: {cortex_url: x}\n"
            "  vars: {client_onboarding_prune: true}\n  tasks:\n    - name: x\n      cloudforyou.cortex.cortex_user:\n"
            "        tenant: BMS\n        users: [{upn: a@b.fr, first_name: A, state: absent}]\n")
    assert problems_of("example", text, None) == []


PLAYBOOK_VAR = re.compile(r"^(survey|export|usage_report)_\w+$")


def test_playbook_variables_are_documented():
    """docs/playbooks.md, the reference of the playbooks' own variables, names every survey variable and only
    variables the playbooks read."""
    page = _read(os.path.join("docs", "playbooks.md"))
    listed = set()
    for row in re.findall(r"^\|([^|\n]*)\|", page, re.M):
        listed |= set(name for name in re.findall(r"`([a-z_]+)`", row) if PLAYBOOK_VAR.match(name))
    playbooks = "\n".join(_read(os.path.relpath(path, ROOT))
                          for path in glob.glob(os.path.join(ROOT, "playbooks", "*.yml")))
    read = set(re.findall(r"\b((?:survey|export|usage_report)_\w+)\b", playbooks))
    surveys = set()
    for path in glob.glob(os.path.join(ROOT, "extensions", "awx", "survey_*.json")):
        surveys |= set(question["variable"] for question in yaml.safe_load(_read(os.path.relpath(path, ROOT)))["spec"])
    assert sorted(surveys - listed) == [], "survey variables missing from docs/playbooks.md"
    assert sorted(listed - read) == [], "docs/playbooks.md lists variables no playbook reads"
    assert {"export_tenant", "export_path", "export_print", "usage_report_path", "usage_report_print"} <= listed
