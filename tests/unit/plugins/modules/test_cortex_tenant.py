# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cortex_tenant: a tenant is found by its code or full name, and a code never takes over another client."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudforyou.cortex.plugins.modules import cortex_tenant

TENANT = dict(code="BMS", id=34, name="Boulangerie Martin SARL", primary_domain="boulangerie-martin.fr",
              domains=["boulangerie-martin.fr"], contact_name="Paul Martin", contact_email="paul@boulangerie-martin.fr",
              address="12 rue des Lilas", city="Lyon", zip_code="69003", country="France", roles=[], status="Provisioned")


class FakeAPI(object):
    def __init__(self):
        # the partner's own customer comes first when every customer is listed (docs/protocol.md)
        self.tenants = {"DEMO": dict(TENANT, code="DEMO", name="Demo Partner"), "BMS": dict(TENANT)}
        self.writes = []

    def find_tenants(self, code=None, name=None):
        return [dict(t) for t in self.tenants.values()
                if (code is None or t["code"].lower() == code.lower())
                and (name is None or t["name"].lower() == name.lower())]

    def get_tenant(self, code):
        return dict(self.tenants[code])

    def update_tenant(self, code, changes):
        self.writes.append(("update", code, dict(changes)))
        self.tenants[code].update(changes)
        return [45001]

    def get_request(self, request_id):
        return dict(id=request_id, status="Provisioned")


@pytest.fixture
def api(use_api):
    return use_api(FakeAPI())


def describe(**extra):
    args = dict(TENANT, tenant=None, **extra)
    for key in ("id", "domains", "roles", "status"):
        args.pop(key)
    return args


def test_a_code_of_another_client_is_refused_before_any_write(api, run_module):
    """A typo in code: must not rename another client and replace its contact."""
    result, dummy = run_module(cortex_tenant, describe(name="Fromagerie Dupont", contact_name="Jean Dupont"))
    assert result["failed"] and api.writes == []
    assert "code 'BMS' is the tenant 'Boulangerie Martin SARL', not 'Fromagerie Dupont'" in result["msg"]
    assert "allow_rename: true" in result["msg"]
    assert api.tenants["BMS"] == TENANT


def test_a_deliberate_rename_is_possible(api, run_module):
    result, dummy = run_module(cortex_tenant, describe(name="Boulangerie Martin et Fils", allow_rename=True))
    assert result["changed"] and api.writes == [("update", "BMS", {"name": "Boulangerie Martin et Fils"})]


def test_the_same_client_with_another_contact_is_an_update(api, run_module):
    result, dummy = run_module(cortex_tenant, describe(contact_name="Claire Martin"))
    assert result["changed"] and api.writes == [("update", "BMS", {"contact_name": "Claire Martin"})]


def test_a_change_of_case_of_the_full_name_is_not_a_rename(api, run_module):
    result, dummy = run_module(cortex_tenant, describe(name="Boulangerie Martin Sarl"))
    assert result["changed"] and api.writes == [("update", "BMS", {"name": "Boulangerie Martin Sarl"})]


def test_found_by_name_a_tenant_holding_none_of_the_domains_is_not_taken_over(api, run_module):
    """No code: a new client that happens to have the name of an existing one must not replace its contact and
    primary domain."""
    args = describe(primary_domain="librairie-moreau.fr", contact_name="Jean Moreau")
    args.pop("code")
    result, dummy = run_module(cortex_tenant, args)
    assert result["failed"] and api.writes == [] and api.tenants["BMS"] == TENANT
    assert "a tenant named 'Boulangerie Martin SARL' exists (code BMS) and holds none of the domains" in result["msg"]
    assert "give code: BMS" in result["msg"]
    result, dummy = run_module(cortex_tenant, args, True)  # check mode says the same
    assert result["failed"] and "holds none of the domains" in result["msg"]
    args["domains"] = ["boulangerie-martin.fr"]  # one domain in common: the same client, its primary domain changes
    result, dummy = run_module(cortex_tenant, args)
    assert result["changed"] and api.writes[0][2]["primary_domain"] == "librairie-moreau.fr"
