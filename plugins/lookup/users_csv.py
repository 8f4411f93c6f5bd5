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
  - A file is read in one encoding, or refused. With a byte order mark, it must be valid in the encoding of its mark.
    Without one, it is UTF-8 if it is valid UTF-8; otherwise it is Windows-1252 only if it holds no byte sequence of
    UTF-8's multibyte form at all and every byte is a Windows-1252 character. A file mixing both (an otherwise UTF-8
    file with a name saved by another program) is refused, naming the line and column of its first byte that is not
    UTF-8 - it is never read whole in the other encoding, which would change every accented letter (and passwords).
  - Quoted cells may hold separators, quotes and line breaks. Headers may be English or French (C(Prénom), C(Nom),
    C(Nom complet), C(Identifiant), C(Mot de passe), C(Forfait)...), in any case and order; the first line must name
    every column (a column to ignore has an empty header cell).
  - Passwords are kept exactly as written (spaces included); other cells are trimmed; empty cells are left out.
  - Cells are checked for their column - a UPN of the form C(name@domain), a login of ASCII letters, digits and
    C(. _ -), a state C(present) or C(absent) - so that a row whose cells are not in the header's order (a password
    in the UPN column) is refused here rather than shown by a later check.
  - An unreadable file, a byte not valid in the file's encoding, an unknown, repeated or missing column, a row with
    too few or too many cells, a broken quote or a cell unfit for its column is refused with the file, the line, and
    the column by number and by the key of its header - and never the content of a cell, which may be a password.
    The header's cells are named by position only, as a file without a header line has a user's row there.
author: cloudforyou infra team (@cloudforyou)
options:
  _terms:
    description:
      - Path of the CSV file. A relative path is looked up in the usual search path (the role's and the play's
        C(files/) directories, then the role's and the play's directories), then in the current working directory
        (so C(-e client_onboarding_users_csv=users.csv) finds the C(users.csv) of the directory the command runs in).
      - A file encrypted with C(ansible-vault encrypt) is decrypted with the vault secrets of the run (C(--ask-vault-pass),
        C(--vault-password-file), C(--vault-id)).
    type: list
    elements: path
    required: true
  check:
    description:
      - Only check the files - read, decrypted and parsed whole, with the same errors - and return, per file, facts that
        hold no secret (C(file), C(users), C(upns)) instead of the users.
      - For a task without C(no_log) that shows the CSV problems before a task that must hide its values.
    type: bool
    default: false
  packed:
    description:
      - Return the users of all the files as one JSON text (a list of one text), for
        O(cloudforyou.cortex.onboarding_plan#filter:users_json). From ansible-core 2.19 Ansible templates each value
        of a lookup's list as it is read, which costs more than half a second for 10,000 users; one text costs
        nothing.
    type: bool
    default: false
    version_added: 1.2.0
"""

EXAMPLES = r"""
- name: Onboard the client with the users of an Excel export
  ansible.builtin.include_role:
    name: cloudforyou.cortex.client_onboarding
  vars:
    cortex_client: "{{ client | combine({'users': query('cloudforyou.cortex.users_csv', 'users.csv')}) }}"

- name: Check a CSV export (shows the file, line and column of a problem; never a password)
  ansible.builtin.debug:
    msg: "{{ query('cloudforyou.cortex.users_csv', 'users.csv', check=true) }}"

- name: Plan a client of thousands of users, its users read from an export as one text
  ansible.builtin.set_fact:
    plan: >-
      {{ client | cloudforyou.cortex.onboarding_plan(found,
         users_json=lookup('cloudforyou.cortex.users_csv', 'users.csv', packed=true)) }}
  no_log: true  # the plan holds the passwords
"""

RETURN = r"""
_raw:
  description:
    - The users of the files, in order; use C(query) (or C(lookup(..., wantlist=true))) to get the list.
    - With O(check=true), one dict per file instead - C(file) (the path read), C(users) (how many) and C(upns) (their
      UPNs, in order).
    - With O(packed=true), one JSON text of the users of all the files.
  type: list
  elements: raw
"""

import json
import os

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.lookup import LookupBase

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_csv import CsvError, read_users
from ansible_collections.cloudforyou.cortex.plugins.plugin_utils.cortex_text import unsafe_text


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        check = self.get_option("check")
        packed = self.get_option("packed")
        found = []
        for term in terms:
            path = self._find(variables or {}, term)
            users = self._read(path)
            if check:
                found.append({"file": path, "users": len(users), "upns": [user["upn"] for user in users]})
            else:
                found.extend(users)
        if packed and not check:
            # a text that a template hands on as it is, never read back into a list (ansible-core 2.16-2.18)
            return [unsafe_text(json.dumps(found, sort_keys=True, separators=(",", ":")))]
        return found

    def _find(self, variables, term):
        """The search path first (files/ of the role and the play...), then the current working directory."""
        path = self.find_file_in_search_path(variables, "files", term, ignore_missing=True)
        if not path and not os.path.isabs(term) and os.path.isfile(term):
            path = os.path.abspath(term)
        if not path:
            raise AnsibleLookupError("users_csv: the file '%s' was not found (looked in the search path and in the "
                                     "current directory %s)" % (term, os.getcwd()))
        return path

    def _read(self, path):
        """The users of one file, decrypted by Ansible's loader when vault-encrypted (bytes: the encoding is sniffed)."""
        try:
            real = self._loader.get_real_file(path, decrypt=True)
        except AnsibleError as exc:
            # the loader's own messages: a vault secret missing or wrong, the file unreadable; never the content
            raise AnsibleLookupError("users_csv: cannot read '%s': %s" % (path, to_native(exc.message)))
        try:
            with open(real, "rb") as handle:
                data = handle.read()
        except (IOError, OSError) as exc:
            raise AnsibleLookupError("users_csv: cannot read '%s': %s" % (path, exc.strerror or exc))
        finally:
            self._loader.cleanup_tmp_file(real)
        try:
            return read_users(data, path)
        except CsvError as exc:
            raise AnsibleLookupError("users_csv: %s" % exc)
