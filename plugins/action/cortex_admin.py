# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cortex_admin runs through the collection's waiting action: in-process when the connection is local, and
progress lines while it waits for provisioning."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudforyou.cortex.plugins.plugin_utils.cortex_action import CortexWaitingAction


class ActionModule(CortexWaitingAction):
    pass
