# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks a Cortex server would make, made before the first write.

Pure functions, no Ansible and no HTTP, so the unit tests, the modules and the filter plugins share them.
Each ``*_problems`` function returns a list of human-readable problems (empty when valid) so callers can
report every problem of every object at once. The rules are those of docs/protocol.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import unicodedata

CODE_PATTERN = re.compile(r"^[A-Za-z0-9]{1,20}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LABEL_PATTERN = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# sAMAccountName may not contain these; it may not end with a dot either.
LOGIN_FORBIDDEN = set('"/\\[]:;|=,+*?<>@ ')
# Password tokens are split on these separators (the Active Directory "display name" rule).
TOKEN_SEPARATORS = re.compile(r"[@.,\-_#\s]+")

MAX_LOGIN_LENGTH = 20
MAX_PASSWORD_LENGTH = 256
DEFAULT_MIN_PASSWORD_LENGTH = 8
FULL_NAME_MAX = 60


def normalize_domain(name):
    """Return a domain name in the form the server stores: lower case, no trailing dot, IDN as punycode.

    Raises ValueError when the name cannot be encoded (empty label, label too long...).
    """
    name = (name or "").strip().rstrip(".")
    if not name:
        raise ValueError("empty domain name")
    labels = []
    for label in name.split("."):
        if not label:
            raise ValueError("empty label")
        if label.isascii():
            labels.append(label.lower())
        else:
            try:
                labels.append(label.encode("idna").decode("ascii").lower())
            except UnicodeError as exc:
                raise ValueError("label '%s' cannot be converted to punycode (%s)" % (label, exc))
    return ".".join(labels)


def domain_problems(name):
    """Problems of a domain name as given by a user (IDN allowed, converted first)."""
    try:
        ascii_name = normalize_domain(name)
    except ValueError as exc:
        return ["'%s' is not a valid domain name: %s" % (name, exc)]
    labels = ascii_name.split(".")
    if len(ascii_name) > 253:
        return ["'%s' is not a valid domain name: longer than 253 characters" % name]
    if len(labels) < 2:
        return ["'%s' is not a valid domain name: it needs at least two labels (example.fr)" % name]
    bad = [label for label in labels if not LABEL_PATTERN.match(label)]
    if bad:
        return ["'%s' is not a valid domain name: bad label '%s' (letters, digits and inner hyphens only)"
                % (name, bad[0])]
    if labels[-1].isdigit():
        return ["'%s' is not a valid domain name: the top-level label is numeric" % name]
    return []


def split_upn(upn):
    """Split a UPN into (local part, normalized domain); raises ValueError when it is not local@domain."""
    if not upn or upn.count("@") != 1:
        raise ValueError("'%s' is not a UPN of the form name@domain" % upn)
    local, domain = upn.split("@")
    if not local or any(c.isspace() for c in local):
        raise ValueError("'%s' has an empty or blank name part" % upn)
    return local, normalize_domain(domain)


def normalize_upn(upn):
    """UPN with its domain normalized (punycode, lower case); the local part keeps its case."""
    local, domain = split_upn(upn)
    return "%s@%s" % (local, domain)


def upn_problems(upn, tenant_domains=None):
    """Problems of a UPN; with ``tenant_domains`` (normalized names), also that its domain is one of them."""
    try:
        local, domain = split_upn(upn)
    except ValueError as exc:
        return [str(exc)]
    problems = domain_problems(domain)
    if not problems and tenant_domains is not None and domain not in tenant_domains:
        problems.append("the domain of '%s' is not one of the tenant's domains (%s)"
                        % (upn, ", ".join(sorted(tenant_domains)) or "none"))
    return problems


def default_login(upn, tenant_code=None):
    """The login derived from a UPN: its local part, shortened so that ``login_CODE`` fits in 20 characters."""
    local = upn.split("@")[0]
    login = "".join(c for c in local if c not in LOGIN_FORBIDDEN)
    if tenant_code:
        login = login[:MAX_LOGIN_LENGTH - len(tenant_code) - 1]
    return login.rstrip(".")


def stored_login(login, tenant_code):
    """The login as the server stores it: ``login_CODE`` (unless it already carries the suffix)."""
    suffix = "_" + tenant_code
    if login.lower().endswith(suffix.lower()):
        return login
    return login + suffix


def login_problems(login, tenant_code=None):
    if not login:
        return ["the login is empty"]
    bad = sorted(set(c for c in login if c in LOGIN_FORBIDDEN or ord(c) < 32))
    if bad:
        return ["login '%s' contains characters not allowed in a Windows logon name: %s"
                % (login, " ".join(repr(c) for c in bad))]
    if login.endswith("."):
        return ["login '%s' may not end with a dot" % login]
    if tenant_code:
        full = stored_login(login, tenant_code)
        if len(full) > MAX_LOGIN_LENGTH:
            return ["login '%s' would be stored as '%s', %d characters; the limit is %d"
                    % (login, full, len(full), MAX_LOGIN_LENGTH)]
    return []


def password_tokens(text):
    """Tokens of 3 or more characters that a password may not contain (from a UPN or a display name)."""
    return [t for t in TOKEN_SEPARATORS.split(text or "") if len(t) >= 3]


def password_problems(password, login=None, upn=None, display_name=None, min_length=None):
    """Problems of a password under the Cortex rule; never includes the password itself in a message."""
    if min_length is None:
        min_length = DEFAULT_MIN_PASSWORD_LENGTH
    problems = []
    if len(password) < min_length:
        problems.append("the password is shorter than %d characters" % min_length)
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append("the password is longer than %d characters" % MAX_PASSWORD_LENGTH)
    folded = password.casefold()
    if login and len(login) >= 3 and login.casefold() in folded:
        problems.append("the password contains the login '%s'" % login)
    for source, text in (("UPN", upn), ("display name", display_name)):
        for token in password_tokens(text):
            if token.casefold() in folded:
                problems.append("the password contains '%s' from the %s" % (token, source))
                break
    classes = [
        any(c.isupper() for c in password),
        any(c.islower() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    if sum(classes) < 3:
        problems.append("the password needs 3 of: upper case, lower case, digit, other character")
    return problems


def code_problems(code):
    if not CODE_PATTERN.match(code or ""):
        return ["code '%s' must be 1 to 20 letters or digits" % code]
    return []


def full_name_problems(name):
    if not name or len(name) > FULL_NAME_MAX:
        return ["full name '%s' must be 1 to %d characters" % (name, FULL_NAME_MAX)]
    bad = sorted(set(c for c in name if not (c.isalpha() or c.isnumeric() or c in " .-")))
    if bad:
        return ["full name '%s' may only hold letters, digits, spaces, dots and hyphens (not %s)"
                % (name, " ".join(repr(c) for c in bad))]
    return []


def email_problems(email):
    if not EMAIL_PATTERN.match(email or ""):
        return ["'%s' is not a valid e-mail address" % email]
    return []


def generated_code(full_name):
    """The code the server would generate for a full name (before collision suffixes)."""
    initials = []
    for word in (full_name or "").split():
        letters = [c for c in word if c.isalpha()]
        if letters:
            # "Élise" gives E: the code alphabet is ASCII.
            ascii_letter = unicodedata.normalize("NFKD", letters[0]).encode("ascii", "ignore").decode("ascii")
            initials.append(ascii_letter.upper())
    return "".join(initials)[:20] or "C"
