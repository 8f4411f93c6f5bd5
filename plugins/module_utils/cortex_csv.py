# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Users from a CSV export, as French and English office suites really write them.

* encodings: UTF-8 with or without a BOM, UTF-16 with a BOM (Excel's "Unicode text"), and Windows-1252 (what French
  Excel writes as "CSV (séparateur: point-virgule)");
* separators: ``;``, ``,`` or tab, sniffed from the header line, or given by Excel's ``sep=;`` first line;
* Python's csv module for the rest: quoted fields holding separators, quotes or line breaks, CRLF or LF;
* headers in English or French, in any case, with or without accents, in any order.

Every problem is reported with the file, line and column, and never with the content of a cell (it may be a
password). Passwords are kept exactly as written - spaces included; other cells are trimmed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import codecs
import csv
import io
import unicodedata

# Column headers, English and French, compared without case, accents, spaces, dots, hyphens or underscores.
COLUMNS = {
    "first_name": ("first name", "firstname", "given name", "prenom"),
    "last_name": ("last name", "lastname", "surname", "nom", "nom de famille"),
    "display_name": ("display name", "displayname", "full name", "nom complet", "nom affiche", "nom d affichage"),
    "upn": ("upn", "user principal name", "identifiant", "login upn", "adresse", "email", "e mail", "courriel",
            "adresse e mail", "adresse email"),
    "login": ("login", "logon name", "nom d ouverture de session", "sam account name", "samaccountname"),
    "password": ("password", "mot de passe", "mdp"),
    "plan": ("plan", "forfait", "user plan"),
    "state": ("state", "etat"),
}
REQUIRED = ("upn",)
UNTRIMMED = ("password",)


class CsvError(ValueError):
    """A problem of a CSV file, with where it is."""

    def __init__(self, source, message, line=None, column=None):
        where = source
        if line is not None:
            where += ", line %d" % line
        if column is not None:
            where += ", column %d" % column
        super(CsvError, self).__init__("%s: %s" % (where, message))


def _fold(text):
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()
    for char in "._-'\u2019":
        text = text.replace(char, " ")
    return " ".join(text.split())


HEADER_KEYS = dict((_fold(name), key) for key, names in COLUMNS.items() for name in names + (key,))


def decode(data, source="CSV"):
    """The text of a CSV file's bytes, and the encoding found."""
    if isinstance(data, str):
        return data.lstrip("\ufeff"), "text"
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding).lstrip("\ufeff"), encoding
            except UnicodeDecodeError as exc:
                raise CsvError(source, "not valid %s after its byte order mark (byte %d)" % (encoding, exc.start))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Windows-1252, what Excel writes on a French Windows; the few bytes it leaves undefined are Latin-1
    return data.decode("cp1252", errors="strict") if _cp1252(data) else data.decode("latin-1"), "cp1252"


def _cp1252(data):
    try:
        data.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def _delimiter(header_line):
    counts = dict((d, 0) for d in ";,\t")
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_users(data, source="CSV", delimiter=None):
    """Users (dicts of cortex_client.users keys) from CSV bytes or text; raises CsvError naming file, line, column.
    ``delimiter`` is sniffed from the header line unless given (or given by Excel's ``sep=`` line)."""
    text, dummy = decode(data, source)
    first_line = 1
    lines = text.split("\n", 1)
    if lines and lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) == 5:
        delimiter = lines[0].strip()[4]
        text = lines[1] if len(lines) > 1 else ""
        first_line = 2
    if not text.strip():
        raise CsvError(source, "the file holds no header line")
    if delimiter is None:
        delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise CsvError(source, "the header line cannot be read (%s)" % exc, first_line)
    keys = []
    if not any(HEADER_KEYS.get(_fold(name)) for name in header):
        # not a header (a file without one?): its cells may be a user's, a password among them - none is shown
        raise CsvError(source, "not a header line: none of its %d cell(s) is a known column (known: %s)"
                       % (len(header), ", ".join(sorted(COLUMNS))), first_line)
    for column, name in enumerate(header, 1):
        key = HEADER_KEYS.get(_fold(name))
        if key is None and name.strip():
            raise CsvError(source, "unknown column '%s' (known: %s)" % (name.strip(), ", ".join(sorted(COLUMNS))),
                           first_line, column)
        if key is not None and key in keys:
            raise CsvError(source, "two columns are '%s'" % key, first_line, column)
        keys.append(key)
    missing = [key for key in REQUIRED if key not in keys]
    if missing:
        raise CsvError(source, "no %s column among %s" % (", ".join(missing), ", ".join(h.strip() for h in header)),
                       first_line)
    users = []
    line = first_line
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvError(source, "cannot be read (%s): check the quotes" % exc, first_line + reader.line_num - 1)
        start = line + 1
        line = first_line + reader.line_num - 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(keys):
            hint = (" - a cell holding '%s' (in a password?) must be quoted" % delimiter) if len(row) > len(keys) else ""
            # the column of the first missing or extra cell
            raise CsvError(source, "%d cells where the header has %d%s" % (len(row), len(keys), hint), start,
                           min(len(row), len(keys)) + 1)
        user = {}
        for column, (key, cell) in enumerate(zip(keys, row), 1):
            if key is None:
                continue
            value = cell if key in UNTRIMMED else cell.strip()
            if value != "":
                user[key] = value
        for key in REQUIRED:
            if key not in user:
                raise CsvError(source, "the %s cell is empty" % key, start, keys.index(key) + 1)
        users.append(user)
    return users
