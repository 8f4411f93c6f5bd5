# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugin: its connection options (the modules' ones, from the doc fragment), its cache (per URL and
account, files 0600, no secret) and its host variables. Cortex is replaced by the tenants each account would read."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest
import yaml

from ansible import constants as C
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.doc_fragments.constructed import ModuleDocFragment as Constructed
from ansible.plugins.doc_fragments.inventory_cache import ModuleDocFragment as InventoryCache
from ansible.plugins.inventory import BaseInventoryPlugin

from ansible_collections.cloudforyou.cortex.plugins.doc_fragments.cortex import ModuleDocFragment as Cortex
from ansible_collections.cloudforyou.cortex.plugins.inventory import cortex as plugin_module
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_connection import OPTION_NAMES

NAME = "cloudforyou.cortex.cortex"
URL = "https://cortex.example"
ACCOUNTS = {  # (url, login) -> (password, the codes of its tenants)
    (URL, "first-partner"): ("Fp-2026!secret", ["FIRST1", "FIRST2"]),
    (URL, "second-partner"): ("Sp-2026!secret", ["SECOND1"]),
    ("https://other-cortex.example", "first-partner"): ("Fp-2026!secret", ["ELSEWHERE"]),
}


def documentation():
    return yaml.safe_load(plugin_module.DOCUMENTATION)


def options():
    """The plugin's options as Ansible resolves them: its fragments, then its own."""
    fragments = {"constructed": Constructed.DOCUMENTATION, "inventory_cache": InventoryCache.DOCUMENTATION,
                 "cloudforyou.cortex.cortex.inventory": Cortex.INVENTORY}
    resolved = {}
    for name in documentation()["extends_documentation_fragment"]:
        resolved.update(yaml.safe_load(fragments[name])["options"])
    resolved.update(documentation()["options"])
    return resolved


class FakeCortex(object):
    """What Cortex answers each account: its tenants, once its password is right."""

    def __init__(self):
        self.reads = []
        self.checks = []

    def install(self, monkeypatch):
        fake = self

        def client(plugin):
            return (plugin.get_option("cortex_url"), plugin.get_option("cortex_username"),
                    plugin.get_option("cortex_password"))

        def answer(api):
            url, login, password = api.client
            expected = ACCOUNTS.get((url, login))
            if expected is None or expected[0] != password:
                raise CortexError("authentication failed for %s: check cortex_username and cortex_password" % url,
                                  status=401)
            return expected[1]

        def read(plugin, api):
            fake.reads.append(api.client[:2])
            return [dict(code=code, name="Tenant %s" % code, status="Provisioned", parent="RESELLER")
                    for code in answer(api)]

        def check_account(plugin, api, found):
            fake.checks.append(api.client[:2])
            answer(api)

        monkeypatch.setattr(plugin_module.InventoryModule, "client", client)
        monkeypatch.setattr(plugin_module, "CortexAPI", lambda client: type("API", (), dict(client=client))())
        monkeypatch.setattr(plugin_module.InventoryModule, "read", read)
        monkeypatch.setattr(plugin_module.InventoryModule, "check_account", check_account)
        return self


@pytest.fixture
def cortex(monkeypatch):
    C.config.initialize_plugin_configuration_definitions("inventory", NAME, options())
    for variable in ("CORTEX_URL", "CORTEX_USERNAME", "CORTEX_PASSWORD"):
        monkeypatch.delenv(variable, raising=False)
    return FakeCortex().install(monkeypatch)


def new_plugin():
    """The plugin as the plugin loader makes it (which names it; before ansible-core 2.19 it also sets the names it was
    redirected from, which the plugin's options need)."""
    plugin = plugin_module.InventoryModule()
    plugin._load_name = NAME
    if not hasattr(plugin, "_redirected_names"):
        plugin._redirected_names = [NAME]
    return plugin


def inventory(tmp_path, login, password, url=URL, **config):
    """The hosts (name -> variables) of one run of the plugin, as ansible-inventory makes it (the cache written last)."""
    path = tmp_path / "tenants.cortex.yml"
    path.write_text(yaml.safe_dump(dict(dict(plugin=NAME, cortex_url=url, cortex_username=login,
                                             cortex_password=password, cache=True,
                                             cache_plugin="jsonfile",
                                             cache_connection=str(tmp_path / "cache")), **config)))
    plugin = new_plugin()
    data = InventoryData()
    plugin.parse(data, DataLoader(), str(path), cache=True)
    plugin.update_cache_if_changed()  # as the inventory manager does after parse
    return dict((name, host.vars) for name, host in data.hosts.items())


def cache_files(tmp_path):
    folder = tmp_path / "cache"
    return sorted(folder / name for name in os.listdir(str(folder))) if folder.exists() else []


