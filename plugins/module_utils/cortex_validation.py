# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks a Cortex server would make, made before the first write - written once, for the modules and the role.

Pure functions, no Ansible and no HTTP, so the unit tests, the modules and the filter plugins share them.
Each ``*_problems`` function returns a list of human-readable problems (empty when valid) so callers can
report every problem of every object at once; a message never contains a password. The rules are those of
docs/protocol.md, plus what Active Directory and Exchange require of the objects Cortex makes (logins, mail
addresses). Checks that need what the partner's Cortex offers (plans, roles, countries) take it as an argument
(see cortex_catalog).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import unicodedata
from functools import lru_cache

try:  # IDNA 2008 with the UTS 46 mapping (the "idna" package that requests depends on)
    import idna as _idna
except ImportError:  # pragma: no cover - Python's codec (IDNA 2003) is the fallback
    _idna = None

CODE_PATTERN = re.compile(r"^[A-Za-z0-9]{1,20}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LABEL_PATTERN = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# The local part of a UPN is also the mailbox's address: plain ASCII, no XML specials.
UPN_LOCAL_PATTERN = re.compile(r"^[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*$")
UPN_LOCAL_MAX = 64  # RFC 5321's limit for the local part of a mail address, which Cortex applies
# sAMAccountName may not contain these; it may not end with a dot either.
LOGIN_FORBIDDEN = set('"/\\[]:;|=,+*?<>@ ')
# Password tokens are split on these separators (the Active Directory "display name" rule).
TOKEN_SEPARATORS = re.compile(r"[@.,\-_#\s]+")
# Characters XML 1.0 cannot carry, other control characters no name should hold, and the bidirectional controls
# (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C) with which a name can be shown as another one.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FRENCH_POSTCODE = re.compile(r"^[0-9]{5}$")
FIVE_DIGIT_COUNTRIES = ("france", "monaco", "guadeloupe", "martinique", "french guiana", "reunion", "réunion",
                        "mayotte", "saint pierre and miquelon", "germany", "italy", "spain")

MAX_LOGIN_LENGTH = 20
MAX_PASSWORD_LENGTH = 256
MIN_PASSWORD_LENGTH = 8  # the platform's rule (the partner guide): a tenant may ask more, not less
DEFAULT_MIN_PASSWORD_LENGTH = 8
FULL_NAME_MAX = 60
NAME_MAX = {"first_name": 64, "last_name": 64, "display_name": 256, "contact_name": 128, "address": 256,
            "city": 128}


def _ascii_label(label):
    if _idna is not None:
        try:
            return _idna.encode(label, uts46=True).decode("ascii")
        except _idna.IDNAError as exc:
            raise UnicodeError(str(exc))
    return label.encode("idna").decode("ascii")  # pragma: no cover


def normalize_domain(name):
    """Return a domain name in the form the server stores (see :func:`_normalize_domain`); raises ValueError."""
    if not isinstance(name, str):
        raise ValueError("not a text")
    return _normalize_domain(name)


@lru_cache(maxsize=4096)  # a pure function of a text, called for every user of every plan
def _normalize_domain(name):
    """Return a domain name in the form the server stores: lower case, no trailing dot, IDN as punycode
    (IDNA 2008: names only IDNA 2003 allowed, such as emoji, are refused).

    Raises ValueError when the name cannot be encoded (empty label, label too long...).
    """
    if not isinstance(name, str):
        raise ValueError("not a text")
    name = name.strip().rstrip(".")
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
                labels.append(_ascii_label(label).lower())
            except UnicodeError as exc:
                raise ValueError("label '%s' is not a valid internationalised name (%s)" % (label, exc))
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
    if not isinstance(upn, str) or upn.count("@") != 1:
        raise ValueError("'%s' is not a UPN of the form name@domain" % (upn,))
    local, domain = upn.split("@")
    if not local or any(c.isspace() for c in local):
        raise ValueError("'%s' has an empty or blank name part" % upn)
    return local, normalize_domain(domain)


def normalize_upn(upn):
    """UPN with its domain normalized (punycode, lower case); the local part keeps its case."""
    local, domain = split_upn(upn)
    return "%s@%s" % (local, domain)


def domain_key(name):
    """A domain name as compared: punycode, lower case (Cortex may list an IDN in either form)."""
    try:
        return normalize_domain(name)
    except (ValueError, UnicodeError):
        return str(name or "").casefold()


def upn_key(upn):
    """A UPN as compared: its domain in punycode, all of it case-folded (Cortex may list either form)."""
    return _upn_key(upn) if isinstance(upn, str) or upn is None else str(upn).casefold()


@lru_cache(maxsize=65536)
def _upn_key(upn):
    """A UPN as compared: its domain in punycode, all of it case-folded (Cortex may list either form)."""
    try:
        return normalize_upn(upn or "").casefold()
    except ValueError:
        return (upn or "").casefold()


def other_client_by_name(tenant, asked_domains, held_domains):
    """A tenant found by full name only (no code given) that holds none of the domains asked for is another client of
    the same name: the problem to refuse it with (its contact and primary domain must not be replaced), or None when
    it may be the same client. ``tenant`` has ``name`` and ``code``; the domains in any form."""
    asked = set(domain_key(d) for d in asked_domains if d)
    held = set(domain_key(d) for d in held_domains if d)
    if not asked or not held or asked & held:
        return None
    return ("a tenant named '%s' exists (code %s) and holds none of the domains asked for (it holds %s): to manage "
            "that tenant give code: %s; for a new client, give it a name of its own"
            % (tenant.get("name"), tenant.get("code"), ", ".join(sorted(held)), tenant.get("code")))


def upn_problems(upn, tenant_domains=None):
    """Problems of a UPN; with ``tenant_domains`` (normalized names), also that its domain is one of them."""
    try:
        local, domain = split_upn(upn)
    except ValueError as exc:
        return [str(exc)]
    if not UPN_LOCAL_PATTERN.match(local):
        plain = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode("ascii")
        hint = " (for example '%s@%s')" % (plain, domain) if plain and plain != local and UPN_LOCAL_PATTERN.match(plain) \
            else ""
        return ["'%s': the part before @ is also the mail address and may hold only ASCII letters, digits and . _ - +, "
                "with no leading, trailing or double dot%s" % (upn, hint)]
    if len(local) > UPN_LOCAL_MAX:
        return ["'%s': the part before @ is %d characters long, at most %d (the rule of mail addresses)"
                % (upn, len(local), UPN_LOCAL_MAX)]
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


def short_login(login, tenant_code):
    """The login without its ``_CODE`` suffix."""
    suffix = "_" + tenant_code
    return login[:-len(suffix)] if login.lower().endswith(suffix.lower()) else login


def login_problems(login, tenant_code=None):
    if not isinstance(login, str) or not login:
        return ["the login is empty"]
    bad = sorted(set(c for c in login if c in LOGIN_FORBIDDEN or CONTROL.match(c)))
    if bad:
        return ["login '%s' contains characters not allowed in a Windows logon name: %s"
                % (login, " ".join(repr(c) for c in bad))]
    if not login.isascii():
        return ["login '%s' holds non-ASCII characters (accents): Windows logon names here are plain ASCII" % login]
    if login.startswith("-") or login.startswith("."):
        return ["login '%s' may not start with '%s'" % (login, login[0])]
    if login.endswith("."):
        return ["login '%s' may not end with a dot" % login]
    if tenant_code:
        full = stored_login(login, tenant_code)
        if len(full) > MAX_LOGIN_LENGTH:
            return ["login '%s' would be stored as '%s', %d characters; the limit is %d"
                    % (login, full, len(full), MAX_LOGIN_LENGTH)]
    return []


def kind_of(value):
    """What a value is, in the words of a description - never a Python or Ansible type name (a YAML number may be an
    internal subclass of int)."""
    for types, word in ((bool, "a boolean"), ((int, float), "a number"), (str, "text"), (dict, "a mapping"),
                        ((list, tuple), "a list")):
        if isinstance(value, types):
            return word
    return "null" if value is None else "a value of another kind"


def text_problems(name, value, max_length=None):
    """A text field: a string, without control characters, within its length."""
    if value is None:
        return []
    if not isinstance(value, str):
        return ["%s must be text, not %s" % (name, kind_of(value))]
    if CONTROL.search(value):
        return ["%s holds a control or bidirectional-override character (line break, tab, U+202E...)" % name]
    if max_length and len(value) > max_length:
        return ["%s is longer than %d characters" % (name, max_length)]
    return []


def password_tokens(text):
    """Tokens of 3 or more characters that a password may not contain (from a UPN or a display name)."""
    return [t for t in TOKEN_SEPARATORS.split(text or "") if len(t) >= 3]


def password_problems(password, login=None, upn=None, display_name=None, min_length=None):
    """Problems of a password under the Cortex rule; never includes the password itself in a message."""
    if not isinstance(password, str):
        return ["the password must be text, not %s (quote it)" % kind_of(password)]
    if min_length is None:
        min_length = DEFAULT_MIN_PASSWORD_LENGTH
    problems = []
    if CONTROL.search(password):
        problems.append("the password holds a control character (line break, tab...)")
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
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        return ["code '%s' must be 1 to 20 letters or digits" % (code,)]
    return []


def full_name_problems(name):
    if not isinstance(name, str) or not name or len(name) > FULL_NAME_MAX:
        return ["full name '%s' must be 1 to %d characters" % (name, FULL_NAME_MAX)]
    bad = sorted(set(c for c in name if not (c.isalpha() or c.isnumeric() or c in " .-")))
    if bad:
        return ["full name '%s' may only hold letters, digits, spaces, dots and hyphens (not %s)"
                % (name, " ".join(repr(c) for c in bad))]
    return []


def email_problems(email):
    if not isinstance(email, str) or not EMAIL_PATTERN.match(email) or CONTROL.search(email):
        return ["'%s' is not a valid e-mail address" % (email,)]
    return []


def zip_code_problems(zip_code, country=None, pattern=None):
    """A postal code is text (YAML reads an unquoted 01000 as the number 512); five digits in France; and it matches
    the deployment's ZipCode rule when the catalogue has one (``pattern``, a compiled regex)."""
    if zip_code is None:
        return []
    if not isinstance(zip_code, str):
        return ["zip_code must be text: quote it (\"01000\"); YAML reads an unquoted 01000 as the number 512 and "
                "01000 and 1000 as 1000 (got %s)" % kind_of(zip_code)]
    problems = text_problems("zip_code", zip_code, 16)
    if not problems and isinstance(country, str) and country.casefold() in FIVE_DIGIT_COUNTRIES \
            and not FRENCH_POSTCODE.match(zip_code):
        problems.append("zip_code '%s' is not a postal code of %s (five digits)" % (zip_code, country))
    if not problems and pattern is not None and not pattern.match(zip_code):
        problems.append("zip_code '%s' does not match the rule of this Cortex (%s)" % (zip_code, pattern.pattern))
    return problems


def min_password_length_problems(value):
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int):
        return ["min_password_length must be a whole number"]
    if not MIN_PASSWORD_LENGTH <= value <= MAX_PASSWORD_LENGTH:
        return ["min_password_length must be between %d (the platform's rule) and %d (the longest password)"
                % (MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH)]
    return []


