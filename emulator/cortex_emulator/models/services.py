"""Services: the customer's Hosted Exchange organisation (version, plans) and users' mailboxes, with their guards."""

from __future__ import annotations

import json

from .. import rules
from ..exceptions import (
    DOMAIN_NOT_OWNED, FORBIDDEN, IMMUTABLE_FIELD, INVALID_FIELD, MISSING_FIELD, NOT_FOUND, PARENT_NOT_PROVISIONED,
    PLAN_IN_USE, PLAN_LIMIT_REACHED, PLAN_NOT_ENABLED, SERVICES_PROVISIONED, UNKNOWN_PLAN, Problems, refuse,
)
from ..parsing import CustomerServiceSet, UserServiceSet
from .customers import matches
from .records import CUSTOMER_SERVICES, FAILED, NOT_PROVISIONED, PROVISIONED, Customer, Service, User

DOMAIN_TYPES = {"authoritative": "authoritative", "internalrelay": "internalrelay", "externalrelay": "externalrelay"}
PUBLIC_FOLDER_DEFAULTS = {"overridetemplate": "False", "create": "False", "storagelimit": "Unlimited",
                          "warninglimit": "Unlimited", "itemlimit": "Unlimited"}
_ORDER = {code: i for i, code in enumerate(CUSTOMER_SERVICES)}  # Proxy, HE, ServiceAdmins


