"""Partner accounts and the reseller customer each belongs to: where they come from, never from a log line.

A partner (reseller) account logs in with Basic credentials and acts for its **reseller customer**: a customer of
the service provider with a code, a full name and a primary domain, under which the partner's customers are created
(docs/emulator.md, "Partners"). Accounts come, in this order, from ``--partner USER:PASSWORD`` and ``--partners-file
FILE`` options (in the order given) and from the environment variable ``CORTEX_EMULATOR_PARTNERS``; with none of
them, the demo partner. Passwords are kept here and in the app's hashes only: nothing prints or logs them.

A partners file (YAML)::

    provider: {code: CFY, name: CloudForYou, domain: cloudforyou.local}   # optional: the resellers' parent
    partners:
      - login: demo-partner
        password: DemoPartner2026
        reseller: {code: DEMO, name: Demo Partner, domain: demo-partner.example}   # optional: derived from login

``CORTEX_EMULATOR_PARTNERS`` holds the same YAML document, or ``USER:PASSWORD`` lines.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "CORTEX_EMULATOR_PARTNERS"
_CODE_RE = re.compile(r"^[A-Za-z0-9]{1,20}$")
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")


class PartnerError(ValueError):
    """The partner configuration is unusable; the message says why (and never holds a password)."""


@dataclass(frozen=True)
class Company:
    """A customer the emulator makes itself: the service provider, or a partner's reseller customer."""

    code: str
    fullname: str
    domain: str


@dataclass(frozen=True)
class Partner:
    login: str
    password: str
    reseller: Company

    def __repr__(self) -> str:  # never the password, whatever prints it
        return f"Partner(login={self.login!r}, reseller={self.reseller!r})"


PROVIDER = Company("CFY", "CloudForYou", "cloudforyou.local")
DEMO_LOGIN, DEMO_PASSWORD = "demo-partner", "DemoPartner2026"
DEMO = Partner(DEMO_LOGIN, DEMO_PASSWORD, Company("DEMO", "Demo Partner", "demo-partner.example"))


def derived_reseller(login: str) -> Company:
    """The reseller of a partner given without one: code, full name and domain made from its login."""
    if login == DEMO_LOGIN:
        return DEMO.reseller
    words = [w for w in re.split(r"[^A-Za-z0-9]+", login) if w]
    code = "".join(words).upper()[:20] or "RESELLER"
    fullname = " ".join(w[:1].upper() + w[1:] for w in words)[:60] or "Reseller"
    domain = "-".join(w.lower() for w in words)[:63] or "reseller"
    return Company(code, fullname, f"{domain}.example")


def _company(data, what: str, default: Company | None) -> Company:
    if data is None and default is not None:
        return default
    if not isinstance(data, dict):
        raise PartnerError(f"{what} must be a mapping with code, name and domain")
    base = default or Company("", "", "")
    code = str(data.get("code") or base.code)
    fullname = str(data.get("name") or data.get("fullname") or base.fullname)
    domain = str(data.get("domain") or base.domain).lower().rstrip(".")
    if not _CODE_RE.match(code):
        raise PartnerError(f"{what}: code must be 1-20 letters or digits")
    if not fullname or len(fullname) > 60:
        raise PartnerError(f"{what}: name must be 1-60 characters")
    if not _DOMAIN_RE.match(domain):
        raise PartnerError(f"{what}: domain '{domain}' is not a domain name")
    return Company(code, fullname, domain)


def inline(value: str) -> Partner:
    """``USER:PASSWORD`` (the password may hold colons)."""
    user, colon, password = value.partition(":")
    if not colon or not user or not password:
        raise PartnerError("expected USER:PASSWORD")
    return Partner(user, password, derived_reseller(user))


def _document(data, where: str) -> tuple[list[Partner], Company | None]:
    provider = None
    if isinstance(data, dict):
        if "provider" in data:
            provider = _company(data["provider"], f"{where}: provider", PROVIDER)
        items = data.get("partners")
    else:
        items = data
    if not isinstance(items, list) or not items:
        raise PartnerError(f"{where}: expected a list of partners (login, password, reseller)")
    found = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or not item.get("login") or not item.get("password"):
            raise PartnerError(f"{where}: partner {i} needs a login and a password")
        login = str(item["login"])
        if ":" in login:
            raise PartnerError(f"{where}: partner {i}: a login cannot hold ':'")
        found.append(Partner(login, str(item["password"]),
                             _company(item.get("reseller"), f"{where}: reseller of {login}", derived_reseller(login))))
    return found, provider


def load_file(path: str | os.PathLike) -> tuple[list[Partner], Company | None, str | None]:
    """(partners, provider or None, a warning or None) of a partners file."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except OSError as exc:
        raise PartnerError(f"cannot read the partners file {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise PartnerError(f"the partners file {path} is not YAML") from None  # the error could quote a password
    partners, provider = _document(data, f"partners file {path}")
    warning = None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        warning = f"the partners file {path} holds passwords and is readable by others (chmod 600 it)"
    return partners, provider, warning


def from_env(text: str) -> tuple[list[Partner], Company | None]:
    """The value of ``CORTEX_EMULATOR_PARTNERS``: a partners document, or ``USER:PASSWORD`` lines."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    if isinstance(data, (dict, list)):
        return _document(data, ENV_VAR)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    try:
        return [inline(line) for line in lines], None
    except PartnerError as exc:
        raise PartnerError(f"{ENV_VAR}: {exc}") from None


@dataclass
class Config:
    partners: list[Partner]
    provider: Company
    warnings: list[str]

    @property
    def first(self) -> Partner:
        return self.partners[0]


def resolve(sources: list[tuple[str, str]] | None, environ=None) -> Config:
    """The partners of ``sources`` (``("partner", "USER:PASSWORD")`` / ``("file", PATH)``, in order), then of the
    environment; the demo partner when there are none. Logins, reseller codes and domains must differ."""
    environ = os.environ if environ is None else environ
    partners: list[Partner] = []
    provider = None
    warnings: list[str] = []
    for kind, value in sources or ():
        if kind == "partner":
            partners.append(inline(value))
        else:
            found, given, warning = load_file(value)
            partners += found
            provider = given or provider
            if warning:
                warnings.append(warning)
    if environ.get(ENV_VAR, "").strip():
        found, given = from_env(environ[ENV_VAR])
        partners += found
        provider = given or provider
    if not partners:
        partners = [DEMO]
    provider = provider or PROVIDER
    seen: dict[tuple[str, str], str] = {}
    for p in partners:
        for key, what in ((p.login.casefold(), "login"), (p.reseller.code.casefold(), "reseller code"),
                          (p.reseller.domain, "reseller domain")):
            if (what, key) in seen:
                raise PartnerError(f"two partners have the same {what} ({p.login} and {seen[(what, key)]})")
            seen[(what, key)] = p.login
    if provider.code.casefold() in {p.reseller.code.casefold() for p in partners}:
        raise PartnerError(f"a reseller has the provider's code {provider.code}")
    if provider.domain in {p.reseller.domain for p in partners}:
        raise PartnerError(f"a reseller has the provider's domain {provider.domain}")
    return Config(partners, provider, warnings)
