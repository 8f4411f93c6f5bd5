# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A JSON text that a controller plugin hands to a template, kept a text on every ansible-core.

The role hands thousands of users, mailboxes and jobs from one task to the next as JSON texts (``packed``): Ansible
carries one text far faster than the values it holds. Before 2.19, a template whose result is a text that looks like
a list or a dict reads it back into that list or dict (``ast.literal_eval``), unless the text is a ``NativeJinjaText``
- as Ansible marks the output of its own ``string`` and ``to_json`` filters (``STRING_TYPE_FILTERS``). For 20,000
jobs that took 4 seconds of parsing, then 2 more to mark each value unsafe, and the module wrote it all again as JSON.
2.19 never reads a text back; marking it unsafe is all it needs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.utils.unsafe_proxy import wrap_var

try:  # ansible-core 2.16-2.18
    from ansible.utils.native_jinja import NativeJinjaText
except ImportError:  # 2.19: a template's text result stays a text
    NativeJinjaText = None


def unsafe_text(text):
    """``text`` marked unsafe (never templated again, as a module's result is) and, before 2.19, as a text that a
    template hands on as it is. Anything but a text is only marked unsafe."""
    if NativeJinjaText is not None and isinstance(text, str):
        text = NativeJinjaText(text)
    return wrap_var(text)
