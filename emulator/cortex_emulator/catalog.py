"""The plan, role, country and property catalogue the emulator loads at start.

The defaults ship as package data (``data/*.yml``); ``--catalog FILE`` replaces any top-level section it gives.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml


class CatalogError(ValueError):
    """The catalogue file is unusable; the message says why."""


@dataclass(frozen=True)
class Plan:
    name: str
    fullname: str
    versions: tuple[str, ...]
    userlimit: int | None = None


@dataclass
class Catalog:
    versions: tuple[str, ...]
    customer_plans: dict[str, Plan]  # keyed by lower-case name
    user_plans: dict[str, Plan]
    roles: dict[str, tuple[str, str]]  # lower-case name -> (name, GUID), in catalogue order
    role_by_id: dict[str, str]  # lower-case GUID -> name
    reseller_roles: tuple[str, ...]  # what a partner's reseller customer may give its customers
    first_user_roles: tuple[str, ...]  # of a customer's first user created without <roles>
    api_role: str
    countries: dict[str, str]  # folded name -> name as listed
    customer_properties: list[dict] = field(default_factory=list)
    user_properties: list[dict] = field(default_factory=list)
    country_options: list[str] = field(default_factory=list)
    property_meta: dict[str, dict[str, dict]] = field(default_factory=dict)  # kind -> lower-case name -> metadata
    mandatory_properties: list[str] = field(default_factory=list)  # of a customer create

    def __post_init__(self):
        self.property_meta = {
            "customer": {p["name"].lower(): p for p in self.customer_properties},
            "user": {p["name"].lower(): p for p in self.user_properties},
        }
        # stored properties a customer create must carry (those kept in fields are checked as fields)
        self.mandatory_properties = [p["name"] for p in self.customer_properties
                                     if p.get("mandatory") and not p.get("field") and not p.get("derived")]

    @staticmethod
    def role_order(names) -> list[str]:
        """Role names in the order Cortex lists them: alphabetically, case-insensitively (as recorded)."""
        return sorted(names, key=lambda n: (n.casefold(), n))

    def country(self, value: str) -> str | None:
        return self.countries.get(fold(value))


def fold(text: str) -> str:
    """Case- and accent-insensitive key, so 'allemagne' matches 'Allemagne' and 'Cote d'Ivoire' 'Côte d'Ivoire'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("’", "'")


def _load_default(name: str) -> dict:
    text = resources.files("cortex_emulator").joinpath("data", name).read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


def _plans(items, what: str, versions) -> dict[str, Plan]:
    if not isinstance(items, list) or not items:
        raise CatalogError(f"{what} must be a non-empty list")
    plans: dict[str, Plan] = {}
    for item in items:
        if not isinstance(item, dict) or not item.get("name"):
            raise CatalogError(f"every entry of {what} needs a name")
        name = str(item["name"])
        plan_versions = tuple(str(v) for v in item.get("versions") or versions)
        unknown = [v for v in plan_versions if v not in versions]
        if unknown:
            raise CatalogError(f"{what} {name}: unknown version(s) {', '.join(unknown)}")
        limit = item.get("userlimit")
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise CatalogError(f"{what} {name}: userlimit must be a non-negative integer")
        if name.lower() in plans:
            raise CatalogError(f"{what}: {name} listed twice")
        plans[name.lower()] = Plan(name, str(item.get("fullname") or name), plan_versions, limit)
    return plans


def load_catalog(path: str | Path | None = None) -> Catalog:
    data = _load_default("catalog.yml")
    countries = _load_default("countries.yml")
    properties = _load_default("properties.yml")
    if path is not None:
        try:
            override = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise CatalogError(f"cannot read catalogue {path}: {exc}") from exc
        if not isinstance(override, dict):
            raise CatalogError(f"catalogue {path} must be a mapping")
        if "countries" in override:
            countries = override.pop("countries")
            if isinstance(countries, list):
                countries = {"english": countries}
        if "properties" in override:
            properties = override.pop("properties")
        data.update(override)

    versions = tuple(str(v) for v in data.get("versions") or ())
    if not versions:
        raise CatalogError("versions must be a non-empty list")

    roles: dict[str, tuple[str, str]] = {}
    role_by_id: dict[str, str] = {}
    for item in data.get("roles") or ():
        if not isinstance(item, dict) or not item.get("name") or not item.get("id"):
            raise CatalogError("every role needs a name and an id")
        name, guid = str(item["name"]), str(item["id"])
        if not guid.startswith("{"):
            guid = "{" + guid + "}"
        roles[name.lower()] = (name, guid)
        role_by_id[guid.lower()] = name
    if not roles:
        raise CatalogError("roles must be a non-empty list")

    def known_role(name) -> str:
        entry = roles.get(str(name).lower())
        if entry is None:
            raise CatalogError(f"role {name} is not in the role catalogue")
        return entry[0]

    # `default_allowed_roles` and `first_user_role` are the names of earlier versions of these sections
    listed = data.get("reseller_roles") or data.get("default_allowed_roles")
    reseller_roles = tuple(known_role(n) for n in listed) if listed else tuple(name for name, _ in roles.values())
    first = data.get("first_user_roles") or data.get("first_user_role") or ["Customer Administrator"]
    first_user_roles = tuple(known_role(n) for n in ([first] if isinstance(first, str) else first))
    api_role = known_role(data.get("api_role") or "API User")
    for item in list(properties.get("customer") or ()) + list(properties.get("user") or ()):
        if not isinstance(item, dict) or not item.get("name"):
            raise CatalogError("every property needs a name")

    country_map: dict[str, str] = {}
    options: list[str] = []
    for group in ("english", "french"):
        for name in countries.get(group) or ():
            name = str(name)
            country_map.setdefault(fold(name), name)
            if group == "english":
                options.append(name)
    if not country_map:
        raise CatalogError("the country list is empty")

    return Catalog(
        versions=versions,
        customer_plans=_plans(data.get("customer_plans"), "customer_plans", versions),
        user_plans=_plans(data.get("user_plans"), "user_plans", versions),
        roles=roles,
        role_by_id=role_by_id,
        reseller_roles=reseller_roles,
        first_user_roles=first_user_roles,
        api_role=api_role,
        countries=country_map,
        customer_properties=list(properties.get("customer") or ()),
        user_properties=list(properties.get("user") or ()),
        country_options=options,
    )
