# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cortex_tenant_info runs through the collection's action: in-process when the connection is local."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudforyou.cortex.plugins.plugin_utils.cortex_action import CortexAction


class ActionModule(CortexAction):
    pass
