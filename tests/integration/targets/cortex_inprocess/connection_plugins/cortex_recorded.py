# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A test double for the cortex_inprocess target: the local connection under another transport name, so that the
collection's action plugins must see a connection that is not local and run the module as a module run (AnsiballZ).
Each command it runs is appended, one a line, to the file named by CORTEX_RECORDED_LOG."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
name: cortex_recorded
short_description: Runs commands on the controller, as another connection, recording them
description:
  - Test double of the cortex_inprocess integration target; not shipped for use.
  - Runs each command on the controller and appends it to the file named by E(CORTEX_RECORDED_LOG).
author: cloudforyou infra team (@cloudforyou)
extends_documentation_fragment:
  - connection_pipelining
"""

import os

from ansible.plugins.connection.local import Connection as LocalConnection


class Connection(LocalConnection):

    transport = "cortex_recorded"

    def exec_command(self, cmd, in_data=None, sudoable=True):
        log = os.environ.get("CORTEX_RECORDED_LOG")
        if log:
            with open(log, "a") as record:
                record.write(" ".join(str(cmd).split()) + "\n")
        return super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)
