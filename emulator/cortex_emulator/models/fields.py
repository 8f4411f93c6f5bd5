"""Checks of the field kinds that customers and users share: flags, roles, extended properties, domains."""

from __future__ import annotations

import re

from .. import rules
from ..catalog import Catalog
from ..exceptions import IMMUTABLE_FIELD, INVALID_DOMAIN, INVALID_FIELD, ROLE_NOT_ALLOWED, UNKNOWN_ROLE, Problems
from ..parsing import PasswordSet, RoleRef

MAX_CHECKED_VALUE = 1024  # property values longer than this are refused before any pattern sees them
_POLICY_FIELDS = ("minimumlength", "bannerdisplaydays", "allowneverexpires")
_BOOL_FIELDS = ("allowneverexpires", "enabled", "neverexpires")


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


def _same(field: str, a, b) -> bool:
    if field in _BOOL_FIELDS:
        return rules.parse_bool(str(a)) == rules.parse_bool(str(b))
    if field in ("minimumlength", "bannerdisplaydays"):
        return str(a).strip() == str(b).strip() or (str(a).strip().isdigit() and str(b).strip().isdigit()
                                                    and int(a) == int(b))
    return str(a) == str(b)


def field_properties(catalog: Catalog, spec, kind: str, problems: Problems, label: str, current=None) -> None:
    """Move the properties that are fields of the object (``field:`` in properties.yml) to the spec's fields, and
    refuse those the server computes (``derived:``) unless they repeat ``current()[name]`` (``current``: a function
    giving the object's property values, None on create). The element and the property may both be sent when they
    agree. ``spec.properties`` keeps the stored ones only."""
    if not spec.properties:
        return
    current = current() if current is not None else None
    meta = catalog.property_meta[kind]
    kept = []
    for name, value in spec.properties:
        m = meta.get(name.lower())
        if m is None or not (m.get("field") or m.get("derived")):
            kept.append((name, value))
            continue
        if m.get("derived"):
            if current is None or current.get(m["name"].lower()) != value:
                problems.add(INVALID_FIELD, f"{label}: property {m['name']} is set by the server.")
            continue
        field = m["field"]
        if field == "code":
            given = spec.code
            if current is not None and not _same(field, value, current.get(m["name"].lower(), "")):
                problems.add(IMMUTABLE_FIELD, f"{label}: the customer code cannot change.")
                continue
        elif field in _POLICY_FIELDS:
            given = (spec.password_policy or {}).get(field)
        elif field == "neverexpires":
            given = spec.password.flags.get(field) if spec.password is not None else None
        else:
            given = getattr(spec, field)
        if given is not None:
            if not _same(field, given, value):
                problems.add(INVALID_FIELD, f"{label}: property {m['name']} ('{value}') disagrees with <{field}>.")
            continue
        if field == "code":
            spec.code = value
        elif field in _POLICY_FIELDS:
            spec.password_policy = dict(spec.password_policy or {}, **{field: value})
        elif field == "neverexpires":
            if spec.password is None:
                spec.password = PasswordSet(None)
            spec.password.flags[field] = value
        else:
            setattr(spec, field, value)
    spec.properties = kept


def properties(catalog: Catalog, pairs: list[tuple[str, str]] | None, current: dict, problems: Problems,
               label: str, kind: str) -> dict:
    """``current`` with the properties sent merged in by name (the stored spelling of a name is kept)."""
    merged = dict(current)
    if pairs is None:
        return merged
    by_lower = {k.lower(): k for k in merged}
    meta = catalog.property_meta[kind]
    for name, value in pairs:
        if len(value) > MAX_CHECKED_VALUE:
            problems.add(INVALID_FIELD, f"{label}: the value of property {name} is longer than "
                                        f"{MAX_CHECKED_VALUE} characters.")
            continue
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
    options = validation.get("options")
    if options == "countries":
        canonical = catalog.country(value)
        return (canonical, None) if canonical else (value, f"{message} ('{value}' is not a known country).")
    if meta.get("check") == "email":
        return (value, None) if rules.EMAIL_RE.match(value) else (value, f"{message} ('{value}' for {meta['name']}).")
    kind = validation.get("type")
    if kind == "Boolean":
        return (value, None) if rules.parse_bool(value) is not None else (
            value, f"{validation.get('errormessage') or 'A True or False value must be specified'} "
                   f"('{value}' for {meta['name']}).")
    if kind == "RegularExpression" and validation.get("value"):
        pattern = _pattern(validation["value"])
        if pattern is not None and not pattern.match(value):
            return value, f"{message} ('{value}' for {meta['name']})."
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



_PATTERNS: dict[str, re.Pattern | None] = {}


def _pattern(source: str) -> re.Pattern | None:
    """A validation's regular expression compiled for Python's ``re``, or None when ``re`` cannot read it (.NET's
    ``\\p{..}`` classes): it is not enforced then (the fields it describes, like FullName, have their own rule)."""
    if source not in _PATTERNS:
        try:
            _PATTERNS[source] = None if r"\p{" in source else re.compile(source)
        except re.error:
            _PATTERNS[source] = None
    return _PATTERNS[source]