def test_the_connection_options_are_the_fragments_with_auth_and_retry_timeout():
    doc = documentation()
    assert "cloudforyou.cortex.cortex.inventory" in doc["extends_documentation_fragment"]
    assert not set(OPTION_NAMES) & set(doc["options"])  # declared once, in the fragment
    resolved = options()
    assert set(OPTION_NAMES) <= set(resolved)
    assert resolved["auth"]["choices"] == ["basic", "ntlm"] and resolved["retry_timeout"]["default"] == 60
    assert resolved["cortex_password"]["env"] == [dict(name="CORTEX_PASSWORD")]


def test_each_account_is_served_its_own_tenants_never_another_ones_cache(tmp_path, cortex):
    first = inventory(tmp_path, "first-partner", "Fp-2026!secret")
    assert sorted(first) == ["FIRST1", "FIRST2"]
    # the same configuration file, another account: read from Cortex, not from the first account's cache
    second = inventory(tmp_path, "second-partner", "Sp-2026!secret")
    assert sorted(second) == ["SECOND1"]
    # the same account on another Cortex
    assert sorted(inventory(tmp_path, "first-partner", "Fp-2026!secret", url="https://other-cortex.example")) == [
        "ELSEWHERE"]
    assert cortex.reads == [(URL, "first-partner"), (URL, "second-partner"),
                            ("https://other-cortex.example", "first-partner")]
    # the first account again: from its cache, after one check of the account
    assert sorted(inventory(tmp_path, "first-partner", "Fp-2026!secret")) == ["FIRST1", "FIRST2"]
    assert len(cortex.reads) == 3 and cortex.checks == [(URL, "first-partner")]
    assert len(cache_files(tmp_path)) == 3


def test_a_wrong_password_or_a_dead_url_is_not_served_the_cache(tmp_path, cortex):
    inventory(tmp_path, "first-partner", "Fp-2026!secret")
    with pytest.raises(Exception) as info:
        inventory(tmp_path, "first-partner", "wrong-password")
    assert "authentication failed" in str(info.value) and "wrong-password" not in str(info.value)
    with pytest.raises(Exception) as info:
        inventory(tmp_path, "first-partner", "Fp-2026!secret", url="https://dead.example")
    assert "authentication failed" in str(info.value)


def test_cache_files_are_the_owners_only_and_hold_no_secret(tmp_path, cortex):
    old_umask = os.umask(0o022)  # a usual umask: files 0644 unless the plugin says otherwise
    try:
        inventory(tmp_path, "first-partner", "Fp-2026!secret")
        inventory(tmp_path, "second-partner", "Sp-2026!secret", codes=["second1"], with_users=False)
    finally:
        os.umask(old_umask)
    files = cache_files(tmp_path)
    assert len(files) == 2
    for path in files:
        assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600, path
        content = path.read_text()
        assert "FIRST1" in content or "SECOND1" in content  # what was cached is in it
        for secret in ("Fp-2026", "Sp-2026", "secret"):
            assert secret not in content and secret not in path.name
        assert "partner" not in path.name  # the account is in the key as a hash only


def test_the_cache_key_is_the_url_the_account_and_the_listing_options_never_the_password(tmp_path, cortex):
    keys = {}

    def key(login, password, url=URL, **config):
        path = tmp_path / "key.cortex.yml"
        path.write_text(yaml.safe_dump(dict(dict(plugin=NAME, cortex_url=url, cortex_username=login,
                                                 cortex_password=password), **config)))
        plugin = new_plugin()
        BaseInventoryPlugin.parse(plugin, InventoryData(), DataLoader(), str(path))
        plugin._read_config_data(str(path))
        return plugin.account_cache_key()

    keys["first"] = key("first-partner", "Fp-2026!secret")
    assert key("first-partner", "another password") == keys["first"]
    assert key("first-partner", "Fp-2026!secret", url=URL + "/cortexapi/default.aspx") == keys["first"]
    for other in (key("second-partner", "Sp-2026!secret"), key("first-partner", "Fp-2026!secret", codes=["FIRST1"]),
                  key("first-partner", "Fp-2026!secret", with_users=False)):
        assert other != keys["first"]


def test_hosts_run_modules_locally_with_the_python_that_runs_ansible(tmp_path, cortex):
    hosts = inventory(tmp_path, "first-partner", "Fp-2026!secret")
    variables = hosts["FIRST1"]
    assert variables["ansible_connection"] == "local"
    assert variables["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"
    try:
        from ansible.template import is_trusted_as_template
    except ImportError:  # ansible-core < 2.19: every string is a template
        return
    assert is_trusted_as_template(variables["ansible_python_interpreter"])
    assert not is_trusted_as_template(variables["cortex_tenant"]["name"])  # Cortex's text is never a template
