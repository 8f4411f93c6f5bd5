# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options, declared once: the modules' spec, the action plugin's names, both doc forms, the client."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible_collections.cloudforyou.cortex.plugins.doc_fragments.cortex import ModuleDocFragment
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_connection as connection
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_module
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexClient, CortexError
from ansible_collections.cloudforyou.cortex.plugins.plugin_utils import cortex_action

NAMES = ("cortex_url", "cortex_username", "cortex_password", "validate_certs", "ca_path", "timeout", "retry_timeout",
         "auth")


def test_the_modules_and_the_action_plugin_use_the_one_declaration():
    assert connection.OPTION_NAMES == NAMES
    assert cortex_module.CONNECTION_SPEC is connection.CONNECTION_SPEC
    assert cortex_action.CONNECTION_OPTIONS == NAMES
    spec = connection.CONNECTION_SPEC
    assert tuple(spec) == NAMES
    assert spec["cortex_password"]["no_log"] is True
    assert [name for name in NAMES if spec[name].get("no_log")] == ["cortex_password"]
    assert dict((name, spec[name]["fallback"][1]) for name in NAMES if "fallback" in spec[name]) == dict(
        cortex_url=["CORTEX_URL"], cortex_username=["CORTEX_USERNAME"], cortex_password=["CORTEX_PASSWORD"],
        validate_certs=["CORTEX_VALIDATE_CERTS"], ca_path=["CORTEX_CA_PATH"])
    assert spec["auth"] == dict(type="str", default="basic", choices=["basic", "ntlm"])
    assert spec["retry_timeout"] == dict(type="int", default=60)


@pytest.mark.parametrize("form,section", [("module", "DOCUMENTATION"), ("inventory", "INVENTORY")])
def test_both_doc_forms_are_the_declaration(form, section):
    documented = yaml.safe_load(getattr(ModuleDocFragment, section))
    assert documented["options"] == connection.doc_options(form)
    assert documented["requirements"] == connection.REQUIREMENTS
    for name, spec in connection.CONNECTION_SPEC.items():
        doc = documented["options"][name]
        for key in ("type", "default", "choices", "required"):
            assert doc.get(key) == spec.get(key), (name, key)
        env = spec.get("fallback", (None, []))[1]
        if form == "inventory":
            assert doc.get("env", []) == [dict(name=variable) for variable in env]
        else:
            assert "env" not in doc
            assert all(any("E(%s)" % variable in line for line in doc["description"]) for variable in env)


def test_a_form_that_does_not_exist_is_refused():
    with pytest.raises(ValueError):
        connection.doc_options("lookup")


def test_the_client_is_built_from_the_options(tmp_path):
    options = dict(cortex_url="https://cortex.example/", cortex_username="partner", cortex_password="Pw-1x!aa",
                   validate_certs=False, ca_path=None, timeout=12, retry_timeout=7, auth="basic")
    client = connection.client_from_options(options.get, pool_size=3)
    assert isinstance(client, CortexClient)
    assert client.url == "https://cortex.example/cortexapi/default.aspx"
    assert (client.session.auth.username, client.session.auth.password) == (b"partner", b"Pw-1x!aa")
    assert client.session.verify is False
    assert (client.timeout, client.retry_budget, client.unreachable_after) == (12, 7, 7)
    bundle = tmp_path / "cortex-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    options.update(validate_certs=True, ca_path=str(bundle))
    assert connection.client_from_options(options.get).session.verify == str(bundle)


def test_ntlm_without_its_library_is_a_cortex_error(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_ntlm(name, *args, **kwargs):
        if name == "requests_ntlm":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ntlm)
    options = dict(cortex_url="https://cortex.example", cortex_username="partner", cortex_password="Pw-1x!aa",
                   validate_certs=True, ca_path=None, timeout=30, retry_timeout=60, auth="ntlm")
    with pytest.raises(CortexError) as info:
        connection.client_from_options(options.get)
    assert "requests_ntlm" in info.value.message and "Pw-1x" not in info.value.message
