"""Users of a customer: lookups, the create / modify / delete rules (logins, UPNs, passwords, roles), API users."""

from __future__ import annotations

import datetime
import json

from .. import rules
from ..exceptions import (
    DUPLICATE, DOMAIN_NOT_OWNED, INVALID_FIELD, LOGIN_TOO_LONG, MISSING_FIELD, NEVER_EXPIRES_NOT_ALLOWED, NOT_FOUND,
    PARENT_NOT_PROVISIONED, PASSWORD_REQUIRED, SERVICES_PROVISIONED, Problems, refuse,
)
from ..parsing import PasswordSet, UserFind, UserKey, UserSet
from . import fields
from .customers import matches
from .records import FAILED, NOT_PROVISIONED, UNASSIGNED, USER_SERVICES, Customer, Principal, User

DEFAULT_LASTNAME = "Default Lastname"  # what a recorded CPSM gave a user created without one
_BUSY = "('Requested', 'InProgress', 'Pending')"
LIST_FILTERS = {"all": "", "failed": " AND (u.status='Failed' OR s.status='Failed')",
                "in-progress": f" AND (u.status IN {_BUSY} OR s.status IN {_BUSY})"}
LIST_SORTS = {"login": "u.login", "upn": "u.upn", "name": "u.fullname", "status": "u.status",
              "mailbox": "COALESCE(s.status, '')", "plan": "COALESCE(s.userpackage, '')"}

PASSWORD_FLAGS = {"changeatnextlogon": "pw_changeatnextlogon", "neverexpires": "pw_neverexpires"}


