# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CSV exports as French and English office suites write them: encodings, separators, quotes, headers, bad rows."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import codecs

import pytest

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_csv import CsvError, read_users

SECRET = " Sp@ce-d;Pw 9 "  # spaces around, a separator inside: kept byte for byte when quoted
FRENCH = u'Prénom;Nom;Nom complet;Identifiant;Mot de passe;Forfait\r\nZoé;Marchand;"Marchand, Zoé";zoe@x.fr;"%s";' \
         u'FORFAIT_2GO\r\nYanis;Perrin;;yanis@x.fr;Yp-2026!x;\r\n' % SECRET
EXPECTED = [{"first_name": u"Zoé", "last_name": "Marchand", "display_name": u"Marchand, Zoé", "upn": "zoe@x.fr",
             "password": SECRET, "plan": "FORFAIT_2GO"},
            {"first_name": "Yanis", "last_name": "Perrin", "upn": "yanis@x.fr", "password": "Yp-2026!x"}]


@pytest.mark.parametrize("encoded", [
    FRENCH.encode("utf-8"),
    codecs.BOM_UTF8 + FRENCH.encode("utf-8"),
    FRENCH.encode("cp1252"),  # French Excel's "CSV (séparateur: point-virgule)"
    FRENCH.encode("utf-16"),  # Excel's "Unicode text": UTF-16 with its byte order mark
    codecs.BOM_UTF16_BE + FRENCH.encode("utf-16-be"),
    b"sep=;\r\n" + FRENCH.encode("cp1252"),  # Excel's separator hint on the first line
])
def test_every_encoding_office_suites_write(encoded):
    assert read_users(encoded, "users.csv") == EXPECTED


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_separators_are_sniffed_from_the_header(delimiter):
    text = delimiter.join(["UPN", "First Name", "Password", "Plan"]) + "\n" + delimiter.join(
        ["claire@x.fr", "Claire", '"a%sb-C9"' % delimiter, "FORFAIT_2GO"]) + "\n"
    assert read_users(text) == [{"upn": "claire@x.fr", "first_name": "Claire", "password": "a%sb-C9" % delimiter,
                                 "plan": "FORFAIT_2GO"}]


def test_quoted_cells_may_hold_line_breaks_and_quotes():
    text = 'upn;display name;password\nclaire@x.fr;"Claire ""la boulangère""\nDubois";Pw-1x!aa\nmarc@x.fr;Marc;Pw-2x!aa\n'
    users = read_users(text)
    assert users[0]["display_name"] == u'Claire "la boulangère"\nDubois'
    assert users[1]["upn"] == "marc@x.fr"


def test_a_short_row_is_refused_with_its_line_and_no_cell_content():
    text = FRENCH.replace(u";Yp-2026!x;", u";Yp-2026!x")
    with pytest.raises(CsvError) as info:
        read_users(text.encode("utf-8"), "users.csv")
    assert str(info.value) == "users.csv, line 3, column 6: 5 cells where the header has 6"
    assert "Yp-2026" not in str(info.value)


def test_an_unquoted_separator_in_a_password_is_refused_without_showing_it():
    text = u"upn;password;plan\nclaire@x.fr;Pw;part-2!Ab;FORFAIT_2GO\n"
    with pytest.raises(CsvError) as info:
        read_users(text, "users.csv")
    assert str(info.value) == ("users.csv, line 2, column 4: 4 cells where the header has 3 - a cell holding ';' (in a "
                               "password?) must be quoted")
    assert "part-2" not in str(info.value)


def test_a_missing_or_unknown_column_is_named():
    with pytest.raises(CsvError) as info:
        read_users(u"Prénom;Nom\nZoé;M\n", "users.csv")
    assert str(info.value) == u"users.csv, line 1: no upn column among Prénom, Nom"
    with pytest.raises(CsvError) as info:
        read_users(u"upn;shoe size\nzoe@x.fr;42\n", "users.csv")
    assert "users.csv, line 1, column 2: unknown column 'shoe size'" in str(info.value)


def test_a_file_without_a_header_is_refused_without_showing_its_first_row():
    with pytest.raises(CsvError) as info:
        read_users(u"Zm8!kT3#eZt4;zoe@x.fr;Zoé\n", "users.csv")
    assert str(info.value).startswith("users.csv, line 1: not a header line: none of its 3 cell(s) is a known column")
    assert "Zm8" not in str(info.value) and "zoe@" not in str(info.value)


def test_an_empty_upn_cell_is_refused_with_line_and_column():
    with pytest.raises(CsvError) as info:
        read_users(u"prenom;upn\nZoé;\n", "users.csv")
    assert str(info.value) == "users.csv, line 2, column 2: the upn cell is empty"


def test_empty_lines_are_skipped_and_an_empty_file_is_refused():
    assert read_users(u"upn\n\nzoe@x.fr\n\n") == [{"upn": "zoe@x.fr"}]
    with pytest.raises(CsvError):
        read_users(b"", "users.csv")
