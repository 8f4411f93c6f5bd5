# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A single-form option given beside a bulk list is refused, not silently ignored."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudforyou.cortex.plugins.modules import cortex_domain, cortex_exchange, cortex_user

USERS = [dict(upn="claire@boulangerie-martin.fr", password="Sunny-Bakery-42")]
MAILBOXES = [dict(user="claire@boulangerie-martin.fr", plan="FORFAIT_2GO")]


@pytest.mark.parametrize("module, args, option", [
    (cortex_user, dict(users=USERS, password="Other-Secret-7"), "password"),
    (cortex_user, dict(users=USERS, update_password="always"), "update_password"),
    (cortex_user, dict(users=USERS, state="absent"), "state"),
    (cortex_user, dict(users=USERS, enabled=False), "enabled"),
    (cortex_exchange, dict(mailboxes=MAILBOXES, state="absent"), "state"),
    (cortex_exchange, dict(mailboxes=MAILBOXES, customer_plan="Default"), "customer_plan"),
    (cortex_domain, dict(domains=[dict(name="martin.fr")], state="absent"), "state"),
    (cortex_domain, dict(domains=[dict(name="martin.fr")], primary=True), "primary"),
])
def test_single_form_option_beside_bulk_list_is_refused(module, args, option, run_module):
    result, dummy = run_module(module, args)
    assert result["failed"]
    assert "mutually exclusive" in result["msg"] and option in result["msg"]
