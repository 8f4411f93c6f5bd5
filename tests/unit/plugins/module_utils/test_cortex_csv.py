# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CSV exports as French and English office suites write them: encodings, separators, quotes, headers, bad rows."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import codecs
import csv
import io
import random

import pytest

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_csv import (
    CsvError, _ParseError, _Records, read_users)

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
    assert str(info.value) == "users.csv, line 3, column 6 (plan): 5 cells where the header has 6"
    assert "Yp-2026" not in str(info.value)


def test_an_unquoted_separator_in_a_password_is_refused_without_showing_it():
    text = u"upn;password;plan\nclaire@x.fr;Pw;part-2!Ab;FORFAIT_2GO\n"
    with pytest.raises(CsvError) as info:
        read_users(text, "users.csv")
    assert str(info.value) == ("users.csv, line 2, column 4: 4 cells where the header has 3 - a cell holding ';' (in a "
                               "password?) must be quoted")
    assert "part-2" not in str(info.value)


def test_a_missing_or_unknown_column_is_named_by_position_and_key():
    with pytest.raises(CsvError) as info:
        read_users(u"Prénom;Nom\nZoé;M\n", "users.csv")
    assert str(info.value) == u"users.csv, line 1: no upn column (the header's columns: 1 first_name, 2 last_name)"
    with pytest.raises(CsvError) as info:
        read_users(u"upn;shoe size\nzoe@x.fr;42\n", "users.csv")
    assert str(info.value).startswith("users.csv, line 1, column 2: the header cell is not a column name (known: ")
    assert "shoe" not in str(info.value)
    with pytest.raises(CsvError) as info:
        read_users(u"upn;Courriel\nzoe@x.fr;zoe@x.fr\n", "users.csv")
    assert str(info.value) == "users.csv, line 1, column 2 (upn): a second upn column (the first is column 1)"


def test_a_file_without_a_header_is_refused_without_showing_its_first_row():
    with pytest.raises(CsvError) as info:
        read_users(u"Zm8!kT3#eZt4;zoe@x.fr;Zoé\n", "users.csv")
    assert str(info.value).startswith("users.csv, line 1: not a header line: none of its 3 cell(s) is a column name")
    assert "Zm8" not in str(info.value) and "zoe@" not in str(info.value)


def test_a_first_row_with_a_cell_that_is_a_column_name_is_refused_by_position():
    # no header: the user's first name is "Forfait", a French column name; the password comes next
    with pytest.raises(CsvError) as info:
        read_users(u"Forfait;Zm8!kT3#eZt4;zoe@x.fr\n", "users.csv")
    assert str(info.value).startswith("users.csv, line 1, column 2: the header cell is not a column name")
    assert "or the file has no header line and this is a user's row" in str(info.value)
    assert "Zm8" not in str(info.value) and "zoe@" not in str(info.value) and "Forfait" not in str(info.value)


def test_an_empty_upn_cell_is_refused_with_line_and_column():
    with pytest.raises(CsvError) as info:
        read_users(u"prenom;upn\nZoé;\n", "users.csv")
    assert str(info.value) == "users.csv, line 2, column 2 (upn): the upn cell is empty"


def test_rows_whose_cells_are_not_in_the_header_order_are_refused_without_the_password():
    # the header says the UPN comes before the password; the rows have them the other way round
    text = u"Prénom;Identifiant;Mot de passe\r\nZoé;Zm8!kT3#eZt4;zoe@x.fr\r\nYanis;Yp-2026!x;yanis@x.fr\r\n"
    with pytest.raises(CsvError) as info:
        read_users(text.encode("utf-8"), "users.csv")
    assert str(info.value).startswith("users.csv, line 2, column 2 (upn): not a user principal name (name@domain")
    assert "in the order of the header" in str(info.value)
    assert "Zm8" not in str(info.value) and "Yp-2026" not in str(info.value)


def test_a_login_or_state_cell_holding_a_password_is_refused_without_it():
    with pytest.raises(CsvError) as info:
        read_users(u"upn;login;password\nzoe@x.fr;Zm8!kT3 #eZt4;zoe\n", "users.csv")
    assert str(info.value).startswith("users.csv, line 2, column 2 (login): not a logon name (in a CSV file, ASCII letters")
    assert "Zm8" not in str(info.value)
    with pytest.raises(CsvError) as info:
        read_users(u"upn;state;password\nzoe@x.fr;Zm8!kT3#eZt4;absent\n", "users.csv")
    assert str(info.value) == "users.csv, line 2, column 2 (state): the state must be present or absent"
    assert read_users(u"upn;state\nzoe@x.fr; Absent \n") == [{"upn": "zoe@x.fr", "state": "absent"}]


