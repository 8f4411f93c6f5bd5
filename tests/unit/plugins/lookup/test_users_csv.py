# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The users_csv lookup: where it finds the file, vault-encrypted files, check mode, and errors without secrets."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import yaml

from ansible import constants as C

from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible.template import Templar

try:  # ansible-core 2.19: a template given as text must be marked trusted to be rendered
    from ansible.template import trust_as_template as trusted
except ImportError:
    def trusted(text):
        return text

from ansible_collections.cloudforyou.cortex.plugins.lookup.users_csv import DOCUMENTATION, LookupModule

SECRET = "Vx-7;q 9!Zt"  # a separator and a space inside: kept byte for byte when quoted
TEXT = u'Prénom;Identifiant;Mot de passe;Forfait\r\nZoé;zoe@x.fr;"%s";FORFAIT_2GO\r\nYanis;yanis@x.fr;Yp-2026!x;\r\n' \
       % SECRET
EXPECTED = [{"first_name": u"Zoé", "upn": "zoe@x.fr", "password": SECRET, "plan": "FORFAIT_2GO"},
            {"first_name": "Yanis", "upn": "yanis@x.fr", "password": "Yp-2026!x"}]
VAULT_PASSWORD = b"csv-vault-test-password"


def lookup(loader=None):
    """The lookup as the plugin loader gives it: its options declared from its DOCUMENTATION."""
    plugin = LookupModule(loader=loader or DataLoader())
    plugin._load_name = "cloudforyou.cortex.users_csv"
    C.config.initialize_plugin_configuration_definitions("lookup", plugin._load_name,
                                                         yaml.safe_load(DOCUMENTATION)["options"])
    return plugin


def vault_loader(password=VAULT_PASSWORD):
    loader = DataLoader()
    loader.set_vault_secrets([("default", VaultSecret(password))])
    return loader


def encrypt(data, password=VAULT_PASSWORD):
    return VaultLib([("default", VaultSecret(password))]).encrypt(data)


def test_a_plain_file_by_absolute_path(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(TEXT.encode("cp1252"))
    assert lookup().run([str(path)], variables={}) == EXPECTED


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16"])
def test_a_vault_encrypted_file_is_decrypted_and_its_encoding_still_sniffed(tmp_path, encoding):
    path = tmp_path / "users.csv"
    path.write_bytes(encrypt(TEXT.encode(encoding)))
    assert path.read_bytes().startswith(b"$ANSIBLE_VAULT")
    loader = vault_loader()
    assert lookup(loader).run([str(path)], variables={}) == EXPECTED
    assert not loader._tempfiles  # the decrypted copy is removed at once


def test_a_vault_file_without_its_secret_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(encrypt(TEXT.encode("utf-8")))
    for loader in (DataLoader(), vault_loader(b"another password")):
        with pytest.raises(AnsibleLookupError) as info:
            lookup(loader).run([str(path)], variables={})
        message = str(info.value)
        assert message.startswith("users_csv: cannot read '%s'" % path)
        assert "ANSIBLE_VAULT" not in message and SECRET not in message and "unknown column" not in message


def test_a_relative_path_is_found_in_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "users.csv").write_bytes(TEXT.encode("utf-8"))
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "play"
    elsewhere.mkdir()
    loader = DataLoader()
    loader.set_basedir(str(elsewhere))  # the play's directory, as in a run: no users.csv there
    variables = {"ansible_search_path": [str(elsewhere)]}
    assert lookup(loader).run(["users.csv"], variables=variables) == EXPECTED


def test_the_search_path_comes_before_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "users.csv").write_bytes(TEXT.encode("utf-8"))
    play = tmp_path / "play"
    (play / "files").mkdir(parents=True)
    (play / "files" / "users.csv").write_bytes(b"upn\nonly@x.fr\n")
    monkeypatch.chdir(tmp_path)
    assert lookup().run(["users.csv"], variables={"ansible_search_path": [str(play)]}) == [{"upn": "only@x.fr"}]


def test_a_missing_file_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AnsibleLookupError) as info:
        lookup().run(["nowhere.csv"], variables={"ansible_search_path": [str(tmp_path)]})
    assert "users_csv: the file 'nowhere.csv' was not found" in str(info.value)


def test_packed_the_users_of_every_file_are_one_json_text(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(TEXT.encode("cp1252"))
    second.write_bytes(encrypt(TEXT.encode("utf-8")))
    found = lookup(vault_loader()).run([str(first), str(second)], variables={}, packed=True)
    assert len(found) == 1 and json.loads(found[0]) == EXPECTED + EXPECTED
    assert lookup().run([str(first)], variables={}, packed=True, check=True)[0]["users"] == 2  # check: no users


def test_the_packed_text_stays_a_text_through_a_template(tmp_path):
    """What Ansible's lookup() hands to a template is kept a text, not read back into a list by ansible-core
    2.16-2.18 (the matrix runs this test on each): Ansible keeps its lookup's text when the first item is marked so."""
    path = tmp_path / "users.csv"
    path.write_bytes(TEXT.encode("utf-8"))
    text = lookup().run([str(path)], variables={}, packed=True)[0]
    templar = Templar(loader=DataLoader(), variables={"text": text})
    handed = templar.template(trusted("{{ text }}"))
    assert isinstance(handed, str) and json.loads(handed) == EXPECTED


def test_check_returns_no_secret(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(encrypt(TEXT.encode("utf-8")))
    found = lookup(vault_loader()).run([str(path)], variables={}, check=True)
    assert found == [{"file": str(path), "users": 2, "upns": ["zoe@x.fr", "yanis@x.fr"]}]
    assert SECRET not in repr(found) and "Yp-2026" not in repr(found)


@pytest.mark.parametrize("check", [False, True])
def test_problems_name_file_line_and_column_without_a_password(tmp_path, check):
    path = tmp_path / "users.csv"
    path.write_bytes(encrypt(TEXT.replace(u"Yp-2026!x;", u"Yp-2026!x").encode("utf-8")))
    with pytest.raises(AnsibleLookupError) as info:
        lookup(vault_loader()).run([str(path)], variables={}, check=check)
    assert str(info.value) == "users_csv: %s, line 3, column 4 (plan): 3 cells where the header has 4" % path
    assert "Yp-2026" not in str(info.value)


@pytest.mark.parametrize("check", [False, True])
def test_rows_in_another_order_than_the_header_are_refused_without_a_password(tmp_path, check):
    # the header has the UPN before the password, the rows the other way round: the UPN cells hold passwords
    path = tmp_path / "users.csv"
    path.write_bytes((u"Prénom;Identifiant;Mot de passe\r\nZoé;\"%s\";zoe@x.fr\r\nYanis;Yp-2026!x;yanis@x.fr\r\n"
                      % SECRET).encode("utf-8"))
    with pytest.raises(AnsibleLookupError) as info:
        lookup().run([str(path)], variables={}, check=check)
    assert str(info.value).startswith("users_csv: %s, line 2, column 2 (upn): not a user principal name" % path)
    assert SECRET not in str(info.value) and "Yp-2026" not in str(info.value)


def test_a_file_mixing_utf8_and_windows_1252_is_refused_at_its_first_bad_byte(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(TEXT.encode("utf-8") + u"Hélène;helene@x.fr;Hx-2026!é;\r\n".encode("cp1252"))
    with pytest.raises(AnsibleLookupError) as info:
        lookup().run([str(path)], variables={})
    assert str(info.value).startswith("users_csv: %s, line 4, column 1 (first_name): not UTF-8, while the file holds "
                                      "UTF-8 text (line 1): it mixes two encodings" % path)
    assert "Hx-2026" not in str(info.value)
