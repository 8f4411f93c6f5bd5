"""Validation rules of docs/protocol.md that do not need the database."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata

from .exceptions import PASSWORD_COMPLEXITY, PASSWORD_CONTAINS_NAME, PASSWORD_TOO_LONG, PASSWORD_TOO_SHORT

CODE_RE = re.compile(r"^[A-Za-z0-9]{1,20}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Logins (sAMAccountName) are kept to ASCII letters, digits, dot, hyphen and underscore.
LOGIN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
UPN_LOCAL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")
_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TOKEN_SPLIT = re.compile(r"[@.,\-_# \t]+")

LOGIN_MAX = 20  # sAMAccountName limit, applies to login_CODE
PASSWORD_MAX = 256
PBKDF2_ITERATIONS = 2000  # an emulator: enough not to store clear text, cheap enough for bulk creates


def valid_fullname(name: str) -> bool:
    """``^[\\p{L}\\p{N} .-]{1,60}$`` of the console's FullName property."""
    if not 1 <= len(name) <= 60:
        return False
    for ch in name:
        if ch in " .-":
            continue
        category = unicodedata.category(ch)
        if category[0] not in "LN":
            return False
    return True


def generate_code(fullname: str, taken) -> str:
    """Upper-case first letter of each word holding a letter (accents stripped), digit-only words dropped,
    at most 20 characters, 'C' if nothing is left; on collision append 2, 3, ... (``taken(code)`` says)."""
    letters = []
    for word in fullname.split():
        for ch in word:
            if not ch.isalpha():
                continue
            ascii_form = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            if ascii_form and ascii_form[0].isalpha():
                letters.append(ascii_form[0].upper())
                break
    base = "".join(letters)[:20] or "C"
    if not taken(base):
        return base
    n = 2
    while True:
        suffix = str(n)
        candidate = base[: 20 - len(suffix)] + suffix
        if not taken(candidate):
            return candidate
        n += 1


def domain_problem(name: str) -> str | None:
    """Why ``name`` is not an ASCII LDH host name with at least two labels (None if it is)."""
    if not name:
        return "is empty"
    if not name.isascii():
        return "is not ASCII (convert internationalised names to punycode, xn--…)"
    if len(name) > 253:
        return "is longer than 253 characters"
    labels = name.lower().split(".")
    if len(labels) < 2:
        return "needs at least two labels"
    for label in labels:
        if not _LABEL_RE.match(label):
            return f"has an invalid label '{label}'"
    if labels[-1].isdigit():
        return "has a numeric top-level label"
    return None


def password_problems(password: str, *, minimum: int, login: str, upn: str, fullname: str) -> list[tuple[str, str]]:
    """The password rule of docs/protocol.md §6, as (error id, reason) pairs."""
    problems = []
    if len(password) < minimum:
        problems.append((PASSWORD_TOO_SHORT, f"password is shorter than {minimum} characters"))
    if len(password) > PASSWORD_MAX:
        problems.append((PASSWORD_TOO_LONG, f"password is longer than {PASSWORD_MAX} characters"))
    lowered = password.casefold()
    names = []
    if len(login) >= 3:
        names.append(login)
    for source in (upn, fullname):
        names.extend(t for t in _TOKEN_SPLIT.split(source or "") if len(t) >= 3)
    for token in names:
        if token.casefold() in lowered:
            problems.append((PASSWORD_CONTAINS_NAME, "password contains the login, or part of the UPN or display name"))
            break
    classes = sum(
        (
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        problems.append(
            (PASSWORD_COMPLEXITY, "password needs 3 of: upper case, lower case, digit, other character")
        )
    return problems


def hash_password(password: str) -> str:
    salt = os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)
    return f"pbkdf2${PBKDF2_ITERATIONS}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        _, iterations, salt, digest = stored.split("$")
        computed = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)


def parse_bool(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    return None


def mailbox_guid(user_id: int) -> str:
    """A stable mailbox GUID, in the recorded form ``{32 upper-case hex digits}``."""
    import uuid

    return "{" + uuid.uuid5(uuid.NAMESPACE_URL, f"cortex-emulator:mailbox:{user_id}").hex.upper() + "}"


def legacy_dn(login: str) -> str:
    """The legacyExchangeDN of a mailbox."""
    return f"/o=Cortex/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={login}"
