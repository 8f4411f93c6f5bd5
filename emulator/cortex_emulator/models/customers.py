"""Customers (tenants): lookups in the caller's scope, and the create / modify / delete rules of docs/protocol.md."""

from __future__ import annotations

import json

from .. import rules
from ..exceptions import (
    DOMAIN_IN_USE, DUPLICATE, FORBIDDEN, HAS_USERS, IMMUTABLE_FIELD, INVALID_FIELD, MISSING_FIELD, NOT_FOUND,
    PRIMARY_DOMAIN_NOT_IN_DOMAINS, ROLE_IN_USE, ROLE_NOT_ALLOWED, SERVICES_PROVISIONED, Problems, refuse,
)
from ..parsing import CustomerFind, CustomerSet, to_int
from . import fields
from .records import (
    CUSTOMER, FAILED, NOT_PROVISIONED, PROVIDER, STORED_CUSTOMER_SERVICES, Customer, Principal,
)

FULLNAME_RULE = "fullname must be 1-60 letters, digits, spaces, dots or hyphens."
# <password> of a customer: tag -> (column, kind)
POLICY = {"minimumlength": ("minpwlen", int), "bannerdisplaydays": ("bannerdays", int),
          "changeatnextlogon": ("pw_changeatnextlogon", bool), "allowneverexpires": ("allowneverexpires", bool)}


def matches(filters: list[tuple[str, str]], get) -> bool:
    """Exact, case-insensitive, AND-combined FIND filters on the values ``get(field)`` gives."""
    for name, wanted in filters:
        value = get(name)
        if value is None or str(value).casefold() != wanted:
            return False
    return True