def roles_problems(roles, what="roles"):
    if roles is None:
        return []
    if not isinstance(roles, (list, tuple)) or not all(isinstance(r, str) for r in roles):
        return ["%s must be a list of role names" % what]
    if not all(r.strip() for r in roles):
        return ["%s holds an empty name" % what]
    return []


def user_problems(user):
    """Problems of one user description on its own (a dict of cortex_user options): the checks the modules and the
    role's preflight share."""
    problems = upn_problems(user.get("upn"))
    if user.get("login") is not None:
        problems += login_problems(user["login"])
    for name, value in sorted(user.items()):  # every other text (names, phone...): no control character, a length
        if name not in ("upn", "login", "password", "update_password", "state", "plan") and isinstance(value, str):
            problems += text_problems(name, value, NAME_MAX.get(name, 256))
    for name in ("first_name", "last_name", "display_name"):
        if user.get(name) is not None and not isinstance(user[name], str):
            problems += text_problems(name, user[name])
    if user.get("password") is not None and not isinstance(user["password"], str):
        problems.append("password must be text, not %s (quote it)" % kind_of(user["password"]))
    elif user.get("password") is not None and CONTROL.search(user["password"]):
        problems.append("the password holds a control character (line break, tab...)")
    problems += roles_problems(user.get("roles"))
    return problems


