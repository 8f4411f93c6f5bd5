#!/usr/bin/env python3
"""Render what the roles document of the client description from its one declaration.

The keys of ``cortex_client`` are declared once (plugins/module_utils/cortex_description.py, from the entities' fields
of cortex_schema.py). From it this writes:

* the ``cortex_client`` options of roles/client_onboarding/meta/argument_specs.yml (the role's other variables are
  written there by hand, with their defaults, which must be those of defaults/main.yml);
* the tables of roles/client_onboarding/README.md between the ``<!-- BEGIN ... -->`` and ``<!-- END ... -->`` markers:
  the role's variables, and every key of ``cortex_client``.

    .venv/bin/python tools/render_role_docs.py          # rewrite them
    .venv/bin/python tools/render_role_docs.py --check  # exit 1 if they differ (a unit test runs this)
"""

import argparse
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROLE = os.path.join(ROOT, "roles", "client_onboarding")
SPECS = os.path.join(ROLE, "meta", "argument_specs.yml")
README = os.path.join(ROLE, "README.md")
DEFAULTS = os.path.join(ROLE, "defaults", "main.yml")


def import_description():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from render_doc_fragments import import_collection  # the collection of this checkout, importable
    import_collection()
    from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_description
    return cortex_description


class Dumper(yaml.SafeDumper):
    """Multi-line texts (the role's ``examples``) as literal blocks, lists indented under their key (yamllint's and
    ansible-lint's style), as written by hand."""

    def increase_indent(self, flow=False, indentless=False):
        return super(Dumper, self).increase_indent(flow, False)


Dumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None))


def dump(data):
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)


def render_specs(description, text):
    specs = yaml.safe_load(text)
    options = specs["argument_specs"]["main"]["options"]
    client = options["cortex_client"]
    client["options"] = dict((name, key.spec()) for name, key in description.CLIENT_KEYS.items())
    return "---\n" + dump(specs)


def plain(doc):
    text = " ".join(doc) if isinstance(doc, list) else (doc or "")
    for markup, left, right in (("O(", "`", "`"), ("V(", "`", "`"), ("C(", "`", "`"), ("M(", "`", "`"),
                                ("RV(", "`", "`")):
        while markup in text:
            start = text.index(markup)
            end = text.index(")", start)
            inner = text[start + len(markup):end].split("#")[-1].split(":")[-1] if markup in ("O(", "M(") else \
                text[start + len(markup):end]
            text = text[:start] + left + inner + right + text[end + 1:]
    return text.replace("|", "\\|")


def key_rows(keys, prefix=""):
    rows = []
    for name, key in keys.items():
        kind = key.type + ("/" + key.elements if key.elements else "")
        notes = []
        if key.required:
            notes.append("required")
        if key.default is not None:
            notes.append("default `%s`" % (str(key.default).lower() if isinstance(key.default, bool) else key.default))
        if key.choices:
            notes.append("one of " + ", ".join("`%s`" % c for c in key.choices))
        if key.no_log:
            notes.append("secret")
        rows.append("| `%s%s` | %s | %s | %s |" % (prefix, name, kind, "; ".join(notes), plain(key.doc)))
        if key.options:
            rows += key_rows(key.options, prefix + name + ("[]." if key.type == "list" else "."))
    return rows


def render_tables(description, specs_text):
    options = yaml.safe_load(specs_text)["argument_specs"]["main"]["options"]
    variables = ["| variable | default | meaning |", "|---|---|---|"]
    for name, spec in options.items():
        default = "required" if spec.get("required") else "`%s`" % (
            str(spec["default"]).lower() if isinstance(spec.get("default"), bool) else spec.get("default", ""))
        if spec.get("default") == "":
            default = '`""`'
        variables.append("| `%s` | %s | %s |" % (name, default, plain(spec.get("description"))))
    keys = ["| key | type | | meaning |", "|---|---|---|---|"] + key_rows(description.CLIENT_KEYS)
    return {"role variables": "\n".join(variables), "cortex_client keys": "\n".join(keys)}


def replace_between(text, name, body):
    begin, end = "<!-- BEGIN %s (tools/render_role_docs.py) -->" % name, "<!-- END %s -->" % name
    if begin not in text or end not in text:
        raise SystemExit("%s: no %s / %s markers" % (README, begin, end))
    head, rest = text.split(begin, 1)
    dummy, tail = rest.split(end, 1)
    return head + begin + "\n" + body + "\n" + end + tail


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a file differs from what is rendered")
    args = parser.parse_args()
    description = import_description()
    with open(SPECS, encoding="utf-8") as handle:
        specs_before = handle.read()
    specs = render_specs(description, specs_before)
    with open(README, encoding="utf-8") as handle:
        readme_before = handle.read()
    readme = readme_before
    for name, body in render_tables(description, specs).items():
        readme = replace_between(readme, name, body)
    with open(DEFAULTS, encoding="utf-8") as handle:
        defaults = yaml.safe_load(handle) or {}
    options = yaml.safe_load(specs)["argument_specs"]["main"]["options"]
    drift = ["%s: defaults/main.yml has %r, argument_specs.yml %r" % (name, value, options.get(name, {}).get("default"))
             for name, value in defaults.items() if options.get(name, {}).get("default") != value]
    drift += ["%s: in argument_specs.yml with a default, not in defaults/main.yml" % name
              for name, spec in options.items() if "default" in spec and name not in defaults]
    changed = [path for path, before, after in ((SPECS, specs_before, specs), (README, readme_before, readme))
               if before != after]
    if args.check:
        for path in changed:
            print("%s differs from the declaration of the client description: run tools/render_role_docs.py" % path)
        for line in drift:
            print(line)
        return 1 if changed or drift else 0
    for path, text in ((SPECS, specs), (README, readme)):
        if path in changed:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            print("rewrote %s" % os.path.relpath(path, ROOT))
    for line in drift:
        print(line)
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
