#!/usr/bin/env python3
"""Build the collection's HTML documentation site (antsibull-docs + Sphinx) into build/docs/html/.

Run by tools/checks/docsite.sh (`make docs`, and `make test` through tools/test.sh), with the venv's tools on PATH:

    python tools/checks/docsite.py --collections DIR --out build/docs [--allow-warnings]

DIR holds ansible_collections/cloudforyou/cortex (a copy of the collection, tools/collection-tree.py --dest).

1. `antsibull-docs collection --use-current` renders every module, plugin and role (meta/argument_specs.yml) of
   the installed copy to RST under build/docs/src/collections/;
2. docs/ is copied to build/docs/src/docs/ as it is (docs/docsite/ excepted: antsibull-docs' own directory): MyST
   (myst-parser) reads its Markdown, and the site's start page lists the guides in the order of GUIDES, REFERENCE
   and DEVELOPING below; a new docs/NAME.md is on the site, as docs/NAME.html, after the user guides, with no index
   line at all;
3. a conf.py is written (the antsibull-docs Sphinx extension and theme, MyST, nitpicky) and sphinx-build makes the
   HTML with warnings as errors (-W), unless --allow-warnings.

The guides' relative links are kept as they are on GitHub. A link to another guide is a link between pages; the
Sphinx extension at the end of this file (loaded by that conf.py) turns a link that leaves docs/ into a link to the
page documenting it (roles/NAME/README.md -> the role's page, plugins/modules/NAME.py -> the module's page) or else
to the file in the repository on GitHub (galaxy.yml `repository`, branch main). A link to a file that does not exist
stays a Sphinx warning, so it fails the build. Without network access, references antsibull-docs makes to the
Ansible documentation (another collection's plugin, the common return values, the configuration settings) are
resolved here to docs.ansible.com addresses instead of through intersphinx.
"""

import argparse
import os
import posixpath
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE_DOCS = "https://docs.ansible.com/ansible/latest/"
# references antsibull-docs makes to labels of the Ansible documentation, and the pages that hold them
ANSIBLE_LABELS = {
    "common_return_values": "reference_appendices/common_return_values.html",
    "ansible_configuration_settings": "reference_appendices/config.html",
    "action_plugins": "plugins/action.html",
}
PLUGIN_LABEL = re.compile(r"^ansible_collections\.([a-z0-9_]+)\.([a-z0-9_]+)\.([a-z0-9_]+)_([a-z]+)$")


def galaxy():
    import yaml  # noqa: E402 - PyYAML is in the venv (requirements-dev.txt)

    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def run(cmd, **kwargs):
    print("docsite: $ %s" % " ".join(cmd), flush=True)
    if subprocess.run(cmd, check=False, **kwargs).returncode:
        sys.exit("docsite: %s failed (above)" % cmd[0])


CONF = '''# Written by tools/checks/docsite.py at each build: edit that file, not this one.
import sys
sys.path.insert(0, {tools!r})

project = {fqcn!r}
copyright = {authors!r}
title = {title!r}
html_short_title = {fqcn!r}
html_title = {title!r}

# sphinx.ext.githubpages writes html/.nojekyll: GitHub Pages then serves _static/ as it is
extensions = ["sphinx_antsibull_ext", "myst_parser", "sphinx.ext.githubpages", "docsite"]
source_suffix = {{".rst": "restructuredtext", ".md": "markdown"}}
root_doc = "index"
exclude_patterns = []

pygments_style = "ansible"
highlight_language = "YAML+Jinja"
html_theme = "sphinx_ansible_theme"
html_theme_options = {{"collapse_navigation": False, "display_version": False}}
# "Edit on GitHub" on the guides only (the docsite extension turns it off on generated pages)
html_context = {{"display_github": True, "github_user": {gh_user!r}, "github_repo": {gh_repo!r},
                 "github_version": "main", "conf_py_path": "/", "current_version": {version!r}}}
html_show_sphinx = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

# GitHub-style anchors for the guides' headings, so that [text](other.md#a-heading) works as on GitHub
myst_heading_anchors = 4
# The guides are written for GitHub, which renders a heading that skips a level (# then ###) as written; Sphinx
# nests it one level down and says so. Nothing else is silenced.
suppress_warnings = ["myst.header"]

# every reference must resolve (default_role any, nitpicky); see the docsite extension for the Ansible docs
default_role = "any"
nitpicky = True

docsite_repository = {repository!r}
docsite_root = {root!r}
docsite_guides = "docs"
docsite_collection_dir = "collections/{namespace}/{name}"
'''

