# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cortex_domain through the reconcile engine, with the CortexAPI faked in memory."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_module
from ansible_collections.cloudforyou.cortex.plugins.modules import cortex_domain

CONNECTION = dict(cortex_url="http://cortex.test", cortex_username="partner", cortex_password="partner-secret-1")


class FakeAPI(object):
    def __init__(self):
        self.tenant = dict(code="BMS", status="Provisioned", domains=["boulangerie-martin.fr", "martin.fr"],
                           primary_domain="boulangerie-martin.fr")
        self.writes = []

    def get_tenant(self, code):
        return dict(self.tenant)

    def update_tenant(self, code, changes):
        self.writes.append(changes)
        self.tenant.update(changes)
        return []


@pytest.fixture
def api(monkeypatch):
    fake = FakeAPI()
    monkeypatch.setattr(cortex_module.CortexModule, "api", property(lambda self: fake))
    return fake


def run(args, capsys):
    with patch_module_args(dict(CONNECTION, tenant="BMS", **args)):
        with pytest.raises(SystemExit):
            cortex_domain.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", ["boulangerie-martin.fr", "Boulangerie-Martin.FR"])
def test_primary_false_on_the_primary_domain_is_refused(api, capsys, name):
    result = run(dict(name=name, primary=False), capsys)
    assert result["failed"] and "make another domain primary" in result["msg"]
    assert api.writes == []


def test_primary_false_on_another_domain_is_a_no_change(api, capsys):
    result = run(dict(name="martin.fr", primary=False), capsys)
    assert not result.get("failed") and not result["changed"] and api.writes == []


def test_removing_the_primary_domain_is_refused(api, capsys):
    result = run(dict(name="boulangerie-martin.fr", state="absent"), capsys)
    assert result["failed"] and "cannot be removed" in result["msg"] and api.writes == []
