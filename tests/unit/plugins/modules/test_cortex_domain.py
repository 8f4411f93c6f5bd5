# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cortex_domain through the reconcile engine, with the CortexAPI faked in memory."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudforyou.cortex.plugins.modules import cortex_domain


class FakeAPI(object):
    """Tenant BMS of partner DEMO, beside client FDS; ``reads`` counts the requests that read customers."""

    def __init__(self):
        self.tenant = dict(code="BMS", status="Provisioned", domains=["boulangerie-martin.fr", "martin.fr"],
                           primary_domain="boulangerie-martin.fr")
        self.others = [dict(code="DEMO", domains=["demo-partner.fr"], primary_domain="demo-partner.fr"),
                       dict(code="FDS", parent="DEMO", domains=["fromagerie-dupont.fr", "xn--caf-dma.fr"],
                            primary_domain="fromagerie-dupont.fr")]
        self.writes = []
        self.reads = []
        self.users = []

    def get_tenant(self, code):
        self.reads.append("get_tenant")
        return dict(self.tenant)

    def find_tenants(self, code=None, name=None):
        self.reads.append("find_tenants")
        return [dict(code=t["code"], primary_domain=t["primary_domain"]) for t in self.others + [self.tenant]]

    def find_users(self, code, upn=None, with_exchange=False, login=None):
        self.reads.append("find_users")
        return [dict(u) for u in self.users]

    def get_tenant_rules(self, code):
        self.reads.append("get_tenant_rules")
        return dict(next(t for t in self.others if t["code"] == code)), {}

    def get_tenant_exchange(self, code):
        self.reads.append("get_tenant_exchange")
        return dict(status="NotProvisioned")

    def get_tenants(self):
        self.reads.append("get_tenants")
        return [dict(t, parent=t.get("parent", "DEMO")) for t in [self.tenant] + self.others]

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


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("name, stored", [("Fromagerie-Dupont.FR", "fromagerie-dupont.fr"),
                                          ("café.fr", "xn--caf-dma.fr")])
def test_a_domain_another_client_holds_is_refused_before_any_write(api, run_module, check_mode, name, stored):
    result = run_module(cortex_domain, dict(domains=[dict(name="new-one.fr"), dict(name=name)]), check_mode)[0]
    assert result["failed"] and api.writes == []
    assert "domains of tenant 'BMS'" in result["msg"]
    assert result["problems"][0]["problems"] == ["domain '%s' is already a domain of client 'FDS'" % stored]
    assert "new-one.fr" not in result["msg"]


def test_new_domains_are_added_and_the_partners_own_domain_is_refused(api, run):
    """The partner's own (reseller) customer holds its domains too: Cortex would refuse them for a client."""
    result = run(dict(domains=[dict(name="new-one.fr"), dict(name="demo-partner.fr")], wait=False))
    assert result["failed"] and api.writes == []
    assert "domain 'demo-partner.fr' is already a domain of client" in result["msg"]
    result = run(dict(domains=[dict(name="new-one.fr")], wait=False))
    assert not result.get("failed") and result["changed"] and len(api.writes) == 1


def test_the_other_clients_are_read_only_when_a_domain_is_to_be_added(api, run):
    for args in (dict(name="martin.fr"), dict(name="Boulangerie-Martin.fr", primary=True),
                 dict(name="martin.fr", state="absent", wait=False)):
        api.reads, api._partner_code = [], None  # (each module run has its own API object)
        result = run(args)
        # the removal reads the users (none may be on the domain) and the listing that names the partner's own
        # customer (never a target)
        assert not result.get("failed")
        assert api.reads == ["get_tenant"] + (["find_users", "find_tenants"] if result["changed"] else [])
    assert len(api.writes) == 1  # the removal
    api.reads, api._partner_code = [], None
    result = run(dict(name="new-one.fr", wait=False))
    assert result["changed"] and len(api.writes) == 2
    # one read of every customer, only when a domain is added
    assert api.reads == ["get_tenant", "get_tenants", "find_tenants"]


def test_a_domain_a_user_is_on_is_not_removed(api, run):
    api.users = [dict(upn="claire@martin.fr", login="claire_BMS")]
    result = run(dict(name="martin.fr", state="absent"))
    assert result["failed"] and api.writes == []
    assert "domain 'martin.fr' cannot be removed: 1 user(s) have their UPN on it (claire@martin.fr)" in result["msg"]