class CustomersBackend:
    def __init__(self, backend):
        self.backend = backend
        self.conn = backend.conn
        self.catalog = backend.catalog

    # ----- lookups -------------------------------------------------------------------------------------------

    def in_scope(self, p: Principal, code: str | None = None, ident: int | None = None) -> list[Customer]:
        """The customers the caller may see (a partner: its reseller customer first, then its customers by id; a
        customer user: its customer)."""
        sql = "SELECT * FROM customers WHERE "
        args: list = []
        if p.kind == "customer":
            sql += "id=?"
            args.append(p.customer_id)
        else:
            sql += "partner_id=? AND kind!=?"
            args += [p.partner_id, PROVIDER]
        if code is not None:
            sql += " AND code=?"
            args.append(code)
        if ident is not None:
            sql += " AND id=?"
            args.append(ident)
        return [Customer.from_row(r) for r in self.conn.execute(sql + " ORDER BY kind='reseller' DESC, id", args)]

    def by_code(self, p: Principal, code: str) -> Customer | None:
        rows = self.in_scope(p, code=code)
        return rows[0] if rows else None

    def get(self, ident: int) -> Customer:
        return Customer.from_row(self.conn.execute("SELECT * FROM customers WHERE id=?", (ident,)).fetchone())

    def all(self) -> list[Customer]:
        """Every partner's customers (not the provider, not the resellers)."""
        return [Customer.from_row(r) for r in self.conn.execute(
            "SELECT * FROM customers WHERE kind=? ORDER BY id", (CUSTOMER,))]

    def of_partner(self, partner_id: int) -> list[Customer]:
        return [Customer.from_row(r) for r in self.conn.execute(
            "SELECT * FROM customers WHERE partner_id=? AND kind=? ORDER BY id", (partner_id, CUSTOMER))]

    def parent(self, c: Customer) -> Customer | None:
        return self.get(c.parent_id) if c.parent_id else None

    def ancestors(self, c: Customer, parent: Customer | None = None) -> list[Customer]:
        """Parent, grand-parent, ... of ``c`` below the service provider (nearest first); ``parent`` when known."""
        chain = []
        seen = {c.id}
        provider = self.backend.provider_id
        parent = parent if parent is not None else self.parent(c)
        while parent is not None and parent.kind != PROVIDER and parent.id not in seen:
            chain.append(parent)
            seen.add(parent.id)
            parent = self.parent(parent) if parent.parent_id and parent.parent_id != provider else None
        return chain

    def ou(self, c: Customer, parent: Customer | None = None) -> str:
        """``customerou``: the OUs above the customer's own, nearest first (``Demo Partner(DEMO),Customers``)."""
        return ",".join([f"{a.fullname}({a.code})" for a in self.ancestors(c, parent)] + ["Customers"])

    def full_path(self, c: Customer) -> str:
        """The LDAP path of the customer's OU: its own, those above it, then the provider's domain components."""
        ous = [f"{c.fullname}({c.code})"] + self.ou(c).split(",")
        provider = self.get(self.backend.provider_id) if self.backend.provider_id else None
        dcs = provider.primarydomain.split(".") if provider is not None else []
        return "LDAP://" + ",".join([f"OU={o}" for o in ous] + [f"DC={d}" for d in dcs])

    def property_values(self, c: Customer) -> dict[str, str]:
        """The value of every customer property (lower-case name -> value): the object's fields, what the server
        computes, what is stored, else the property's default."""
        fields_ = {"fullname": c.fullname, "code": c.code, "contactname": c.contactname,
                   "contactemail": c.contactemail, "address": c.address, "phone": c.phone, "fax": c.fax,
                   "billingid": c.billingid, "minimumlength": str(c.minpwlen), "bannerdisplaydays": str(c.bannerdays),
                   "allowneverexpires": str(c.allowneverexpires), "enabled": "True" if c.enabled else "False"}
        derived = {"ou_structure": "ungrouped", "path": None}
        stored = {k.lower(): v for k, v in c.properties.items()}
        values = {}
        for key, meta in self.catalog.property_meta["customer"].items():
            if meta.get("field"):
                values[key] = fields_.get(meta["field"], "")
            elif meta.get("derived"):
                value = derived.get(meta["derived"], "")
                values[key] = self.full_path(c) if meta["derived"] == "path" else value
            else:
                values[key] = stored.get(key, str(meta.get("default", "")))
        return values

    def check_roles_offered(self, c: Customer | None, roles: list[str] | None, problems: Problems,
                            label: str) -> None:
        """Allowed roles of a customer must be among those its parent (the reseller) may give."""
        if roles is None or c is None:
            return
        offered = {r.lower() for r in c.roles}
        for role in roles:
            if role.lower() not in offered:
                problems.add(ROLE_NOT_ALLOWED, f"{label}: role '{role}' is not among the roles the reseller "
                                               f"'{c.code}' may give its customers.")

    def domains(self, customer_id: int) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT name FROM domains WHERE customer_id=? ORDER BY position", (customer_id,))]

    def _domain_owner(self, name: str) -> int | None:
        row = self.conn.execute("SELECT customer_id FROM domains WHERE name=?", (name,)).fetchone()
        return row[0] if row is not None else None

    def _code_taken(self, code: str) -> bool:
        return self.conn.execute("SELECT 1 FROM customers WHERE code=?", (code,)).fetchone() is not None

    def find(self, p: Principal, query: CustomerFind) -> list[Customer]:
        constants = self.backend.constants["customer"]
        found = []
        for c in self.in_scope(p, code=query.code):
            if not matches(query.filters, lambda f, c=c: getattr(c, f) if f[0] != "@" else constants[f[1:]]):
                continue
            if query.domains:
                owned = {d.casefold() for d in self.domains(c.id)}
                if not all(d in owned for d in query.domains):
                    continue
            found.append(c)
        return found

    def lookup(self, p: Principal, code: str | None, ident_text: str | None) -> list[Customer] | None:
        """GET: the customer named by code or id (None when absent), or all of them when neither is given."""
        ident = to_int(ident_text)
        if code:
            rows = self.in_scope(p, code=code)
        elif ident is not None:
            rows = self.in_scope(p, ident=ident)
        else:
            return self.in_scope(p)
        return rows or None

    # ----- create --------------------------------------------------------------------------------------------

    def _policy(self, policy: dict[str, str] | None, problems: Problems, label: str) -> dict:
        changes = {}
        for tag, value in (policy or {}).items():
            column, kind = POLICY[tag]
            if kind is int:
                number = to_int(value)
                if number is None or not 0 <= number <= 99999:
                    problems.add(INVALID_FIELD, f"{label}: password/{tag} must be a number between 0 and 99999.")
                    continue
                changes[column] = number
            else:
                parsed = rules.parse_bool(value)
                if parsed is None:
                    problems.add(INVALID_FIELD, f"{label}: password/{tag} must be True or False.")
                    continue
                changes[column] = int(parsed)
        return changes

    def create(self, p: Principal, spec: CustomerSet, forced: str | None) -> tuple[Customer, int]:
        """A new customer (code generated unless given), its domains and services; its provisioning request."""
        if not p.is_partner:
            raise refuse(FORBIDDEN, "This account may not create customers.")
        label = f"Customer '{spec.code or spec.fullname or '?'}'"
        problems = Problems()
        fields.field_properties(self.catalog, spec, "customer", problems, label)
        code, fullname = spec.code, spec.fullname
        parent = self.backend.reseller(p.partner_id)
        if not fullname:
            problems.add(MISSING_FIELD, f"{label}: fullname is mandatory.")
        elif not rules.valid_fullname(fullname):
            problems.add(INVALID_FIELD, f"{label}: {FULLNAME_RULE}")
        elif self.conn.execute("SELECT 1 FROM customers WHERE partner_id=? AND fullname_key=?",
                               (p.partner_id, fullname.casefold())).fetchone():
            problems.add(DUPLICATE, f"{label}: a customer named '{fullname}' already exists.")
        values = {}
        for tag in ("contactname", "contactemail", "address"):
            value = getattr(spec, tag)
            if not value:
                problems.add(MISSING_FIELD, f"{label}: {tag} is mandatory.")
            values[tag] = value or ""
        if values["contactemail"] and not rules.EMAIL_RE.match(values["contactemail"]):
            problems.add(INVALID_FIELD, f"{label}: contactemail '{values['contactemail']}' is not an e-mail address.")
        billingid = spec.billingid or ""
        if billingid and self.conn.execute("SELECT 1 FROM customers WHERE billingid=?", (billingid,)).fetchone():
            problems.add(DUPLICATE, f"{label}: the Billing ID is in use by a different customer.")
        primary = (spec.primarydomain or "").rstrip(".").lower()
        domains = fields.domains(spec.domains, problems, label)
        if not primary:
            problems.add(MISSING_FIELD, f"{label}: primarydomain is mandatory.")
        elif fields.domain_problem(primary, problems, label):
            if domains is not None and primary not in domains:
                problems.add(PRIMARY_DOMAIN_NOT_IN_DOMAINS, f"{label}: primary domain '{primary}' is not in <domains>.")
        if domains is None:
            domains = [primary] if primary else []
        for d in domains:
            if not rules.domain_problem(d) and self._domain_owner(d) is not None:
                problems.add(DUPLICATE, f"{label}: domain '{d}' is already in use.")
        enabled = fields.flag(spec.enabled, problems, label, "enabled", default=True)
        policy = self._policy(spec.password_policy, problems, label)
        roles = fields.roles(self.catalog, spec.roles, problems, label)
        self.check_roles_offered(parent, roles, problems, label)
        if roles is None:  # a new customer may give what its parent may give
            roles = list(parent.roles) if parent is not None else [n for n, _ in self.catalog.roles.values()]
        properties = fields.properties(self.catalog, spec.properties, {}, problems, label, "customer")
        present = {k.lower() for k, v in properties.items() if v}
        for name in self.catalog.mandatory_properties:
            if name.lower() not in present:
                problems.add(MISSING_FIELD, f"{label}: property {name} is mandatory.")
        if code:
            if not rules.CODE_RE.match(code):
                problems.add(INVALID_FIELD, f"{label}: the code must be 1-20 letters or digits.")
            elif self._code_taken(code):
                problems.add(DUPLICATE, f"{label}: code '{code}' is already in use.")
        problems.raise_if_any()
        if not code:
            code = rules.generate_code(fullname, self._code_taken)
        cid = self.conn.execute(
            "INSERT INTO customers (partner_id, code, fullname, fullname_key, contactname, contactemail, address,"
            " phone, fax, billingid, primarydomain, minpwlen, bannerdays, pw_changeatnextlogon, allowneverexpires,"
            " roles, properties, enabled, status, kind, parent_id)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'Requested',?,?)",
            (p.partner_id, code, fullname, fullname.casefold(), values["contactname"], values["contactemail"],
             values["address"], spec.phone or "", spec.fax or "", billingid, primary, policy.get("minpwlen", 8),
             policy.get("bannerdays", 0), policy.get("pw_changeatnextlogon", 0), policy.get("allowneverexpires", 0),
             json.dumps(self.catalog.role_order(roles)), json.dumps(properties), int(enabled), CUSTOMER,
             parent.id if parent is not None else 0),
        ).lastrowid
        self.conn.executemany("INSERT INTO domains (name, customer_id, position) VALUES (?, ?, ?)",
                              [(d, cid, i) for i, d in enumerate(domains)])
        self.conn.executemany("INSERT INTO services (customer_id, user_id, code) VALUES (?, 0, ?)",
                              [(cid, svc) for svc in STORED_CUSTOMER_SERVICES])
        c = self.get(cid)
        rid = self.backend.requests.change(c, [], object_type="Customer", object_name=code, object_description=fullname,
                                           what=f"customer {fullname}", customer=c, forced=forced)
        return self.get(cid), rid

    # ----- modify --------------------------------------------------------------------------------------------

    @staticmethod
    def check_writable(c: Customer) -> None:
        """A SET on a customer being deleted is NotFound (nothing under it is processed either); the partner's
        reseller customer is read-only (Forbidden)."""
        if c.is_reseller:
            raise refuse(FORBIDDEN, f"Customer '{c.code}' is the partner's own reseller customer: it, its users and "
                                    "its services cannot be changed through the API.")
        if c.deleting:
            raise refuse(NOT_FOUND, f"Customer '{c.code}' is being deleted.")

    def modify(self, c: Customer, spec: CustomerSet, forced: str | None) -> int | None:
        """Apply the fields sent; the provisioning request when something changed (or a Failed target is retried)."""
        label = f"Customer '{c.code}'"
        problems = Problems()
        changes: dict = {}
        fields.field_properties(self.catalog, spec, "customer", problems, label, lambda: self.property_values(c))
        if spec.given_code and spec.given_code.lower() != c.code.lower():
            problems.add(IMMUTABLE_FIELD, f"{label}: the customer code cannot change.")
        fullname = spec.fullname
        if fullname is not None and fullname != c.fullname:
            if not rules.valid_fullname(fullname):
                problems.add(INVALID_FIELD, f"{label}: {FULLNAME_RULE}")
            elif self.conn.execute("SELECT 1 FROM customers WHERE partner_id=? AND fullname_key=? AND id!=?",
                                   (c.partner_id, fullname.casefold(), c.id)).fetchone():
                problems.add(DUPLICATE, f"{label}: a customer named '{fullname}' already exists.")
            else:
                changes["fullname"] = fullname
                changes["fullname_key"] = fullname.casefold()
        for tag in ("contactname", "contactemail", "address", "phone", "fax"):
            value = getattr(spec, tag)
            if value is None or value == getattr(c, tag):
                continue
            if tag in ("contactname", "contactemail", "address") and not value:
                problems.add(MISSING_FIELD, f"{label}: {tag} cannot be empty.")
            elif tag == "contactemail" and not rules.EMAIL_RE.match(value):
                problems.add(INVALID_FIELD, f"{label}: contactemail '{value}' is not an e-mail address.")
            else:
                changes[tag] = value
        billingid = spec.billingid
        if billingid is not None and billingid != c.billingid:
            if billingid and self.conn.execute("SELECT 1 FROM customers WHERE billingid=? AND id!=?",
                                               (billingid, c.id)).fetchone():
                problems.add(DUPLICATE, f"{label}: the Billing ID is in use by a different customer.")
            else:
                changes["billingid"] = billingid
        enabled = fields.flag(spec.enabled, problems, label, "enabled")
        if enabled is not None and int(enabled) != c.enabled:
            changes["enabled"] = int(enabled)
        for column, value in self._policy(spec.password_policy, problems, label).items():
            if value != getattr(c, column):
                changes[column] = value
        new_domains = self._new_domains(c, spec, problems, label, changes)
        roles = fields.roles(self.catalog, spec.roles, problems, label)
        if roles is not None:
            self.check_roles_offered(self.parent(c), roles, problems, label)
            roles = self.catalog.role_order(roles)
            if roles != c.roles:
                kept = {r.lower() for r in roles}
                for role in (r for r in c.roles if r.lower() not in kept):
                    holder = self.backend.users.role_holder(c.id, role)
                    if holder:
                        problems.add(ROLE_IN_USE, f"{label}: role '{role}' is still held by user '{holder}'.")
                changes["roles"] = json.dumps(roles)
        if spec.properties is not None:
            merged = fields.properties(self.catalog, spec.properties, c.properties, problems, label, "customer")
            if merged != c.properties:
                changes["properties"] = json.dumps(merged)
        problems.raise_if_any()
        if new_domains is not None:
            self.conn.execute("DELETE FROM domains WHERE customer_id=?", (c.id,))
            self.conn.executemany("INSERT INTO domains (name, customer_id, position) VALUES (?, ?, ?)",
                                  [(d, c.id, i) for i, d in enumerate(new_domains)])
        if changes:
            self.conn.execute(f"UPDATE customers SET {', '.join(k + '=?' for k in changes)} WHERE id=?",
                              (*changes.values(), c.id))
            if "roles" in changes or "enabled" in changes:
                self.backend.credentials_changed()
        if not (changes or new_domains is not None or (c.status == FAILED and spec.is_target)):
            return None
        name = changes.get("fullname", c.fullname)
        return self.backend.requests.change(c, [], object_type="Customer", object_name=c.code,
                                            object_description=name, what=f"customer {name}", customer=c,
                                            forced=forced)

    def _new_domains(self, c: Customer, spec: CustomerSet, problems: Problems, label: str,
                     changes: dict) -> list[str] | None:
        """The domain list after this SET when it changes (None when it does not); notes a new primary domain.

        <primarydomain> alone adds itself to the list; <domains> replaces the list and must hold the primary."""
        current = self.domains(c.id)
        primary = spec.primarydomain.rstrip(".").lower() if spec.primarydomain else None
        listed = fields.domains(spec.domains, problems, label)
        new_primary = primary or c.primarydomain
        if primary is not None:
            fields.domain_problem(primary, problems, label)
        if listed is not None:
            new_domains = listed
            if new_primary not in new_domains:
                problems.add(PRIMARY_DOMAIN_NOT_IN_DOMAINS,
                             f"{label}: primary domain '{new_primary}' is not in <domains>.")
        else:
            new_domains = current + ([new_primary] if new_primary not in current else [])
        if new_primary != c.primarydomain:
            changes["primarydomain"] = new_primary
        if new_domains == current:
            return None
        for d in new_domains:
            if d not in current:
                owner = self._domain_owner(d)
                if owner is not None and owner != c.id:
                    problems.add(DUPLICATE, f"{label}: domain '{d}' is already in use.")
        for d in current:
            if d not in new_domains:
                holder = self.backend.users.upn_domain_holder(c.id, d)
                if holder is not None:
                    problems.add(DOMAIN_IN_USE, f"{label}: domain '{d}' is still used by the UPN of user '{holder}'.")
        return new_domains

    # ----- delete --------------------------------------------------------------------------------------------

    def delete(self, p: Principal, c: Customer, forced: str | None) -> int:
        """The delete request of a customer without users and with its services deprovisioned."""
        label = f"Customer '{c.code}'"
        if not p.is_partner:
            raise refuse(FORBIDDEN, "This account may not delete customers.")
        if c.is_reseller:
            raise refuse(FORBIDDEN, f"{label} is the partner's own reseller customer: it cannot be deleted.")
        pending = self.backend.requests.pending_same(c, "delete")
        if pending is not None:
            return pending
        problems = Problems()
        holder = self.backend.users.any_login(c.id)
        if holder is not None:
            problems.add(HAS_USERS, f"{label} still has users (e.g. '{holder}'); delete them first.")
        for s in self.backend.services.of_customer(c.id):
            if s.id and s.status != NOT_PROVISIONED:  # (Proxy, not a row of its own, goes with the customer)
                problems.add(SERVICES_PROVISIONED, f"{label}: service {s.code} is {s.status}; deprovision it first.")
        problems.raise_if_any()
        return self.backend.requests.queue(
            "delete", c, [], object_type="Customer", object_name=c.code, object_description=c.fullname,
            description=f"Delete customer {c.fullname}", customer=c, forced=forced,
        )