def user_tenant_problems(changes, tenant):
    """Problems of a user's changes that depend on its tenant (a tenant dict as cortex_tenant returns it)."""
    problems = []
    if changes.get("password_never_expires") and not tenant.get("password_never_expires"):
        problems.append("password_never_expires needs the tenant to allow never-expiring passwords "
                        "(cortex_tenant password_never_expires: true)")
    if changes.get("roles") and tenant.get("roles") is not None:  # (None: not known - a new tenant, no catalogue)
        allowed = set(r.casefold() for r in tenant.get("roles") or [])
        refused = [r for r in changes["roles"] if r.casefold() not in allowed]
        if refused:
            problems.append("roles not allowed on tenant '%s': %s (allowed: %s)"
                            % (tenant.get("code"), ", ".join(refused), ", ".join(tenant.get("roles") or [])))
    return problems


def tenant_problems(tenant):
    """Problems of one tenant description on its own (a dict of cortex_tenant options)."""
    problems = []
    if tenant.get("code") is not None:
        problems += code_problems(tenant["code"])
    if tenant.get("name") is not None:
        problems += full_name_problems(tenant["name"])
    if tenant.get("contact_email") is not None:
        problems += email_problems(tenant["contact_email"])
    for name in ("contact_name", "address", "city", "country"):
        problems += text_problems(name, tenant.get(name), NAME_MAX.get(name, 128))
    problems += zip_code_problems(tenant.get("zip_code"), tenant.get("country"))
    if tenant.get("primary_domain") is not None:
        problems += domain_problems(tenant["primary_domain"])
    for domain in tenant.get("domains") or []:
        problems += domain_problems(domain)
    problems += min_password_length_problems(tenant.get("min_password_length"))
    problems += roles_problems(tenant.get("roles"))
    return problems


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