def test_quoting_errors_name_line_and_column():
    with pytest.raises(CsvError) as info:
        read_users(u'upn;password;plan\nzoe@x.fr;"Zm8!k"T3";FORFAIT_2GO\n', "users.csv")
    assert str(info.value).startswith('users.csv, line 2, column 2 (password): a quoted cell goes on after its '
                                      'closing quote')
    assert "Zm8" not in str(info.value) and "T3" not in str(info.value)
    with pytest.raises(CsvError) as info:
        read_users(u'upn;password;plan\nzoe@x.fr;Pw-1x!aa;F2\nyanis@x.fr;"Zm8!kT3;F2\nmarc@x.fr;Pw-3x!aa;F2\n',
                   "users.csv")
    assert str(info.value) == ("users.csv, line 3, column 2 (password): a quoted cell is not closed: its closing quote "
                               "is missing")


def test_lines_are_counted_across_quoted_line_breaks_and_crlf():
    text = u'upn;display name;plan\r\na@x.fr;"Claire\r\nDubois";F2\r\nb@x.fr;"B\nB\rB";F2\r\nc@x.fr;C\r\n'
    with pytest.raises(CsvError) as info:
        read_users(text, "users.csv")
    assert str(info.value) == "users.csv, line 7, column 3 (plan): 2 cells where the header has 3"


PASSWORDS = ["Zm8!kT3#eZt4", "Qx;7 pL\"9w", u"Pâq€s-2026!", "Nom", "Forfait-9!Aa"]
VALID = u"Prénom;Identifiant;Mot de passe;Forfait\r\n"


def bad_files():
    """CSV files that hold the passwords of PASSWORDS in every way a file can go wrong."""
    p = PASSWORDS
    rows = [u"Zoé;zoe@x.fr;%s;F2" % p[0], u"Yanis;yanis@x.fr;%s;F2" % p[4]]
    yield "no header", u"\r\n".join(rows)
    yield "no header, a password equal to a column name", u"Zoé;zoe@x.fr;%s;F2\r\n" % p[3]
    yield "no header, a cell equal to a column name", u"Forfait;%s;zoe@x.fr;%s\r\n" % (p[0], p[4])
    yield "no header, the password first", u"%s;Nom;zoe@x.fr\r\n" % p[0]
    yield "no header, one cell", p[0] + u"\r\n"
    yield "password and upn swapped", VALID + u"Zoé;%s;zoe@x.fr;F2\r\n" % p[0]
    yield "password and plan swapped", u"Identifiant;Mot de passe;State\r\nzoe@x.fr;absent;%s\r\n" % p[4]
    yield "password in the login column", u"upn;login;password\r\nzoe@x.fr;%s;zoe\r\n" % p[0]
    yield "unquoted separator", VALID + u"Zoé;zoe@x.fr;%s;F2\r\n" % p[1].replace('"', "")
    yield "short row", VALID + u"Zoé;zoe@x.fr;%s\r\n" % p[2]
    yield "quote inside", VALID + u'Zoé;zoe@x.fr;"%s"x;F2\r\n' % p[0]
    yield "unclosed quote", VALID + u'Zoé;zoe@x.fr;"%s;F2\r\n' % p[2]
    yield "duplicate column, header is a row", u"Nom;%s;Nom\r\n" % p[0]
    yield "no upn, header is a row", u"Nom;Prénom;%s\r\n" % p[3]
    yield "mixed encodings", (VALID + u"Zoé;zoe@x.fr;%s;F2\r\n" % p[2]).encode("utf-8") + (
        u"Hélène;helene@x.fr;%s;F2\r\n" % p[0]).encode("cp1252")
    yield "mixed encodings, the bad byte in the password", (VALID + u"Zoé;zoe@x.fr;%s;F2\r\n" % p[4]).encode(
        "utf-8") + (u"Yanis;yanis@x.fr;%s;F2\r\n" % p[2]).encode("cp1252")
    yield "bad UTF-16", codecs.BOM_UTF16_LE + (VALID + u"Zoé;zoe@x.fr;%s;F2\r\n" % p[2]).encode("utf-16-le") + b"x"
    yield "bad UTF-8 after its BOM", codecs.BOM_UTF8 + (VALID + u"Zoé;zoe@x.fr;%s;F2\r\n" % p[2]).encode("cp1252")
    yield "neither UTF-8 nor Windows-1252", (VALID + u"Zoé;zoe@x.fr;%s;F2\r\n" % p[0]).encode("cp1252") + b"\x81"


