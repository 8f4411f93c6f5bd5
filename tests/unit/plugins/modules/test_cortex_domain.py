# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cortex_domain through the reconcile engine, with the CortexAPI faked in memory."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudforyou.cortex.plugins.modules import cortex_domain


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
def api(use_api):
    return use_api(FakeAPI())


@pytest.fixture
def run(run_module):
    return lambda args: run_module(cortex_domain, args)[0]


@pytest.mark.parametrize("name", ["boulangerie-martin.fr", "Boulangerie-Martin.FR"])
def test_primary_false_on_the_primary_domain_is_refused(api, run, name):
    result = run(dict(name=name, primary=False))
    assert result["failed"] and "make another domain primary" in result["msg"]
    assert api.writes == []


def test_primary_false_on_another_domain_is_a_no_change(api, run):
    result = run(dict(name="martin.fr", primary=False))
    assert not result.get("failed") and not result["changed"] and api.writes == []


def test_removing_the_primary_domain_is_refused(api, run):
    result = run(dict(name="boulangerie-martin.fr", state="absent"))
    assert result["failed"] and "cannot be removed" in result["msg"] and api.writes == []
