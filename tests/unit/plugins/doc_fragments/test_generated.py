# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The doc fragments are what the declarations render (tools/render_doc_fragments.py): users and tenants from their
fields, the connection options of plugins/doc_fragments/cortex.py (module and inventory forms) from cortex_connection."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def test_doc_fragments_match_the_field_declarations():
    script = os.path.join(ROOT, "tools", "render_doc_fragments.py")
    run = subprocess.run([sys.executable, script, "--check"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, check=False)
    assert run.returncode == 0, run.stdout


def renderer():
    spec = importlib.util.spec_from_file_location("render_doc_fragments", os.path.join(ROOT, "tools",
                                                                                       "render_doc_fragments.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_connection_part_of_the_cortex_fragment_is_rendered_again_and_the_rest_kept():
    tool = renderer()
    with open(os.path.join(ROOT, "plugins", "doc_fragments", "cortex.py"), encoding="utf-8") as handle:
        current = handle.read()
    assert tool.connection_fragment(current) == current
    # an option edited by hand in the generated part, or left out of it, is put back as declared
    edited = current.replace("Deadline in seconds of each HTTP exchange", "Deadline of each exchange", 2)
    assert edited != current and tool.connection_fragment(edited) == current
    dropped = current.replace("  retry_timeout:\n", "  retry_timeout_gone:\n", 1)
    assert tool.connection_fragment(dropped) == current
    # the sections written by hand (WAIT, CONCURRENCY...) are kept as they are
    wait = current.replace("How many seconds to wait, in all", "How many seconds to wait in all")
    assert wait != current and tool.connection_fragment(wait) == wait


def test_the_renderer_refuses_a_cortex_fragment_without_its_markers():
    tool = renderer()
    with open(os.path.join(ROOT, "plugins", "doc_fragments", "cortex.py"), encoding="utf-8") as handle:
        current = handle.read()
    with pytest.raises(SystemExit):
        tool.connection_fragment(current.replace(tool.END, ""))