INDEX = '''{title}
{underline}

{description}

Installation: ``ansible-galaxy collection install {fqcn}`` (version {version}). Sources and issues: `GitHub
<{repository}>`__.

.. toctree::
   :maxdepth: 1
   :caption: Guides

{guides}

.. toctree::
   :maxdepth: 2
   :caption: Reference

{reference}
   collections/{namespace}/{name}/index
   collections/environment_variables

.. toctree::
   :maxdepth: 1
   :caption: Developing

{developing}

.. toctree::
   :hidden:

   collections/index
'''

# The start page's order of the guides of docs/ (file names without .md): the user guides first, the reference of
# the playbooks' variables with the plugin pages, then the developers' pages. A guide not listed here (a new
# docs/NAME.md) is added at the end of the user guides, by file name: no index to edit.
GUIDES = ["onboarding", "day2", "awx"]
REFERENCE = ["playbooks"]
DEVELOPING = ["developing", "emulator", "protocol"]


def toctree_sections(names):
    """The guides' entries of the three toctrees of the start page, from the names of docs/*.md."""
    listed = set(GUIDES + REFERENCE + DEVELOPING)
    sections = []
    for order in (GUIDES + sorted(n for n in names if n not in listed), REFERENCE, DEVELOPING):
        entries = ["   docs/%s" % n for n in order if n in names]
        sections.append("\n".join(entries))
    return sections


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--collections", required=True, help="directory holding ansible_collections/")
    parser.add_argument("--out", required=True, help="build directory (src/, html/ and doctrees/ are made anew)")
    parser.add_argument("--allow-warnings", action="store_true", help="do not turn Sphinx warnings into errors")
    args = parser.parse_args()

    meta = galaxy()
    namespace, name = meta["namespace"], meta["name"]
    fqcn = "%s.%s" % (namespace, name)
    repository = meta.get("repository", "").rstrip("/")
    gh_user, gh_repo = (repository.split("github.com/", 1)[1].split("/") + [""])[:2] if "github.com/" in repository \
        else ("", "")
    out = os.path.abspath(args.out)
    src, html, doctrees = (os.path.join(out, d) for d in ("src", "html", "doctrees"))
    for path in (src, html, doctrees):
        shutil.rmtree(path, ignore_errors=True)
    os.makedirs(src)
    os.chmod(src, 0o755)  # antsibull-docs wants its destination writable by its owner only

    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.abspath(args.collections))
    env.pop("ANSIBLE_COLLECTIONS_PATHS", None)
    # 1. the plugin and role pages; --fail-on-error: a doc that cannot be parsed fails instead of making an error page
    run(["antsibull-docs", "collection", "--use-current", "--fail-on-error", "--dest-dir", src, fqcn], env=env)

    # 2. the guides, as they are in docs/ (docs/docsite/ is antsibull-docs' own extra-docs directory: not a guide)
    guides = os.path.join(src, "docs")
    docs = os.path.join(ROOT, "docs")
    count = 0
    for entry in sorted(os.listdir(docs)):
        path = os.path.join(docs, entry)
        if entry == "docsite" or entry.startswith("."):
            continue
        if os.path.isdir(path):
            shutil.copytree(path, os.path.join(guides, entry))
        else:
            os.makedirs(guides, exist_ok=True)
            shutil.copy2(path, guides)
            count += entry.endswith(".md")
    if not count:
        sys.exit("docsite: no Markdown guide in docs/")

    # 3. conf.py, the start page, sphinx-build
    authors = ", ".join(meta.get("authors") or [])
    title = "%s %s" % (fqcn, meta["version"])
    with open(os.path.join(out, "conf.py"), "w", encoding="utf-8") as fh:
        fh.write(CONF.format(tools=os.path.dirname(os.path.abspath(__file__)), fqcn=fqcn, authors=authors,
                             title=title, gh_user=gh_user, gh_repo=gh_repo, version=meta["version"],
                             repository=repository, root=ROOT, namespace=namespace, name=name))
    description = " ".join((meta.get("description") or "").split())
    names = set(entry[:-3] for entry in os.listdir(docs) if entry.endswith(".md"))
    guides_toc, reference_toc, developing_toc = toctree_sections(names)
    with open(os.path.join(src, "index.rst"), "w", encoding="utf-8") as fh:
        fh.write(INDEX.format(title=fqcn, underline="=" * len(fqcn), description=description, fqcn=fqcn,
                              version=meta["version"], repository=repository, namespace=namespace, name=name,
                              guides=guides_toc, reference=reference_toc, developing=developing_toc))
    cmd = ["sphinx-build", "-b", "html", "-c", out, "-d", doctrees, "-q", "-j", "1", src, html]
    if not args.allow_warnings:
        cmd[1:1] = ["-W", "--keep-going"]
    run(cmd)
    print("docsite: %d guide(s) and the plugin and role pages in %s" % (count, os.path.join(html, "index.html")))


# ---------------------------------------------------------------------------------------------------------------
# the Sphinx extension (conf.py: extensions = [..., "docsite"])