def _like_suffix(domain: str) -> str:
    return "%@" + domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class UsersBackend:
    def __init__(self, backend):
        self.backend = backend
        self.conn = backend.conn
        self.catalog = backend.catalog

    # ----- lookups -------------------------------------------------------------------------------------------

    def _one(self, sql: str, args) -> User | None:
        row = self.conn.execute(sql, args).fetchone()
        return User.from_row(row) if row is not None else None

    def get(self, ident: int) -> User:
        return self._one("SELECT * FROM users WHERE id=?", (ident,))

    def of_customer(self, customer_id: int) -> list[User]:
        return [User.from_row(r) for r in self.conn.execute(
            "SELECT * FROM users WHERE customer_id=? ORDER BY id", (customer_id,))]

    def all(self) -> list[User]:
        return [User.from_row(r) for r in self.conn.execute("SELECT * FROM users ORDER BY id")]

    def by_key(self, customer_id: int, key: UserKey) -> User | None:
        """A user addressed by <name> (stored login) or <upn>, else by <id>; None if absent."""
        if key.name:
            return self._one("SELECT * FROM users WHERE login=? AND customer_id=?", (key.name, customer_id))
        if key.upn:
            return self._one("SELECT * FROM users WHERE upn=? AND customer_id=?", (key.upn, customer_id))
        if key.id is not None:
            return self._one("SELECT * FROM users WHERE id=? AND customer_id=?", (key.id, customer_id))
        return None

    def for_set(self, c: Customer, spec: UserSet) -> User | None:
        """The user a SET addresses: stored login, login sent on create (+ ``_CODE``), or, without <name>, UPN."""
        if spec.name:
            return self._one("SELECT * FROM users WHERE customer_id=? AND login IN (?, ?)",
                             (c.id, spec.name, f"{spec.name}_{c.code}"))
        if spec.upn:
            return self._one("SELECT * FROM users WHERE customer_id=? AND upn=?", (c.id, spec.upn))
        return None

    def find(self, c: Customer, query: UserFind) -> list[User]:
        if query.login is not None:
            rows = [User.from_row(r) for r in self.conn.execute(
                "SELECT * FROM users WHERE customer_id=? AND login=?", (c.id, query.login))]
        else:
            rows = self.of_customer(c.id)
        constants = self.backend.constants["user"]
        return [u for u in rows
                if matches(query.filters, lambda f, u=u: getattr(u, f) if f[0] != "@" else constants[f[1:]])]

    def any_login(self, customer_id: int) -> str | None:
        row = self.conn.execute("SELECT login FROM users WHERE customer_id=? LIMIT 1", (customer_id,)).fetchone()
        return row["login"] if row is not None else None

    def role_holder(self, customer_id: int, role: str) -> str | None:
        """The login of a user of the customer holding ``role``."""
        for u in self.conn.execute("SELECT login, roles FROM users WHERE customer_id=? AND roles LIKE ?",
                                   (customer_id, f'%"{role}"%')):
            if role in json.loads(u["roles"] or "[]"):
                return u["login"]
        return None

    def upn_domain_holder(self, customer_id: int, domain: str) -> str | None:
        """The login of a user of the customer whose UPN is in ``domain``."""
        row = self.conn.execute("SELECT login FROM users WHERE customer_id=? AND upn LIKE ? ESCAPE '\\' LIMIT 1",
                                (customer_id, _like_suffix(domain))).fetchone()
        return row["login"] if row is not None else None

    def property_values(self, c: Customer, u: User, mailbox=None) -> dict[str, str]:
        """The value of every user property (lower-case name -> value), like the customers'."""
        fields_ = {"upn": u.upn, "firstname": u.firstname, "lastname": u.lastname, "fullname": u.fullname,
                   "neverexpires": "True" if u.pw_neverexpires else "False"}
        live = mailbox is not None and mailbox.is_live
        derived = {"login": u.login, "location": UNASSIGNED, "department": UNASSIGNED, "locked": "False",
                   "mailbox_guid": rules.mailbox_guid(u.id) if live else "",
                   "legacy_dn": rules.legacy_dn(u.login) if live else ""}
        stored = {k.lower(): v for k, v in u.properties.items()}
        values = {}
        for key, meta in self.catalog.property_meta["user"].items():
            if meta.get("field"):
                values[key] = fields_.get(meta["field"], "")
            elif meta.get("derived"):
                values[key] = (self.backend.customers.full_path(c) if meta["derived"] == "path"
                               else derived.get(meta["derived"], ""))
            else:
                values[key] = stored.get(key, str(meta.get("default", "")))
        return values

    # ----- the status page -----------------------------------------------------------------------------------

    def listing(self, customer_id: int, *, show: str, sort: str, descending: bool, offset: int,
                limit: int) -> tuple[int, list[tuple[User, dict | None]]]:
        """One page of a customer's users with their mailbox (status, plan, message), filtered (``show``: all,
        failed, in-progress: the user or its mailbox) and sorted; and how many users the filter keeps."""
        where = "u.customer_id=?" + LIST_FILTERS[show]
        joined = ("FROM users u LEFT JOIN services s ON s.customer_id = u.customer_id AND s.user_id = u.id"
                  " AND s.code = 'HE' WHERE " + where)
        total = self.conn.execute("SELECT COUNT(*) " + joined, (customer_id,)).fetchone()[0]
        order = "DESC" if descending else "ASC"
        rows = self.conn.execute(
            f"SELECT u.*, s.status AS m_status, s.userpackage AS m_plan, s.message AS m_message {joined}"
            f" ORDER BY {LIST_SORTS[sort]} COLLATE NOCASE {order}, u.id {order} LIMIT ? OFFSET ?",
            (customer_id, limit, offset)).fetchall()
        page = []
        for row in rows:
            mailbox = None
            if row["m_status"] is not None:
                mailbox = {"status": row["m_status"], "plan": row["m_plan"], "message": row["m_message"]}
            page.append((User.from_row(row), mailbox))
        return total, page

    def status_counts(self, customer_ids: list[int]) -> dict[int, dict[str, dict[str, int]]]:
        """Per customer: users and mailboxes (user HE services) per status."""
        counts: dict[int, dict[str, dict[str, int]]] = {cid: {"users": {}, "mailboxes": {}} for cid in customer_ids}
        if not customer_ids:
            return counts
        for table, kind, extra in (("users", "users", ""), ("services", "mailboxes", " AND user_id!=0 AND code='HE'")):
            for chunk in range(0, len(customer_ids), 500):
                ids = customer_ids[chunk:chunk + 500]
                marks = ",".join("?" * len(ids))
                for cid, status, n in self.conn.execute(
                        f"SELECT customer_id, status, COUNT(*) FROM {table} WHERE customer_id IN ({marks}){extra}"
                        " GROUP BY customer_id, status", ids):
                    counts[cid][kind][status] = n
        return counts

    def api_user(self, username: str, password: str) -> Principal | None:
        """A customer user holding the API role, by stored login or UPN (docs/protocol.md §8), if the password fits."""
        row = self.conn.execute(
            "SELECT u.*, c.partner_id FROM users u JOIN customers c ON c.id = u.customer_id"
            " WHERE (u.login=? OR u.upn=?) AND u.enabled=1 AND u.deleting=0 AND u.ever_provisioned=1"
            " AND c.deleting=0 LIMIT 1",
            (username, username),
        ).fetchone()
        if row is None or self.catalog.api_role not in json.loads(row["roles"]):
            return None
        if not rules.check_password(password, row["pw_hash"]):
            return None
        return Principal("customer", row["login"], row["partner_id"], row["customer_id"], row["id"])

    # ----- checks --------------------------------------------------------------------------------------------

    def _upn(self, c: Customer, upn: str, problems: Problems, label: str, exclude_user: int = 0) -> str | None:
        local_part, at, domain = upn.rpartition("@")
        if not at or not rules.UPN_LOCAL_RE.match(local_part) or rules.domain_problem(domain):
            problems.add(INVALID_FIELD, f"{label}: UPN '{upn}' is not of the form name@domain.")
            return None
        domain = domain.lower()
        if domain not in self.backend.customers.domains(c.id):
            problems.add(DOMAIN_NOT_OWNED, f"{label}: the domain of UPN '{upn}' is not one of the customer's domains.")
            return None
        upn = f"{local_part}@{domain}"
        if self.conn.execute("SELECT 1 FROM users WHERE upn=? AND id!=?", (upn, exclude_user)).fetchone():
            problems.add(DUPLICATE, f"{label}: UPN '{upn}' is already in use.")
            return None
        return upn

    @staticmethod
    def _password_flags(spec: PasswordSet | None, problems: Problems, label: str) -> dict:
        flags = {}
        for tag, value in (spec.flags if spec is not None else {}).items():
            parsed = rules.parse_bool(value)
            if parsed is None:
                problems.add(INVALID_FIELD, f"{label}: password/{tag} must be True or False.")
            else:
                flags[PASSWORD_FLAGS[tag]] = int(parsed)
        return flags

    @staticmethod
    def _password_rule(c: Customer, password: str, problems: Problems, label: str, *, login: str, upn: str,
                       fullname: str) -> None:
        for code, reason in rules.password_problems(password, minimum=c.minpwlen, login=login, upn=upn,
                                                    fullname=fullname):
            problems.add(code, f"{label}: {reason}.")

    # ----- create --------------------------------------------------------------------------------------------

    def create(self, c: Customer, spec: UserSet, forced: str | None) -> tuple[User, int]:
        """A new user (login stored as ``login_CODE``) and its mailbox service; its provisioning request."""
        label = f"User '{spec.name or spec.upn or '?'}'"
        if c.deleting:
            raise refuse(NOT_FOUND, f"Customer '{c.code}' is being deleted.")
        if c.status == FAILED:
            raise refuse(PARENT_NOT_PROVISIONED, f"{label}: customer '{c.code}' is Failed; retry it first.")
        problems = Problems()
        fields.field_properties(self.catalog, spec, "user", problems, label)
        name = spec.name
        login = base = None
        if not name:
            problems.add(MISSING_FIELD, f"{label}: name (login) is mandatory to create a user.")
        elif not rules.LOGIN_RE.match(name):
            problems.add(INVALID_FIELD, f"{label}: login '{name}' contains characters a login cannot hold.")
        else:
            suffix = "_" + c.code
            if name.lower().endswith(suffix.lower()):
                base, login = name[: -len(suffix)], name
            else:
                base, login = name, name + suffix
            label = f"User '{login}'"
            if len(login) > rules.LOGIN_MAX:
                problems.add(LOGIN_TOO_LONG, f"{label}: the login with its customer suffix is longer than "
                                             f"{rules.LOGIN_MAX} characters.")
            elif self.conn.execute("SELECT 1 FROM users WHERE login=?", (login,)).fetchone():
                problems.add(DUPLICATE, f"{label}: login already in use.")
        upn = spec.upn
        if upn:
            upn = self._upn(c, upn, problems, label)
        elif login:
            upn = f"{login}@{c.primarydomain}"
            if self.conn.execute("SELECT 1 FROM users WHERE upn=?", (upn,)).fetchone():
                problems.add(DUPLICATE, f"{label}: UPN '{upn}' is already in use.")
        # As recorded: a create with only <name> gets first name = login, "Default Lastname", full name = login.
        fullname = spec.fullname or " ".join(x for x in (spec.firstname, spec.lastname) if x) or (base or "")
        firstname = spec.firstname or (base or "")
        lastname = spec.lastname or DEFAULT_LASTNAME
        password = spec.password.password if spec.password is not None else None
        flags = self._password_flags(spec.password, problems, label)
        if password == "":
            problems.add(PASSWORD_REQUIRED, f"{label}: the password cannot be empty.")
        elif password is not None and login:
            self._password_rule(c, password, problems, label, login=base, upn=upn or "", fullname=fullname)
        if flags.get("pw_neverexpires") and not c.allowneverexpires:
            problems.add(NEVER_EXPIRES_NOT_ALLOWED, f"{label}: customer '{c.code}' does not allow passwords "
                                                    "that never expire.")
        roles = fields.roles(self.catalog, spec.roles, problems, label, c.roles)
        if roles is None:  # the first user gets the recorded administrator roles the customer allows; others none
            allowed = {r.lower() for r in c.roles}
            first = self.any_login(c.id) is None
            roles = [r for r in self.catalog.first_user_roles if r.lower() in allowed] if first else []
        enabled = fields.flag(spec.enabled, problems, label, "enabled", default=True)
        properties = fields.properties(self.catalog, spec.properties, {}, problems, label, "user")
        problems.raise_if_any()
        uid = self.conn.execute(
            "INSERT INTO users (customer_id, login, upn, firstname, lastname, fullname, pw_hash, pw_changeatnextlogon,"
            " pw_neverexpires, pw_set, roles, properties, enabled, status)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,'Requested')",
            (c.id, login, upn, firstname, lastname, fullname,
             self.backend.hash_password(password) if password else "",
             flags.get("pw_changeatnextlogon", 0), flags.get("pw_neverexpires", 0), datetime.date.today().isoformat(),
             json.dumps(self.catalog.role_order(roles)), json.dumps(properties), int(enabled)),
        ).lastrowid
        self.conn.executemany("INSERT INTO services (customer_id, user_id, code) VALUES (?, ?, ?)",
                              [(c.id, uid, code) for code in USER_SERVICES])
        u = self.get(uid)
        rid = self.backend.requests.change(u, [c.key], object_type="User", object_name=login,
                                           object_description=fullname, what=f"user {fullname} ({login})",
                                           customer=c, forced=forced)
        return self.get(uid), rid

    # ----- modify --------------------------------------------------------------------------------------------

    @staticmethod
    def check_writable(u: User) -> None:
        """A SET on a user being deleted is NotFound (its services are not processed either)."""
        if u.deleting:
            raise refuse(NOT_FOUND, f"User '{u.login}' is being deleted.")

    def modify(self, c: Customer, u: User, spec: UserSet, forced: str | None) -> int | None:
        """Apply the fields sent; the provisioning request when something changed (or a Failed target is retried)."""
        label = f"User '{u.login}'"
        problems = Problems()
        changes: dict = {}
        fields.field_properties(self.catalog, spec, "user", problems, label, lambda: self.property_values(
            c, u, self.backend.services.of_user(c.id, u.id, "HE")))
        if spec.upn and spec.upn.lower() != u.upn.lower():
            checked = self._upn(c, spec.upn, problems, label, exclude_user=u.id)
            if checked:
                changes["upn"] = checked
        for tag in ("firstname", "lastname", "fullname"):
            value = getattr(spec, tag)
            if value is not None and value != getattr(u, tag):
                if tag == "fullname" and not value:
                    problems.add(INVALID_FIELD, f"{label}: fullname cannot be empty.")
                else:
                    changes[tag] = value
        password = spec.password.password if spec.password is not None else None
        flags = self._password_flags(spec.password, problems, label)
        if password is not None:
            if password == "":
                problems.add(PASSWORD_REQUIRED, f"{label}: the password cannot be empty.")
            else:
                base = u.login
                suffix = "_" + c.code
                if base.lower().endswith(suffix.lower()):
                    base = base[: -len(suffix)]
                self._password_rule(c, password, problems, label, login=base, upn=changes.get("upn", u.upn),
                                    fullname=changes.get("fullname", u.fullname))
                if not rules.check_password(password, u.pw_hash):
                    changes["pw_hash"] = self.backend.hash_password(password)
                    changes["pw_set"] = datetime.date.today().isoformat()
        for column, value in flags.items():
            if value != getattr(u, column):
                changes[column] = value
        if flags.get("pw_neverexpires") and not c.allowneverexpires:
            problems.add(NEVER_EXPIRES_NOT_ALLOWED, f"{label}: customer '{c.code}' does not allow passwords "
                                                    "that never expire.")
        roles = fields.roles(self.catalog, spec.roles, problems, label, c.roles)
        if roles is not None:
            roles = self.catalog.role_order(roles)
            if roles != u.roles:
                changes["roles"] = json.dumps(roles)
        enabled = fields.flag(spec.enabled, problems, label, "enabled")
        if enabled is not None and int(enabled) != u.enabled:
            changes["enabled"] = int(enabled)
        if spec.properties is not None:
            merged = fields.properties(self.catalog, spec.properties, u.properties, problems, label, "user")
            if merged != u.properties:
                changes["properties"] = json.dumps(merged)
        problems.raise_if_any()
        if changes:
            self.conn.execute(f"UPDATE users SET {', '.join(k + '=?' for k in changes)} WHERE id=?",
                              (*changes.values(), u.id))
            self.backend.credentials_changed()
        if not (changes or (u.status == FAILED and spec.is_target)):
            return None
        fullname = changes.get("fullname", u.fullname)
        return self.backend.requests.change(u, [c.key], object_type="User", object_name=u.login,
                                            object_description=fullname, what=f"user {fullname} ({u.login})",
                                            customer=c, forced=forced)

    # ----- delete --------------------------------------------------------------------------------------------

    def delete(self, c: Customer, u: User, forced: str | None) -> int:
        """The delete request of a user whose mailbox is deprovisioned."""
        pending = self.backend.requests.pending_same(u, "delete")
        if pending is not None:
            return pending
        mailbox = self.backend.services.of_user(c.id, u.id, "HE")
        if mailbox is not None and mailbox.status != NOT_PROVISIONED:
            raise refuse(SERVICES_PROVISIONED, f"User '{u.login}': Hosted Exchange is {mailbox.status}; "
                                               "deprovision it first.")
        rid = self.backend.requests.queue(
            "delete", u, [c.key], object_type="User", object_name=u.login, object_description=u.fullname,
            description=f"Delete user {u.fullname} ({u.login})", customer=c, forced=forced,
        )
        self.backend.credentials_changed()
        return rid
