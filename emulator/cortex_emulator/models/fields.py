"""Checks of the field kinds that customers and users share: flags, roles, extended properties, domains."""

from __future__ import annotations

import re

from .. import rules
from ..catalog import Catalog
from ..exceptions import INVALID_DOMAIN, INVALID_FIELD, ROLE_NOT_ALLOWED, UNKNOWN_ROLE, Problems
from ..parsing import RoleRef


def flag(value: str | None, problems: Problems, label: str, what: str, default=None):
    """A True/False value; ``default`` when absent or invalid (the problem is noted)."""
    if value is None:
        return default
    parsed = rules.parse_bool(value)
    if parsed is None:
        problems.add(INVALID_FIELD, f"{label}: {what} must be True or False.")
        return default
    return parsed


def roles(catalog: Catalog, refs: list[RoleRef] | None, problems: Problems, label: str,
          allowed: list[str] | None = None) -> list[str] | None:
    """Role names (as the catalogue spells them) from role references; None when <roles> is absent."""
    if refs is None:
        return None
    names: list[str] = []
    allowed_keys = {n.lower() for n in allowed} if allowed is not None else None
    for ref in refs:
        if ref.name is not None:
            value = ref.name
            entry = catalog.roles.get(value.lower())
            name = entry[0] if entry else None
        else:
            value = ref.guid
            guid = ref.guid.strip().lower()
            name = catalog.role_by_id.get(guid if guid.startswith("{") else "{" + guid + "}")
        if name is None:
            problems.add(UNKNOWN_ROLE, f"{label}: role '{value}' does not exist.")
        elif allowed_keys is not None and name.lower() not in allowed_keys:
            problems.add(ROLE_NOT_ALLOWED, f"{label}: role '{name}' is not among the customer's allowed roles.")
        elif name not in names:
            names.append(name)
    return names


def properties(catalog: Catalog, pairs: list[tuple[str, str]] | None, current: dict, problems: Problems,
               label: str, kind: str) -> dict:
    """``current`` with the properties sent merged in by name (the stored spelling of a name is kept)."""
    merged = dict(current)
    if pairs is None:
        return merged
    by_lower = {k.lower(): k for k in merged}
    meta = catalog.property_meta[kind]
    for name, value in pairs:
        m = meta.get(name.lower())
        if m is not None:
            name = m["name"]
            # An invalid value is still merged (so it is not also reported missing); problems abort the write.
            if value:
                value, problem = _check_property(catalog, m, value)
                if problem:
                    problems.add(INVALID_FIELD, f"{label}: {problem}")
            elif m.get("mandatory") and name.lower() in by_lower:
                problems.add(INVALID_FIELD, f"{label}: property {name} cannot be empty.")
                continue
        merged[by_lower.get(name.lower(), name)] = value
    return merged


def _check_property(catalog: Catalog, meta: dict, value: str) -> tuple[str, str | None]:
    """(value as stored, problem or None), by the property's validation metadata."""
    validation = meta.get("validation") or {}
    message = validation.get("errormessage") or f"invalid value for {meta['name']}"
    if meta["name"] == "Country":
        canonical = catalog.country(value)
        return (canonical, None) if canonical else (value, f"{message} ('{value}' is not a known country).")
    if validation.get("type") == "RegularExpression" and validation.get("value"):
        if not re.match(validation["value"], value):
            return value, f"{message} ('{value}' for {meta['name']})."
    options = validation.get("options")
    if isinstance(options, list) and options:
        values = {str(o["value"]).lower(): str(o["value"]) for o in options}
        names = {str(o["name"]).lower(): str(o["value"]) for o in options}
        found = values.get(value.lower()) or names.get(value.lower())
        return (found, None) if found else (value, f"{message} ('{value}' for {meta['name']}).")
    return value, None


def domains(names: list[str] | None, problems: Problems, label: str) -> list[str] | None:
    """Valid lower-case domain names, without repeats; None when <domains> is absent."""
    if names is None:
        return None
    seen: dict[str, str] = {}
    for name in names:
        problem = rules.domain_problem(name)
        if problem:
            problems.add(INVALID_DOMAIN, f"{label}: domain '{name}' {problem}.")
            continue
        seen.setdefault(name.lower(), name.lower())
    return list(seen.values())


def domain_problem(name: str, problems: Problems, label: str) -> bool:
    """Note an invalid domain; True when it is valid."""
    problem = rules.domain_problem(name)
    if problem:
        problems.add(INVALID_DOMAIN, f"{label}: domain '{name}' {problem}.")
        return False
    return True