class ServicesBackend:
    def __init__(self, backend):
        self.backend = backend
        self.conn = backend.conn
        self.catalog = backend.catalog

    # ----- lookups -------------------------------------------------------------------------------------------

    def _one(self, customer_id: int, user_id: int, code: str) -> Service | None:
        if not user_id and code.lower() == "proxy":
            return self._proxy(customer_id)
        row = self.conn.execute(
            "SELECT * FROM services WHERE customer_id=? AND user_id=? AND code=? COLLATE NOCASE",
            (customer_id, user_id, code),
        ).fetchone()
        return Service.from_row(row) if row is not None else None

    def of_customer(self, customer_id: int, code: str | None = None):
        """The customer's services (a list), or the one named ``code`` (None when absent)."""
        if code is not None:
            return self._one(customer_id, 0, code)
        return self.listed(customer_id, 0)

    def of_user(self, customer_id: int, user_id: int, code: str | None = None):
        """The user's services (a list), or the one named ``code`` (None when absent)."""
        if code is not None:
            return self._one(customer_id, user_id, code)
        return self.listed(customer_id, user_id)

    def listed(self, customer_id: int, user_id: int) -> list[Service]:
        found = [Service.from_row(r) for r in self.conn.execute(
            "SELECT * FROM services WHERE customer_id=? AND user_id=? ORDER BY id", (customer_id, user_id))]
        if user_id:
            return found
        proxy = self._proxy(customer_id)
        return sorted(found + ([proxy] if proxy is not None else []), key=lambda s: _ORDER.get(s.code, len(_ORDER)))

    def _proxy(self, customer_id: int) -> Service | None:
        """Customer Portal Settings: provisioned with the customer (once it was), never managed on its own."""
        row = self.conn.execute("SELECT ever_provisioned FROM customers WHERE id=?", (customer_id,)).fetchone()
        if row is None:
            return None
        return Service.derived(customer_id, "Proxy", PROVISIONED if row[0] else NOT_PROVISIONED)

    def by_user(self, customer_id: int, user_ids: list[int]) -> dict[int, list[Service]]:
        """The services of these users of a customer, per user id."""
        if len(user_ids) == 1:
            rows = self.conn.execute("SELECT * FROM services WHERE user_id=? ORDER BY id", (user_ids[0],))
        else:
            rows = self.conn.execute("SELECT * FROM services WHERE customer_id=? AND user_id!=0 ORDER BY id",
                                     (customer_id,))
        found: dict[int, list[Service]] = {}
        for row in rows:
            found.setdefault(row["user_id"], []).append(Service.from_row(row))
        return found

    def all(self) -> list[Service]:
        return [Service.from_row(r) for r in self.conn.execute("SELECT * FROM services ORDER BY id")]

    def select(self, services, filters: list[tuple[str, str]]) -> list[Service]:
        """FIND's service filters (name, fullname, status, location)."""
        location = self.backend.location
        return [s for s in services
                if matches(filters, {"name": s.code, "fullname": s.fullname, "status": s.status,
                                     "location": location}.get)]

    def plan_usage(self, customer_id: int) -> dict[str, int]:
        """Mailboxes of the customer per user plan (lower-case name)."""
        return {r[0].lower(): r[1] for r in self.conn.execute(
            "SELECT userpackage, COUNT(*) FROM services WHERE customer_id=? AND user_id!=0 AND userpackage!=''"
            " GROUP BY userpackage COLLATE NOCASE", (customer_id,))}

    def partner_usage(self, partner_id: int) -> tuple[set[str], set[str]]:
        """(customer plans, user plans) in use among a partner's customers (lower-case names)."""
        customer_plans = {r[0].lower() for r in self.conn.execute(
            "SELECT DISTINCT s.package FROM services s JOIN customers c ON c.id = s.customer_id"
            " WHERE c.partner_id=? AND c.kind='customer' AND s.user_id=0 AND s.package!=''", (partner_id,))}
        user_plans = {r[0].lower() for r in self.conn.execute(
            "SELECT DISTINCT s.userpackage FROM services s JOIN customers c ON c.id = s.customer_id"
            " WHERE c.partner_id=? AND s.user_id!=0 AND s.userpackage!=''", (partner_id,))}
        return customer_plans, user_plans

    def accepted_domains(self, c: Customer, s: Service, domains: list[str]) -> list[tuple[str, str]]:
        """The accepted domains of a customer HE, (domain, type): as set, else every domain of the customer once
        HE is provisioned; only domains the customer still has."""
        if s.authdomains:
            owned = set(domains)
            return [(d, kind) for d, kind in s.authdomains if d in owned]
        if s.status == NOT_PROVISIONED:
            return []
        return [(d, "authoritative") for d in domains]

    @staticmethod
    def public_folder(s: Service) -> dict[str, str]:
        return {**PUBLIC_FOLDER_DEFAULTS, **s.publicfolder}

    def _plan(self, plans: dict, name: str, version: str, what: str, problems: Problems, label: str):
        plan = plans.get(name.lower())
        if plan is None:
            problems.add(UNKNOWN_PLAN, f"{label}: {what} '{name}' does not exist.")
            return None
        if version and version not in plan.versions:
            problems.add(UNKNOWN_PLAN, f"{label}: {what} '{plan.name}' is not available for Exchange {version}.")
            return None
        return plan

    # ----- customer Hosted Exchange --------------------------------------------------------------------------

    def set_customer_service(self, c: Customer, spec: CustomerServiceSet, forced: str | None) -> int | None:
        """Provision or change the customer's HE; its request when something changed (or it was not live)."""
        name = spec.name
        label = f"Service '{name or '?'}' of customer '{c.code}'"
        if not name:
            raise refuse(MISSING_FIELD, f"{label}: <name> is mandatory.")
        s = self._one(c.id, 0, name)
        if s is None:
            raise refuse(NOT_FOUND, f"{label} could not be found.")
        if c.is_reseller:
            raise refuse(FORBIDDEN, f"{label}: the partner's own reseller customer cannot be changed.")
        if s.code != "HE":
            raise refuse(INVALID_FIELD, f"{label}: only the Hosted Exchange (HE) service can be managed.")
        if c.deleting:
            raise refuse(NOT_FOUND, f"Customer '{c.code}' is being deleted.")
        if not c.is_live:
            raise refuse(PARENT_NOT_PROVISIONED, f"{label}: customer '{c.code}' is {c.status}; "
                                                 "it must be Provisioned first.")
        problems = Problems()
        changes: dict = {}
        locked = s.status not in (NOT_PROVISIONED, FAILED) or s.ever_provisioned
        provisioning = s.status == NOT_PROVISIONED
        if spec.version:
            if spec.version not in self.catalog.versions:
                problems.add(INVALID_FIELD, f"{label}: Exchange version '{spec.version}' is not offered "
                                            f"({', '.join(self.catalog.versions)}).")
            elif spec.version != s.version:
                if locked:
                    problems.add(IMMUTABLE_FIELD, f"{label}: the Exchange version cannot change once provisioned.")
                else:
                    changes["version"] = spec.version
        elif provisioning:
            problems.add(MISSING_FIELD, f"{label}: version is mandatory to provision Hosted Exchange.")
        version = changes.get("version", s.version)
        if spec.package:
            plan = self._plan(self.catalog.customer_plans, spec.package, version, "customer plan", problems, label)
            if plan is not None and plan.name != s.package:
                changes["package"] = plan.name
        elif provisioning:
            problems.add(MISSING_FIELD, f"{label}: a customer plan (<package>) is mandatory.")
        plans = s.userpackages
        if spec.userpackages is not None:
            plans = self._enabled_plans(c, s, spec.userpackages, version, problems, label)
            if sorted(plans) != sorted(s.userpackages):
                changes["userpackages"] = json.dumps(plans)
        if provisioning and not plans and not problems:
            problems.add(MISSING_FIELD, f"{label}: at least one enabled user plan (<userpackage>) is mandatory.")
        accepted = self._accepted(c, s, spec, problems, label)
        if accepted is not None and accepted != [tuple(x) for x in s.authdomains]:
            changes["authdomains"] = json.dumps(accepted)
        folder = self._folder(spec.publicfolder, problems, label)
        if folder is not None:
            merged = {**s.publicfolder, **folder}
            if merged != s.publicfolder:
                changes["publicfolder"] = json.dumps(merged)
        problems.raise_if_any()
        if changes:
            self.conn.execute(f"UPDATE services SET {', '.join(k + '=?' for k in changes)} WHERE id=?",
                              (*changes.values(), s.id))
        if not (changes or s.status in (NOT_PROVISIONED, FAILED)):
            return None
        return self._queue_change(s, [c.key], c, who=c.fullname, description_who=c.fullname,
                                  object_type="Customer Service", forced=forced)

    def _accepted(self, c: Customer, s: Service, spec: CustomerServiceSet, problems: Problems,
                  label: str) -> list[tuple[str, str]] | None:
        """The accepted domains after this SET (replace semantics), None when neither list was sent.

        ``<domains><domain type="…">`` gives domains with their types; ``<authoritativedomains>`` names
        authoritative ones (added to ``<domains>`` when both are sent, as the recorded modify does)."""
        if spec.domains is None and spec.authoritative is None:
            return None
        owned = set(self.backend.customers.domains(c.id))
        accepted: list[tuple[str, str]] = []
        for name, kind in (spec.domains or []) + [(d, "authoritative") for d in spec.authoritative or []]:
            name = name.lower()
            value = DOMAIN_TYPES.get(kind.lower() or "authoritative")
            if value is None:
                problems.add(INVALID_FIELD, f"{label}: domain type '{kind}' is not one of "
                                            f"{', '.join(DOMAIN_TYPES)}.")
            elif name not in owned:
                problems.add(DOMAIN_NOT_OWNED, f"{label}: domain '{name}' is not one of the customer's domains.")
            elif name not in {d for d, _ in accepted}:
                accepted.append((name, value))
        if not any(kind == "authoritative" for _, kind in accepted) and not problems:
            problems.add(INVALID_FIELD, f"{label}: Hosted Exchange needs at least one authoritative domain.")
        return accepted

    @staticmethod
    def _folder(sent: dict[str, str] | None, problems: Problems, label: str) -> dict[str, str] | None:
        """The public-folder settings sent, normalised: True/False flags, limits 'Unlimited' or a number."""
        if sent is None:
            return None
        folder = {}
        for tag, value in sent.items():
            if tag in ("overridetemplate", "create"):
                flag = rules.parse_bool(value)
                if flag is None:
                    problems.add(INVALID_FIELD, f"{label}: publicfolder/{tag} must be True or False.")
                else:
                    folder[tag] = "True" if flag else "False"
            elif value.lower() == "unlimited":
                folder[tag] = "Unlimited"
            elif value.isdigit() and len(value) <= 12:
                folder[tag] = str(int(value))
            else:
                problems.add(INVALID_FIELD, f"{label}: publicfolder/{tag} must be Unlimited or a number.")
        return folder

    def _enabled_plans(self, c: Customer, s: Service, sent: list[tuple[str, str]], version: str,
                       problems: Problems, label: str) -> list[str]:
        """The enabled user plans after this SET (replace semantics); a plan still used by a mailbox stays."""
        plans: list[str] = []
        for plan_name, enabled in sent:
            flag = rules.parse_bool(enabled)
            if flag is None:
                problems.add(INVALID_FIELD, f"{label}: userpackage/enabled must be True or False.")
                continue
            plan = self._plan(self.catalog.user_plans, plan_name, version, "user plan", problems, label)
            if plan is not None and flag and plan.name not in plans:
                plans.append(plan.name)
        kept = {n.lower() for n in plans}
        for removed in (n for n in s.userpackages if n.lower() not in kept):
            holder = self.conn.execute(
                "SELECT u.login FROM services s JOIN users u ON u.id = s.user_id WHERE s.customer_id=?"
                " AND s.user_id!=0 AND s.userpackage=? COLLATE NOCASE LIMIT 1", (c.id, removed)).fetchone()
            if holder is not None:
                problems.add(PLAN_IN_USE, f"{label}: user plan '{removed}' is still used by the mailbox of "
                                          f"'{holder['login']}'.")
        return plans

    def _queue_change(self, s: Service, ancestors: list[str], c: Customer, *, who: str, description_who: str,
                      object_type: str, forced: str | None) -> int:
        kind = "modify" if s.ever_provisioned else "provision"
        verb = "Provision HE to" if kind == "provision" else "Modify HE for"
        return self.backend.requests.queue(
            kind, s, ancestors, object_type=object_type, object_name="HE",
            object_description=f"Hosted Exchange - {who}", description=f"{verb} {description_who}", customer=c,
            forced=forced,
        )

    # ----- mailboxes -----------------------------------------------------------------------------------------

    def set_user_service(self, c: Customer, u: User, spec: UserServiceSet, forced: str | None) -> int | None:
        """Provision a mailbox or change its plan; its request when something changed (or it was not live)."""
        name = spec.name
        label = f"Service '{name or '?'}' of user '{u.login}'"
        if not name:
            raise refuse(MISSING_FIELD, f"{label}: <name> is mandatory.")
        s = self._one(c.id, u.id, name)
        if s is None:
            raise refuse(NOT_FOUND, f"{label} could not be found.")
        if u.deleting:
            raise refuse(NOT_FOUND, f"User '{u.login}' is being deleted.")
        if u.status == FAILED:
            raise refuse(PARENT_NOT_PROVISIONED, f"{label}: user '{u.login}' is Failed; retry it first.")
        he = self._one(c.id, 0, "HE")
        if he is None or not he.is_live:
            status = he.status if he is not None else NOT_PROVISIONED
            raise refuse(PARENT_NOT_PROVISIONED, f"{label}: Hosted Exchange of customer '{c.code}' is {status}; "
                                                 "it must be Provisioned first.")
        problems = Problems()
        changes: dict = {}
        if spec.userpackage:
            plan = self._plan(self.catalog.user_plans, spec.userpackage, he.version, "user plan", problems, label)
            if plan is not None:
                if plan.name.lower() not in {n.lower() for n in he.userpackages}:
                    problems.add(PLAN_NOT_ENABLED, f"{label}: user plan '{plan.name}' is not enabled on customer "
                                                   f"'{c.code}'.")
                elif plan.name != s.userpackage:
                    if plan.userlimit is not None:
                        used = self.conn.execute(
                            "SELECT COUNT(*) FROM services WHERE customer_id=? AND user_id!=0 AND user_id!=?"
                            " AND userpackage=? COLLATE NOCASE", (c.id, u.id, plan.name)).fetchone()[0]
                        if used >= plan.userlimit:
                            problems.add(PLAN_LIMIT_REACHED, f"{label}: user plan '{plan.name}' allows "
                                                             f"{plan.userlimit} mailboxes and all are used.")
                    changes["userpackage"] = plan.name
        elif s.status == NOT_PROVISIONED or not s.userpackage:
            problems.add(MISSING_FIELD, f"{label}: a user plan (<userpackage>) is mandatory.")
        problems.raise_if_any()
        if changes:
            self.conn.execute("UPDATE services SET userpackage=? WHERE id=?", (changes["userpackage"], s.id))
        if not (changes or s.status in (NOT_PROVISIONED, FAILED)):
            return None
        return self._queue_change(s, [u.key, he.key, c.key], c, who=u.fullname,
                                  description_who=f"{u.fullname} ({u.login})", object_type="User Service",
                                  forced=forced)

    # ----- deprovisioning ------------------------------------------------------------------------------------

    def deprovision(self, c: Customer, u: User | None, name: str | None, forced: str | None) -> int:
        """The deprovision request of a customer service (its mailboxes gone first) or of a user's mailbox."""
        owner = f"user '{u.login}'" if u is not None else f"customer '{c.code}'"
        if not name:
            raise refuse(MISSING_FIELD, f"Service of {owner}: <name> is mandatory.")
        if c.is_reseller:
            raise refuse(FORBIDDEN, f"Service '{name}' of {owner}: the partner's own reseller customer cannot be "
                                    "changed.")
        s = self._one(c.id, u.id if u is not None else 0, name)
        if s is None:
            raise refuse(NOT_FOUND, f"Service '{name}' of {owner} could not be found.")
        if not s.id:
            raise refuse(INVALID_FIELD, f"Service '{s.code}' of {owner} goes with the customer; it cannot be "
                                        "deprovisioned on its own.")
        pending = self.backend.requests.pending_same(s, "deprovision")
        if pending is not None:
            return pending
        if s.status == NOT_PROVISIONED:
            raise refuse(NOT_FOUND, f"Service '{s.code}' of {owner} is not provisioned.")
        if u is None:
            holder = self.conn.execute(
                "SELECT u.login, s.status FROM services s JOIN users u ON u.id = s.user_id WHERE s.customer_id=?"
                " AND s.user_id!=0 AND s.status!='NotProvisioned' LIMIT 1", (c.id,)).fetchone()
            if holder is not None:
                raise refuse(SERVICES_PROVISIONED, f"Service '{s.code}' of {owner}: the mailbox of "
                                                   f"'{holder['login']}' is {holder['status']}; deprovision it first.")
            ancestors = [c.key]
            who, object_type = c.fullname, "Customer Service"
        else:
            he = self._one(c.id, 0, "HE")
            ancestors = [u.key, he.key, c.key]
            who, object_type = u.fullname, "User Service"
        return self.backend.requests.queue(
            "deprovision", s, ancestors, object_type=object_type, object_name=s.code,
            object_description=f"Hosted Exchange - {who}", description=f"Deprovision HE from {who}",
            customer=c, forced=forced,
        )
