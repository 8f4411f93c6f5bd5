# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: users_csv
version_added: 1.0.0
short_description: Read the users of a CSV export, in the encodings and separators office suites write
description:
  - Reads a CSV file of users (first name, last name, display name, UPN, login, password, plan) into a list for
    C(cortex_client.users) of the role C(cloudforyou.cortex.client_onboarding).
  - Encodings - UTF-8 with or without a byte order mark, UTF-16 with a byte order mark, Windows-1252 (what French Excel
    writes). Separators - C(;), C(,) or tab, sniffed from the header line, or Excel's C(sep=;) first line.
  - Quoted cells may hold separators, quotes and line breaks. Headers may be English or French (C(Prénom), C(Nom),
    C(Nom complet), C(Identifiant), C(Mot de passe), C(Forfait)...), in any case and order.
  - Passwords are kept exactly as written (spaces included); other cells are trimmed; empty cells are left out.
  - An unreadable file, an unknown or missing column, a row with too few or too many cells is refused with the file,
    line and column - and never the content of a cell, which may be a password.
author: cloudforyou infra team (@cloudforyou)
options:
  _terms:
    description: Path of the CSV file (relative paths are looked up in the play's C(files/) search path).
    type: list
    elements: path
    required: true
"""

EXAMPLES = r"""
- name: Onboard the client with the users of an Excel export
  ansible.builtin.include_role:
    name: cloudforyou.cortex.client_onboarding
  vars:
    cortex_client: "{{ client | combine({'users': query('cloudforyou.cortex.users_csv', 'users.csv')}) }}"
"""

RETURN = r"""
_raw:
  description: The users of the files, in order; use C(query) (or C(lookup(..., wantlist=true))) to get the list.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_csv import CsvError, read_users


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        found = []
        for term in terms:
            path = self.find_file_in_search_path(variables, "files", term, ignore_missing=True)
            if not path:
                raise AnsibleLookupError("users_csv: the file '%s' was not found" % term)
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except (IOError, OSError) as exc:
                raise AnsibleLookupError("users_csv: cannot read '%s': %s" % (path, exc.strerror or exc))
            try:
                found.extend(read_users(data, path))
            except CsvError as exc:
                raise AnsibleLookupError("users_csv: %s" % exc)
        return found
