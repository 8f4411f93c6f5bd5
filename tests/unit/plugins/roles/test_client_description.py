# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client description is declared once (module_utils/cortex_description.py): the role's argument specification,
its README tables, its defaults, the CSV columns and the export all follow the declaration, and any drift fails here."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

import yaml

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_csv, cortex_description, cortex_schema

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def test_the_role_documents_the_description_as_declared():
    """argument_specs.yml (cortex_client), the README's tables and defaults/main.yml against the declaration."""
    run = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "render_role_docs.py"), "--check"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert run.returncode == 0, run.stdout


def test_every_user_field_is_a_key_of_users_and_admin_and_a_csv_column():
    fields = set(f.name for f in cortex_schema.USER_FIELDS)
    assert fields - set(["roles"]) <= set(cortex_description.USER_ENTRY_KEYS)
    assert fields <= set(cortex_description.ADMIN_KEYS)
    assert set(cortex_csv.COLUMNS) == set(cortex_description.CSV_KEYS)
    assert set(cortex_csv.ALIASES) <= set(cortex_csv.COLUMNS)  # no alias of a column that is not a user key


def test_every_tenant_and_exchange_field_is_a_key_of_the_description():
    tenant = set(f.name for f in cortex_schema.TENANT_FIELDS) - set(["primary_domain", "domains"])
    assert tenant <= set(cortex_description.CLIENT_KEYS)
    assert set(f.name for f in cortex_schema.EXCHANGE_FIELDS) == set(cortex_description.EXCHANGE_KEYS)


def test_the_export_holds_only_keys_of_the_description():
    tenant = dict(code="BMS", name="B M S", contact_name="Paul", contact_email="p@b.fr", address="1 rue", city="Lyon",
                  zip_code="69003", country="France", primary_domain="b.fr", domains=["b.fr", "c.fr"],
                  min_password_length=8, password_never_expires=True, roles=["Customer Administrator"],
                  status="Provisioned", id=12, parent="DEMO")
    users = [dict(upn="a@b.fr", login="a_BMS", first_name="A", last_name="B", display_name="A B", enabled=False,
                  roles=["Customer Administrator"], password_never_expires=True, status="Provisioned", locked=False,
                  exchange=dict(status="Provisioned", plan="P1")),
             dict(upn="c@b.fr", login="c_BMS", first_name="C", enabled=True, roles=[], status="Provisioned",
                  exchange=dict(status="NotProvisioned"))]
    exchange = dict(status="Provisioned", version="2010", customer_plan="Default", user_plans=["P1"], plans=[])
    client = cortex_description.export(tenant, exchange, users)
    assert set(client) <= set(cortex_description.CLIENT_KEYS)
    assert set(client["admin"]) <= set(cortex_description.ADMIN_KEYS)
    assert all(set(u) <= set(cortex_description.USER_ENTRY_KEYS) for u in client["users"])
    assert set(client["exchange"]) <= set(cortex_description.EXCHANGE_KEYS)
    assert client["admin"] == dict(upn="a@b.fr", login="a", first_name="A", last_name="B", display_name="A B",
                                   enabled=False, password_never_expires=True, plan="P1",
                                   roles=["Customer Administrator"])
    assert client["users"] == [dict(upn="c@b.fr", login="c", first_name="C")]
    assert client["domains"] == [dict(name="b.fr", primary=True), dict(name="c.fr")]


def test_the_argument_spec_of_cortex_client_types_what_the_plan_types():
    with open(os.path.join(ROOT, "roles", "client_onboarding", "meta", "argument_specs.yml"), encoding="utf-8") as f:
        options = yaml.safe_load(f)["argument_specs"]["main"]["options"]["cortex_client"]["options"]
    assert set(options) == set(cortex_description.CLIENT_KEYS)
    assert options["users"]["options"]["password"]["no_log"] is True
    assert set(options["admin"]["options"]) == set(cortex_description.ADMIN_KEYS)