@pytest.mark.parametrize("case,data", list(bad_files()), ids=[case for case, dummy in bad_files()])
def test_no_problem_shows_a_password(case, data):
    with pytest.raises(CsvError) as info:
        read_users(data, "users.csv")
    message = str(info.value)
    assert message.startswith("users.csv, line "), message
    folded = message.casefold()
    for password in PASSWORDS:
        for piece in [password] + [password[i:i + 4] for i in range(len(password) - 3)]:
            assert piece.casefold() not in folded, "%s: %r shows %r" % (case, message, piece)


@pytest.mark.parametrize("name,encoded", [
    ("one row in Windows-1252",
     FRENCH.encode("utf-8").replace(u"Marchand, Zoé".encode("utf-8"), u"Marchand, Zoé".encode("cp1252"))),
    ("a UTF-8 name in a Windows-1252 file", FRENCH.encode("cp1252").replace(b"Yanis", u"Yanïs".encode("utf-8"))),
])
def test_a_file_mixing_encodings_is_refused_at_its_first_bad_byte(name, encoded):
    with pytest.raises(CsvError) as info:
        read_users(encoded, "users.csv")
    message = str(info.value)
    if name == "one row in Windows-1252":
        # the line of Zoé, whose display name (column 3) holds the first byte that is not UTF-8
        assert message.startswith("users.csv, line 2, column 3 (display_name): not UTF-8, while the file holds "
                                  "UTF-8 text (line 1): it mixes two encodings"), message
    else:
        assert message.startswith("users.csv, line 1, column 1: not UTF-8, while the file holds UTF-8 text (line 3)")
    assert "save the file again in one encoding" in message


def test_a_password_with_the_euro_sign_is_never_read_as_mojibake():
    # an otherwise UTF-8 file where one row was typed in a Windows-1252 editor: the euro sign's UTF-8 bytes must not
    # be read as Windows-1252 (a password set to "â‚¬...")
    data = u"upn;password\nzoe@x.fr;Pâq€s-2026!\n".encode("utf-8") + u"yanis@x.fr;Hélène-9!\n".encode("cp1252")
    with pytest.raises(CsvError) as info:
        read_users(data, "users.csv")
    assert str(info.value).startswith("users.csv, line 3, column 2 (password): not UTF-8")
    assert read_users(u"upn;password\nzoe@x.fr;Pâq€s-2026!\n".encode("utf-8"))[0]["password"] == u"Pâq€s-2026!"
    assert read_users(u"upn;password\nzoe@x.fr;Pâq€s-2026!\n".encode("cp1252"))[0]["password"] == u"Pâq€s-2026!"


def test_bytes_no_encoding_defines_are_refused_with_their_place():
    with pytest.raises(CsvError) as info:
        read_users(b"upn;last name\nzoe@x.fr;Ab\x81c\n", "users.csv")
    assert str(info.value) == ("users.csv, line 2, column 2 (last_name): neither UTF-8 nor Windows-1252 - save the file "
                               "again in one encoding (UTF-8, or Excel's \"CSV UTF-8\") (byte 26 of the file)")
    with pytest.raises(CsvError) as info:
        read_users(codecs.BOM_UTF8 + u"upn;nom\nzoe@x.fr;Zoé\n".encode("cp1252"), "users.csv")
    assert str(info.value).startswith("users.csv, line 2, column 2 (last_name): not valid UTF-8, although the file "
                                      "starts with the byte order mark of UTF-8")
    with pytest.raises(CsvError) as info:
        read_users(u"upn;nom\nzoe@x.fr;Zoé\n".encode("utf-16") + b"\x00", "users.csv")
    assert str(info.value).startswith("users.csv, line 3, column 1 (upn): not valid UTF-16")


def test_empty_lines_are_skipped_and_an_empty_file_is_refused():
    assert read_users(u"upn\n\nzoe@x.fr\n\n") == [{"upn": "zoe@x.fr"}]
    with pytest.raises(CsvError):
        read_users(b"", "users.csv")


def test_records_are_those_of_pythons_csv_module():
    """The reader's records (which it needs for the line and column of a problem) are those of Python's csv module in
    strict mode, over every short text of separators, quotes and line breaks drawn here; blank lines aside."""
    pieces = ["a", "b", ";", '"', "\r", "\n", "\r\n", " ", u"é"]
    draw = random.Random(20260101)

    def blank(row):
        return row if any(row) else []

    for dummy in range(5000):
        text = "".join(draw.choice(pieces) for dummy in range(draw.randint(0, 14)))
        try:
            expected = [blank(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True)]
        except csv.Error:
            expected = "refused"
        try:
            found = [blank(row) for dummy, row in _Records(text, ";").records()]
        except _ParseError:
            found = "refused"
        assert found == expected, repr(text)
