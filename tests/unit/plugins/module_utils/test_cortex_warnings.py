# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Warnings for a connection that exposes the credentials: plain http:// to another machine, an unverified
certificate. From cortex_client, shown by every module (module.warn) and by the inventory plugin."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.cloudforyou.cortex.tests.unit.compat import patch_module_args

from ansible_collections.cloudforyou.cortex.plugins.inventory import cortex as inventory
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_module
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import connection_warnings
from ansible_collections.cloudforyou.cortex.plugins.modules import cortex_tenant_info

SECRET = "partner-S3cret-pw"


@pytest.mark.parametrize("url, host", [
    ("http://admin.cloudforyou.fr", "admin.cloudforyou.fr"), ("http://192.0.2.10:8080/", "192.0.2.10"),
    ("HTTP://Cortex.Example", "cortex.example"), ("http://[2001:db8::1]", "2001:db8::1"),
    ("http://127.0.0.1.example.com", "127.0.0.1.example.com"), ("http://localhost.evil.example", "localhost.evil.example"),
])
def test_plain_http_to_another_machine_warns_naming_the_host(url, host):
    warnings = connection_warnings(url, True)
    assert len(warnings) == 1
    assert "cortex_url uses http:// to %s:" % host in warnings[0] and "in clear" in warnings[0]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://127.3.4.5", "http://localhost/", "http://LOCALHOST:9",
                                 "http://[::1]:8080", "https://admin.cloudforyou.fr"])
def test_loopback_and_verified_https_do_not_warn(url):
    assert connection_warnings(url, True) == []


def test_an_unverified_certificate_warns_naming_the_host():
    warnings = connection_warnings("https://admin.cloudforyou.fr", False)
    assert len(warnings) == 1
    assert "admin.cloudforyou.fr" in warnings[0] and "not verified" in warnings[0] and "ca_path" in warnings[0]


def test_a_warning_never_shows_credentials_of_the_url():
    warnings = connection_warnings("http://someone:%s@admin.cloudforyou.fr" % SECRET, True)
    assert len(warnings) == 1 and SECRET not in warnings[0] and "someone" not in warnings[0]


def test_the_sentences_are_fixed_for_a_host():
    """Identical text from every task: Ansible's Display shows a warning once per run."""
    assert connection_warnings("http://cortex.example/", True) == connection_warnings("http://cortex.example", False)


class FakeAPI(object):
    def __init__(self, client):
        self.client = client

    def find_tenants(self, code=None, name=None):
        return []


def run_info(monkeypatch, capsys, **connection):
    """Run cortex_tenant_info through the real ``api`` property (a fake CortexAPI over the real client); returns the
    result and the warnings given to ``module.warn``."""
    shown = []
    monkeypatch.setattr(cortex_module, "CortexAPI", FakeAPI)
    monkeypatch.setattr(cortex_module.CortexModule, "warn", lambda self, warning, *args, **kwargs: shown.append(warning))
    args = dict(dict(cortex_username="partner", cortex_password=SECRET, code="BMS"), **connection)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            cortex_tenant_info.main()
    return json.loads(capsys.readouterr().out), shown


@pytest.mark.parametrize("connection, says", [
    (dict(cortex_url="http://192.0.2.10"), "cortex_url uses http:// to 192.0.2.10"),
    (dict(cortex_url="https://cortex.example", validate_certs=False), "the server certificate of cortex.example"),
])
def test_a_module_warns_of_an_exposed_connection(monkeypatch, capsys, connection, says):
    result, shown = run_info(monkeypatch, capsys, **connection)
    assert result["tenants"] == []
    assert len(shown) == 1 and says in shown[0] and SECRET not in shown[0]


def test_a_module_on_loopback_does_not_warn(monkeypatch, capsys):
    result, shown = run_info(monkeypatch, capsys, cortex_url="http://127.0.0.1:8080")
    assert result["tenants"] == [] and shown == []


def test_the_inventory_warns_of_an_exposed_connection(monkeypatch):
    shown = []

    class Recorder(object):
        def warning(self, msg, *args, **kwargs):
            shown.append(msg)

    options = dict(cortex_url="http://192.0.2.10", cortex_username="partner", cortex_password=SECRET,
                   validate_certs=True, ca_path=None, timeout=5, concurrency=2, with_users=False, codes=None)
    monkeypatch.setattr(inventory, "display", Recorder())
    plugin = inventory.InventoryModule()
    monkeypatch.setattr(plugin, "get_option", options.get)
    plugin.client()
    assert len(shown) == 1 and "cortex_url uses http:// to 192.0.2.10" in shown[0] and SECRET not in shown[0]
