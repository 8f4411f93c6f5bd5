# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cortex_exchange mailboxes through the reconcile engine, with the CortexAPI faked in memory."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible_collections.cloudforyou.cortex.plugins.modules import cortex_exchange

UPN = "claire@boulangerie-martin.fr"


class FakeAPI(object):
    """Tenant BMS with one user whose mailbox is on FORFAIT_2GO; the FIND summary carries no plan."""

    def __init__(self):
        self.mailbox = dict(status="Provisioned", status_color="green", plan="FORFAIT_2GO",
                            plan_name="Forfait 2 Go", reply_address=UPN)
        self.gets = 0
        self.writes = []

    def find_tenants(self, code=None, name=None):
        """The partner's own customer first, as Cortex lists every customer (docs/protocol.md)."""
        return [dict(code="DEMO", name="Demo Partner"), dict(code="BMS", name="Boulangerie Martin SARL")]

    def get_tenant(self, code):
        return dict(code="BMS", status="Provisioned", domains=["boulangerie-martin.fr"])

    def find_users(self, code, upn=None, with_exchange=False, login=None):
        return [dict(login="claire_BMS", upn=UPN, status="Provisioned",
                     exchange=dict(status=self.mailbox["status"], status_color="green"))]

    def get_user(self, code, login, with_exchange=False, properties=False):
        self.gets += 1
        return dict(login=login, upn=UPN, status="Provisioned", exchange=dict(self.mailbox))

    def deprovision_mailbox(self, code, login):
        self.writes.append(login)
        self.mailbox = dict(status="NotProvisioned")
        return [45001]

    def get_request(self, request_id):
        return dict(id=request_id, status="Provisioned")


@pytest.fixture
def api(use_api):
    return use_api(FakeAPI())


@pytest.fixture
def run(run_module):
    return lambda args, check_mode=False, diff=False: run_module(cortex_exchange, args, check_mode, diff)[0]


@pytest.mark.parametrize("check_mode", [True, False])
def test_deprovisioning_diff_shows_the_plan(api, run, check_mode):
    result = run(dict(user=UPN, state="absent"), check_mode=check_mode, diff=True)
    assert result["changed"] and result["action"] == "delete"
    assert (yaml.safe_load(result["diff"]["before"]), yaml.safe_load(result["diff"]["after"])) == (dict(plan="FORFAIT_2GO"), {})
    assert api.writes == ([] if check_mode else ["claire_BMS"])


def test_deprovisioning_without_diff_reads_no_detail(api, run):
    result = run(dict(mailboxes=[dict(user=UPN, state="absent")]))
    assert result["changed"] and api.gets == 0 and api.writes == ["claire_BMS"]


def test_mailboxes_as_one_json_text_are_the_list(api, run):
    result = run(dict(mailboxes_json='[{"user": "%s", "state": "absent"}]' % UPN))
    assert result["changed"] and result["mailboxes"][0]["action"] == "delete" and api.writes == ["claire_BMS"]
    assert result["invocation"]["module_args"]["mailboxes_json"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