def setup(app):
    from docutils import nodes
    from sphinx.transforms.post_transforms import SphinxPostTransform
    from sphinx import addnodes

    app.add_config_value("docsite_repository", "", "env")
    app.add_config_value("docsite_root", "", "env")
    app.add_config_value("docsite_guides", "docs", "env")
    app.add_config_value("docsite_collection_dir", "", "env")

    class RepositoryLinks(SphinxPostTransform):
        """The guides' links out of docs/: to the page documenting the file, or to the file on GitHub. Runs before
        MyST's own resolver (priority 9), which would warn about them."""

        default_priority = 8

        def run(self, **kwargs):
            config = self.config
            guides = config.docsite_guides + "/"
            if not self.env.docname.startswith(guides):
                return
            # the page's directory in the repository: the site's docs/ is the repository's docs/
            repo_dir = posixpath.dirname(self.env.docname)
            for node in list(self.document.findall(addnodes.pending_xref)):
                if node.get("reftype") != "myst" or node.get("refdomain") not in (None, ""):
                    continue
                target = node["reftarget"]
                path, _sep, fragment = target.partition("#")
                if not path or re.match(r"^[a-z][a-z0-9+.-]*:", path):
                    continue
                rel = posixpath.normpath(posixpath.join(repo_dir, path))
                if rel.startswith("../") or rel == ".." or not os.path.exists(os.path.join(config.docsite_root, rel)):
                    continue  # not a file of the repository: MyST warns about it
                uri = self.page_uri(rel)
                if uri is None:
                    kind = "tree" if os.path.isdir(os.path.join(config.docsite_root, rel)) else "blob"
                    uri = "%s/%s/main/%s" % (config.docsite_repository, kind, rel)
                    if fragment:
                        uri += "#" + fragment
                ref = nodes.reference("", "", internal=False, refuri=uri)
                ref += node[0].deepcopy() if len(node) else nodes.literal(target, target)
                node.replace_self(ref)

        def page_uri(self, rel):
            """The URI of the site's page that documents the repository file rel, if there is one."""
            coll = self.config.docsite_collection_dir
            match = re.match(r"^roles/([^/]+)/(README\.md|meta/argument_specs\.ya?ml)$", rel)
            docname = None
            if match:
                docname = "%s/%s_role" % (coll, match.group(1))
            match = re.match(r"^plugins/(modules|inventory)/([^/]+)\.py$", rel)
            if match:
                docname = "%s/%s_%s" % (coll, match.group(2), "module" if match.group(1) == "modules" else "inventory")
            if docname and docname in self.env.all_docs:
                return self.app.builder.get_relative_uri(self.env.docname, docname)
            return None

    def ansible_docs(app, env, node, contnode):
        """References to the Ansible documentation, which intersphinx cannot fetch here."""
        if node.get("refdomain") != "std" or node.get("reftype") not in ("ref", "any", "envvar"):
            return None
        target = node.get("reftarget", "")
        url = None
        if node.get("reftype") == "envvar" and target.startswith("ANSIBLE_"):
            # ansible-core's own settings (from fragments such as inventory_cache), on its configuration page
            url = ANSIBLE_DOCS + "reference_appendices/config.html#envvar-" + target
        elif target in ANSIBLE_LABELS:
            url = ANSIBLE_DOCS + ANSIBLE_LABELS[target]
        match = PLUGIN_LABEL.match(target)
        if match and "%s.%s" % match.group(1, 2) != app.config.project:
            url = ANSIBLE_DOCS + "collections/%s/%s/%s_%s.html" % match.groups()
        if url is None:
            return None
        ref = nodes.reference("", "", internal=False, refuri=url)
        ref += contnode
        return ref

    class PlainUnknownLanguages(SphinxPostTransform):
        """A guide's code block in a language Pygments does not know (```csv) is shown as plain text, as GitHub shows
        it, instead of failing the build; a known language that does not lex still warns."""

        default_priority = 100

        def run(self, **kwargs):
            if not self.env.docname.startswith(self.config.docsite_guides + "/"):
                return
            from pygments.lexers import get_lexer_by_name
            from pygments.util import ClassNotFound
            from sphinx.highlighting import lexer_classes

            for node in self.document.findall(nodes.literal_block):
                language = node.get("language")
                if not language or language in lexer_classes or language in ("default", "none"):
                    continue
                try:
                    get_lexer_by_name(language)
                except ClassNotFound:
                    node["language"] = "text"

    def edit_link(app, pagename, templatename, context, doctree):
        """The theme's "Edit on GitHub" link: only a guide has a source of its own in the repository."""
        context["display_github"] = pagename.startswith(app.config.docsite_guides + "/")

    app.add_post_transform(RepositoryLinks)
    app.add_post_transform(PlainUnknownLanguages)
    app.connect("missing-reference", ansible_docs)
    app.connect("html-page-context", edit_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    main()
