# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Users from a CSV export, as French and English office suites really write them.

* encodings: UTF-8 with or without a BOM, UTF-16 with a BOM (Excel's "Unicode text"), and Windows-1252 (what French
  Excel writes as "CSV (séparateur: point-virgule)"). A file is read in one encoding or refused: without a BOM it is
  UTF-8 when it is valid UTF-8, else Windows-1252 when it holds no byte sequence of UTF-8's multibyte form at all and
  every byte is a Windows-1252 character; a file mixing both (a name saved by another program) is refused, naming
  the line and column of its first byte that is not UTF-8;
* separators: ``;``, ``,`` or tab, sniffed from the header line, or given by Excel's ``sep=;`` first line;
* RFC 4180 records: quoted fields holding separators, quotes or line breaks, CRLF or LF;
* headers in English or French, in any case, with or without accents, in any order.

Every problem is reported with the file, line and column (by number, and by the key of its header when the header is
known), and never with the text of a cell: a data cell may be a password, and so may the cells of a first line that
is taken for a header but is a user's row (the header's cells are named by position, or by the key they matched).
Passwords are kept exactly as written - spaces included; other cells are trimmed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import codecs
import re
import unicodedata

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_description import CSV_KEYS

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_validation import (
    login_problems, upn_problems)

# Column headers, English and French, compared without case, accents, spaces, dots, hyphens or underscores.
# Header names of the columns, English and French, compared without case, accents, spaces, dots, hyphens or
# underscores; a column is also known by its key. The columns are the user keys of the client description
# (cortex_description.CSV_KEYS): a user field declared in cortex_schema is a column, under its key, at once.
ALIASES = {
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
COLUMNS = dict((key, ALIASES.get(key, ())) for key in CSV_KEYS)
REQUIRED = ("upn",)
UNTRIMMED = ("password",)
STATES = ("present", "absent")
# Logins of a CSV file: stricter than Windows' rule (cortex_validation.login_problems), so that a password in the
# login column is caught here, where no message shows it, rather than named by a later check of the login.
CSV_LOGIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")

# A valid UTF-8 sequence of two bytes or more (RFC 3629). A file without a BOM that is not valid UTF-8 but holds one
# of these is taken for a mix of UTF-8 and another encoding, and refused.
UTF8_MULTIBYTE = re.compile(b"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
                            b"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
                            b"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
LINE_BREAK = re.compile(b"\r\n|\r|\n")
SAVE_AGAIN = "save the file again in one encoding (UTF-8, or Excel's \"CSV UTF-8\")"


class CsvError(ValueError):
    """A problem of a CSV file, with where it is: line, and column by number and by the key of its header."""

    def __init__(self, source, message, line=None, column=None, key=None):
        where = source
        if line is not None:
            where += ", line %d" % line
        if column is not None:
            where += ", column %d" % column
            if key:
                where += " (%s)" % key
        super(CsvError, self).__init__("%s: %s" % (where, message))
        self.line = line
        self.column = column


class _ParseError(Exception):
    """A record that breaks the quoting rules, at a line and a column (the number of the cell)."""

    def __init__(self, line, column, message):
        super(_ParseError, self).__init__(message)
        self.line = line
        self.column = column
        self.message = message


def _fold(text):
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()
    for char in "._-'\u2019":
        text = text.replace(char, " ")
    return " ".join(text.split())


HEADER_KEYS = dict((_fold(name), key) for key, names in COLUMNS.items() for name in names + (key,))


def _header_keys(header):
    return [HEADER_KEYS.get(_fold(cell)) for cell in header]


class _Records(object):
    """The records of CSV text (RFC 4180, as Excel writes it), each with the line it starts on.

    A field that starts with a quote is quoted: it ends at the next lone quote, a doubled quote stands for one, and it
    may hold separators and line breaks; after it, only a separator or the end of the line may come. A quote anywhere
    else is an ordinary character. Lines end with CRLF, LF or CR. Lines are counted as an editor shows them, line
    breaks inside quoted fields included. After ``records(partial=True)`` has run out (the text cut short on purpose),
    ``line`` and ``column`` are where the text ended."""

    def __init__(self, text, delimiter, first_line=1):
        self.text = text
        self.delimiter = delimiter
        self.line = first_line
        self.column = 1
        self._plain = re.compile('[^"\r\n%s]+' % re.escape(delimiter))
        self._quoted = re.compile('[^"]+')

    def records(self, partial=False):
        text, delimiter = self.text, self.delimiter
        size = len(text)
        position = 0
        row, field = [], []
        start = self.line
        quoted = closed = False  # in a quoted field; just after the closing quote of one
        opened_at = None
        while position < size:
            char = text[position]
            if quoted:
                if char == '"':
                    if text.startswith('"', position + 1):
                        field.append('"')
                        position += 2
                        continue
                    quoted, closed = False, True
                    position += 1
                    continue
                chunk = self._quoted.match(text, position).group()
                self.line += chunk.count("\n") + chunk.count("\r") - chunk.count("\r\n")
                field.append(chunk)
                position += len(chunk)
                continue
            if char == delimiter:
                row.append("".join(field))
                field, closed = [], False
            elif char in "\r\n":
                if char == "\r" and text.startswith("\n", position + 1):
                    position += 1
                row.append("".join(field))
                yield start, row
                row, field, closed = [], [], False
                self.line += 1
                start = self.line
            elif closed:
                raise _ParseError(self.line, len(row) + 1, "a quoted cell goes on after its closing quote: a quote "
                                  "inside a quoted cell must be written twice (\"\")")
            elif char == '"' and not field:
                quoted, opened_at = True, self.line
            else:
                chunk = self._plain.match(text, position)
                if chunk is None:  # a quote inside an unquoted field: an ordinary character
                    field.append(char)
                else:
                    field.append(chunk.group())
                    position += len(chunk.group())
                    continue
            position += 1
        self.column = len(row) + 1
        if partial:
            return
        if quoted:
            raise _ParseError(opened_at, len(row) + 1, "a quoted cell is not closed: its closing quote is missing")
        if row or field or closed:
            row.append("".join(field))
            yield start, row


def _separator_line(text):
    """Excel's ``sep=;`` first line: (the text after it, the number of its first line, the separator or None)."""
    first, dummy, rest = text.partition("\n")
    first = first.strip()
    if first.lower().startswith("sep=") and len(first) == 5:
        return rest, 2, first[4]
    return text, 1, None


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


def _locate(prefix, delimiter=None):
    """Where text that ends at a given point ends, as a CSV file: (line, column or None, its header's key or None).
    The column is the number of the cell; the key is named only once the header line has been read whole."""
    text, first_line, given = _separator_line(prefix)
    records = _Records(text, delimiter or given or _delimiter(text.split("\n", 1)[0]), first_line)
    header = None
    try:
        for dummy, row in records.records(partial=True):
            if header is None and any(cell.strip() for cell in row):
                header = row
    except _ParseError:  # broken quoting before that point: the line alone
        return first_line + len(LINE_BREAK.findall(text.encode("utf-8"))), None, None
    key = None
    if header is not None:
        keys = _header_keys(header)
        if records.column <= len(keys):
            key = keys[records.column - 1]
    return records.line, records.column, key


def _bad_byte(source, data, start, prefix, message, delimiter=None):
    """A CsvError at the first byte of ``data`` that is not valid: ``prefix`` is the text decoded before it."""
    line, column, key = _locate(prefix, delimiter)
    return CsvError(source, "%s (byte %d of the file)" % (message, start + 1), line, column, key)


def _line_of(data, offset):
    return len(LINE_BREAK.findall(data, 0, offset)) + 1


def decode(data, source="CSV", delimiter=None):
    """The text of a CSV file's bytes, and the encoding found; raises CsvError, at the line and column of the first
    byte that is not valid, for a file that is not wholly in one encoding (see the module's docstring)."""
    if isinstance(data, str):
        return data.lstrip("\ufeff"), "text"
    for bom, encoding, name in ((codecs.BOM_UTF8, "utf-8", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
                                (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16")):
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                return body.decode(encoding).lstrip("\ufeff"), "utf-8-sig" if name == "UTF-8" else "utf-16"
            except UnicodeDecodeError as exc:
                prefix = body[:exc.start].decode(encoding).lstrip("\ufeff")
                raise _bad_byte(source, data, len(bom) + exc.start, prefix, "not valid %s, although the file starts "
                                "with the byte order mark of %s: %s" % (name, name, SAVE_AGAIN), delimiter)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        not_utf8 = exc.start
    multibyte = UTF8_MULTIBYTE.search(data)
    if multibyte:
        # UTF-8 text and bytes of another encoding: reading it all as one would change the others' characters
        prefix = data[:not_utf8].decode("utf-8")
        raise _bad_byte(source, data, not_utf8, prefix, "not UTF-8, while the file holds UTF-8 text (line %d): it "
                        "mixes two encodings (a row saved by another program?) - %s"
                        % (_line_of(data, multibyte.start()), SAVE_AGAIN), delimiter)
    try:
        # Windows-1252, what Excel writes on a French Windows
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        prefix = data[:exc.start].decode("cp1252")
        raise _bad_byte(source, data, exc.start, prefix, "neither UTF-8 nor Windows-1252 - %s" % SAVE_AGAIN, delimiter)


def _cell_problem(key, value):
    """Why a cell cannot be the ``key`` of a user (a password in the wrong column, often), or None. Never the value."""
    if key == "upn":
        if upn_problems(value):
            return ("not a user principal name (name@domain, the name of ASCII letters, digits and . _ - +): are the "
                    "cells of this row in the order of the header?")
    elif key == "login":
        if login_problems(value) or not CSV_LOGIN.match(value):
            return ("not a logon name (in a CSV file, ASCII letters, digits and . _ - only): are the cells of this row "
                    "in the order of the header?")
    elif key == "state":
        if value.lower() not in STATES:
            return "the state must be present or absent"
    return None


def read_users(data, source="CSV", delimiter=None):
    """Users (dicts of cortex_client.users keys) from CSV bytes or text; raises CsvError naming file, line, column.
    ``delimiter`` is sniffed from the header line unless given (or given by Excel's ``sep=`` line)."""
    text, dummy = decode(data, source, delimiter)
    text, first_line, given = _separator_line(text)
    delimiter = delimiter or given
    if not text.strip():
        raise CsvError(source, "the file holds no header line", first_line)
    if delimiter is None:
        delimiter = _delimiter(text.lstrip("\r\n").split("\n", 1)[0])
    records = _Records(text, delimiter, first_line).records()
    keys = None
    try:
        header_line, header = next((line, row) for line, row in records if any(cell.strip() for cell in row))
        keys = _header_keys(header)
        _check_header(source, header_line, header, keys)
        users = []
        for line, row in records:
            user = _user(source, line, row, keys, delimiter)
            if user is not None:
                users.append(user)
    except _ParseError as exc:
        key = keys[exc.column - 1] if keys and exc.column <= len(keys) else None
        raise CsvError(source, exc.message, exc.line, exc.column, key)
    return users


def _check_header(source, line, header, keys):
    """The header line names every column (empty cells excepted), each once, the required ones among them. Its
    cells are named by position or by the key they matched, never by their text: a first line that is a user's row
    (a file without a header) holds a password."""
    known = ", ".join(sorted(COLUMNS))
    if not any(keys):
        raise CsvError(source, "not a header line: none of its %d cell(s) is a column name (known: %s) - the first "
                       "line must name the columns" % (len(header), known), line)
    for column, (cell, key) in enumerate(zip(header, keys), 1):
        if key is None and cell.strip():
            raise CsvError(source, "the header cell is not a column name (known: %s, in English or French; a column "
                           "to ignore has an empty header cell) - or the file has no header line and this is a "
                           "user's row" % known, line, column)
        if key is not None and key in keys[:column - 1]:
            raise CsvError(source, "a second %s column (the first is column %d)" % (key, keys.index(key) + 1),
                           line, column, key)
    missing = [key for key in REQUIRED if key not in keys]
    if missing:
        named = ", ".join("%d %s" % (column, key) for column, key in enumerate(keys, 1) if key)
        raise CsvError(source, "no %s column (the header's columns: %s)" % (", ".join(missing), named), line)


def _user(source, line, row, keys, delimiter):
    """The user of one record (None for an empty line); raises CsvError at its line and column."""
    if not any(cell.strip() for cell in row):
        return None
    if len(row) != len(keys):
        hint = (" - a cell holding '%s' (in a password?) must be quoted" % delimiter) if len(row) > len(keys) else ""
        # the column of the first missing or extra cell
        column = min(len(row), len(keys)) + 1
        raise CsvError(source, "%d cells where the header has %d%s" % (len(row), len(keys), hint), line, column,
                       keys[column - 1] if column <= len(keys) else None)
    user = {}
    for column, (key, cell) in enumerate(zip(keys, row), 1):
        if key is None:
            continue
        value = cell if key in UNTRIMMED else cell.strip()
        if value == "":
            continue
        problem = _cell_problem(key, value)
        if problem:
            raise CsvError(source, problem, line, column, key)
        user[key] = value.lower() if key == "state" else value
    for key in REQUIRED:
        if key not in user:
            raise CsvError(source, "the %s cell is empty" % key, line, keys.index(key) + 1, key)
    return user
