"""The CortexAPI actions (FIND / GET / SET / DELETE) and the rules of docs/protocol.md.

Everything here is synchronous and runs on the event loop's thread: a request is validated and written without
an ``await`` in between, so two concurrent identical creates cannot both pass the checks.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass

from . import rules
from .catalog import Catalog
from .engine import REQUEST_TYPES, Engine, split_key
from .xmlio import boolstr, child, children, error_response, local, response, text

CUSTOMER_SERVICES = (("HE", "Hosted Exchange"), ("ServiceAdmins", "Service Administration"))
LIVE = ("Provisioned", "Pending")
LOCATION = "Default"
USER_LOCATION = "Unassigned"
PASSWORD_MAX_AGE_DAYS = 42  # AD default, for password/expires

CUSTOMER_FILTERS = {
    "name": "code", "id": "id", "fullname": "fullname", "billingid": "billingid", "primarydomain": "primarydomain",
    "status": "status", "contactname": "contactname", "contactemail": "contactemail",
}
USER_FILTERS = {
    "name": "login", "id": "id", "fullname": "fullname", "upn": "upn", "status": "status",
    "firstname": "firstname", "lastname": "lastname",
}
CONSTANT_FILTERS = {"approvalpending": "False", "location": None, "department": USER_LOCATION}
SERVICE_FILTERS = ("name", "fullname", "status", "location")


@dataclass(frozen=True)
class Principal:
    kind: str  # "partner" or "customer"
    name: str
    partner_id: int
    customer_id: int | None = None
    user_id: int | None = None


class BadRequest(Exception):
    """The request as a whole is unusable (400 BadRequest)."""


class Outcome:
    """What a SET or DELETE produced, in document order."""

    def __init__(self):
        self.nodes: list = []
        self.accepted = 0
        self.refused = 0
        self.forbidden = False

    def request(self, rid: int) -> None:
        self.nodes.append(("request", None, [("id", None, str(rid))]))

    def refuse(self, errors: list[tuple[str, str]]) -> None:
        self.refused += 1
        for code, message in errors:
            self.nodes.append(("error", None, [("id", None, code), ("message", None, message)]))
            if code == "Forbidden":
                self.forbidden = True

    def status(self) -> int:
        if self.refused and not self.accepted:
            return 401 if self.forbidden else 400
        return 200


def _loads(value: str):
    return json.loads(value) if value else []


def _int(value: str | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _matches(filters: list[tuple[str, str]], get) -> bool:
    for field, wanted in filters:
        value = get(field)
        if value is None or str(value).casefold() != wanted:
            return False
    return True


def _leaf_filters(el, known: dict) -> list[tuple[str, str]]:
    """Exact, case-insensitive, AND-combined filters from the leaf children of ``el`` (empty ones ignored)."""
    filters = []
    for c in el:
        tag = local(c.tag)
        if len(c) or not (c.text or "").strip():
            continue
        if tag in known:
            filters.append((known[tag], c.text.strip().casefold()))
        elif tag in CONSTANT_FILTERS:
            filters.append(("@" + tag, c.text.strip().casefold()))
    return filters


class Cortex:
    def __init__(self, conn, catalog: Catalog, engine: Engine):
        self.conn = conn
        self.catalog = catalog
        self.engine = engine
        self.partner_names: dict[int, str] = {}
        self.auth_epoch = 0  # bumped whenever a change may affect a customer API user's credentials
        self.property_meta = {
            "customer": {p["name"].lower(): p for p in catalog.customer_properties},
            "user": {p["name"].lower(): p for p in catalog.user_properties},
        }
        self.mandatory_properties = [p["name"] for p in catalog.customer_properties if p.get("mandatory")]

    # ================================================================ entry point

    def register_partner(self, name: str) -> int:
        row = self.conn.execute("SELECT id FROM partners WHERE name=?", (name,)).fetchone()
        if row is None:
            self.conn.execute("BEGIN")
            pid = self.conn.execute("INSERT INTO partners (name) VALUES (?)", (name,)).lastrowid
            self.conn.execute("COMMIT")
        else:
            pid = row["id"]
        self.partner_names[pid] = name
        return pid

    def handle(self, principal: Principal, root, *, forced_failure: str | None = None) -> tuple[int, bytes]:
        """Run one parsed request; returns (HTTP status, XML body)."""
        if local(root.tag) != "request":
            raise BadRequest("The document root must be <request>.")
        action = (root.get("action") or "").strip().upper()
        targets = [c for c in root if local(c.tag) in ("customer", "request")]
        if action not in ("FIND", "GET", "SET", "DELETE"):
            raise BadRequest(f"Unknown action '{root.get('action') or ''}'; expected FIND, GET, SET or DELETE.")
        if not targets:
            raise BadRequest("The request names no target element (<customer> or <request>).")
        if action == "FIND":
            return 200, response(self._find(principal, targets))
        if action == "GET":
            nodes, errors = self._get(principal, targets)
            if errors:
                return 400, error_response(errors)
            return 200, response(nodes)
        outcome = Outcome()
        conn = self.conn
        conn.execute("BEGIN")
        try:
            for target in targets:
                if local(target.tag) != "customer":
                    outcome.refuse([("BadRequest", f"{action} is not possible on <request>.")])
                elif action == "SET":
                    self._set_customer(principal, target, outcome, forced_failure)
                else:
                    self._delete(principal, target, outcome, forced_failure)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self.engine.rollback()
            raise
        self.engine.activate()
        return outcome.status(), response(outcome.nodes)

    # ================================================================ lookups

    def _customers_in_scope(self, p: Principal, code: str | None = None, ident: int | None = None):
        sql = "SELECT * FROM customers WHERE "
        args: list = []
        if p.kind == "customer":
            sql += "id=?"
            args.append(p.customer_id)
        else:
            sql += "partner_id=?"
            args.append(p.partner_id)
        if code is not None:
            sql += " AND code=?"
            args.append(code)
        if ident is not None:
            sql += " AND id=?"
            args.append(ident)
        return self.conn.execute(sql + " ORDER BY id", args).fetchall()

    def _customer(self, p: Principal, code: str):
        rows = self._customers_in_scope(p, code=code)
        return rows[0] if rows else None

    def _reload(self, table: str, ident: int):
        return self.conn.execute(f"SELECT * FROM {table} WHERE id=?", (ident,)).fetchone()

    def _domains(self, customer_id: int) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT name FROM domains WHERE customer_id=? ORDER BY position", (customer_id,))]

    def _user(self, customer_id: int, el):
        """A user addressed by <name> (stored login) or <upn>, else by <id>; None if absent."""
        name, upn, ident = text(el, "name"), text(el, "upn"), _int(text(el, "id"))
        if name:
            return self.conn.execute("SELECT * FROM users WHERE login=? AND customer_id=?",
                                     (name, customer_id)).fetchone()
        if upn:
            return self.conn.execute("SELECT * FROM users WHERE upn=? AND customer_id=?", (upn, customer_id)).fetchone()
        if ident is not None:
            return self.conn.execute("SELECT * FROM users WHERE id=? AND customer_id=?",
                                     (ident, customer_id)).fetchone()
        return None

    def _service(self, customer_id: int, user_id: int, code: str):
        return self.conn.execute(
            "SELECT * FROM services WHERE customer_id=? AND user_id=? AND code=? COLLATE NOCASE",
            (customer_id, user_id, code),
        ).fetchone()

    def _customer_he(self, customer_id: int):
        return self._service(customer_id, 0, "HE")

    @staticmethod
    def _is_live(row) -> bool:
        """Provisioned, possibly with changes queued or running."""
        return row["status"] in LIVE or (row["status"] == "InProgress" and row["ever_provisioned"] == 1)

    # ================================================================ serialisation of objects

    def _role_nodes(self, names) -> list:
        nodes = []
        for name in self.catalog.role_order(names):
            entry = self.catalog.roles.get(name.lower())
            nodes.append(("role", (("id", entry[1] if entry else ""),), name))
        return nodes

    @staticmethod
    def _customer_summary(c) -> list:
        return [
            ("name", None, c["code"]), ("id", None, str(c["id"])), ("fullname", None, c["fullname"]),
            ("billingid", None, c["billingid"]), ("primarydomain", None, c["primarydomain"]),
            ("status", None, c["status"]), ("approvalpending", None, "False"),
        ]

    def _customer_detail(self, c, properties_el) -> list:
        partner = self.partner_names.get(c["partner_id"], "")
        nodes = [
            ("name", None, c["code"]), ("id", None, str(c["id"])), ("fullname", None, c["fullname"]),
            ("location", None, LOCATION), ("billingid", None, c["billingid"]),
            ("primarydomain", None, c["primarydomain"]),
            ("parent", None, [("name", None, partner), ("id", None, str(c["partner_id"])),
                              ("fullname", None, partner), ("billingid", None, ""), ("primarydomain", None, "")]),
            ("contactname", None, c["contactname"]), ("contactemail", None, c["contactemail"]),
            ("address", None, c["address"]), ("phone", None, c["phone"]), ("fax", None, c["fax"]),
            ("customerou", None, f"{c['fullname']}({c['code']}),{partner},Customers"),
            ("customeroustructure", None, "ungrouped"),
            ("domains", None, [("domain", None, d) for d in self._domains(c["id"])]),
            ("locations", None, [("name", None, LOCATION)]),
            ("departments", None, None),
            ("password", None, [
                ("minimumlength", None, str(c["minpwlen"])), ("bannerdisplaydays", None, str(c["bannerdays"])),
                ("changeatnextlogon", None, boolstr(c["pw_changeatnextlogon"])),
                ("allowneverexpires", None, boolstr(c["allowneverexpires"])),
            ]),
            ("roles", None, self._role_nodes(_loads(c["roles"]))),
            ("enabled", None, boolstr(c["enabled"])), ("status", None, c["status"]),
            ("approvalpending", None, "False"),
        ]
        if properties_el is not None:
            nodes.append(self._properties_node("customer", json.loads(c["properties"]), properties_el))
        return nodes

    def _properties_node(self, kind: str, values: dict, el) -> tuple:
        detail = rules.parse_bool(el.get("detail") or "false")
        meta = self.property_meta[kind]
        stored = {k.lower(): (k, v) for k, v in values.items()}
        nodes = []
        names = [p["name"] for p in sorted(meta.values(), key=lambda p: p.get("sortorder", 0))]
        names += sorted(k for k, _ in stored.values() if k.lower() not in meta)
        for name in names:
            value = stored.get(name.lower(), (name, ""))[1]
            if not detail:
                nodes.append(("property", None, [("name", None, name), ("value", None, value)]))
                continue
            m = meta.get(name.lower(), {})
            validation = dict(m.get("validation") or {"name": "Text", "type": "Text", "errormessage": ""})
            vnodes = [("name", None, str(validation.get("name", ""))), ("type", None, str(validation.get("type", ""))),
                      ("errormessage", None, str(validation.get("errormessage", "")))]
            if "value" in validation:
                vnodes.append(("value", None, str(validation["value"])))
            options = validation.get("options")
            if options == "countries":
                options = [{"name": n, "value": n} for n in self.catalog.country_options]
            if options:
                vnodes.append(("options", None, [
                    ("option", None, [("name", None, str(o["name"])), ("value", None, str(o["value"]))])
                    for o in options]))
            nodes.append(("property", None, [
                ("name", None, name), ("fullname", None, str(m.get("fullname", name))),
                ("mandatory", None, boolstr(m.get("mandatory"))), ("value", None, value),
                ("category", None, str(m.get("category", "General"))),
                ("description", None, str(m.get("description", ""))),
                ("sortorder", None, str(m.get("sortorder", 100))), ("visible", None, "True"),
                ("readonly", None, "False"), ("adattribute", None, str(m.get("adattribute", ""))),
                ("validation", None, vnodes),
            ]))
        return ("properties", None, nodes)

    @staticmethod
    def _user_summary(u) -> list:
        return [
            ("name", None, u["login"]), ("id", None, str(u["id"])), ("fullname", None, u["fullname"]),
            ("upn", None, u["upn"]), ("location", None, USER_LOCATION), ("department", None, USER_LOCATION),
            ("status", None, u["status"]), ("approvalpending", None, "False"),
        ]

    def _user_detail(self, u, properties_el, mailbox_live: bool) -> list:
        if u["pw_neverexpires"]:
            expires = "Never"
        else:
            set_on = datetime.date.fromisoformat(u["pw_set"])
            expires = (set_on + datetime.timedelta(days=PASSWORD_MAX_AGE_DAYS)).strftime("%Y%m%d")
        legacy = (f"/o=Cortex/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={u['login']}"
                  if mailbox_live else "")
        nodes = [
            ("name", None, u["login"]), ("id", None, str(u["id"])), ("fullname", None, u["fullname"]),
            ("upn", None, u["upn"]), ("firstname", None, u["firstname"]), ("lastname", None, u["lastname"]),
            ("externalemail", None, ""), ("location", None, USER_LOCATION), ("department", None, USER_LOCATION),
            ("phone", None, ""), ("customfield1", None, ""), ("customfield2", None, ""), ("expires", None, "Never"),
            ("legacyexchangedn", None, legacy), ("securityquestions", None, None),
            ("password", None, [("changeatnextlogon", None, boolstr(u["pw_changeatnextlogon"])),
                                ("expires", None, expires)]),
            ("addresses", None, [("address", (("primary", "True"),), u["upn"].lower())]),
            ("x500proxyaddresses", None, None),
            ("roles", None, self._role_nodes(_loads(u["roles"]))),
            ("locked", None, "False"), ("enabled", None, boolstr(u["enabled"])), ("status", None, u["status"]),
            ("approvalpending", None, "False"),
        ]
        if properties_el is not None:
            nodes.append(self._properties_node("user", json.loads(u["properties"]), properties_el))
        return nodes

    @staticmethod
    def _service_fullname(code: str) -> str:
        return dict(CUSTOMER_SERVICES).get(code, code)

    def _customer_service_summary(self, s) -> list:
        return [("name", None, s["code"]), ("fullname", None, self._service_fullname(s["code"])),
                ("location", None, LOCATION), ("status", None, s["status"]), ("approvalpending", None, "False")]

    def _customer_service_detail(self, c, s) -> list:
        nodes = [("name", None, s["code"]), ("fullname", None, self._service_fullname(s["code"])),
                 ("location", None, LOCATION), ("userlimit", None, "Unlimited"),
                 ("isbilled", None, boolstr(s["status"] != "NotProvisioned")), ("status", None, s["status"]),
                 ("approvalpending", None, "False")]
        if s["code"] != "HE":
            return nodes
        domains = self._domains(c["id"]) if s["status"] != "NotProvisioned" else []
        enabled = {n.lower() for n in _loads(s["userpackages"])}
        version = s["version"]
        used = {}
        for r in self.conn.execute(
            "SELECT userpackage, COUNT(*) FROM services WHERE customer_id=? AND user_id!=0 AND userpackage!=''"
            " GROUP BY userpackage COLLATE NOCASE", (c["id"],)
        ):
            used[r[0].lower()] = r[1]
        plans = []
        for key, plan in self.catalog.user_plans.items():
            if version and version not in plan.versions and key not in enabled:
                continue
            if not version and key not in enabled:
                continue
            plans.append(("userpackage", None, [
                ("name", None, plan.name), ("fullname", None, plan.fullname),
                ("userlimit", None, "Unlimited" if plan.userlimit is None else str(plan.userlimit)),
                ("used", None, str(used.get(key, 0))), ("enabled", None, boolstr(key in enabled)),
            ]))
        package = self.catalog.customer_plans.get(s["package"].lower()) if s["package"] else None
        nodes += [
            ("authoritativedomains", None, [("domain", None, d) for d in domains]),
            ("domains", None, [("domain", (("type", "authoritative"),), d) for d in domains]),
            ("UpdateEmailAddressPolicy", None, "False"),
            ("customeraddressformats", None, [("customerwide", None, "True")] + [
                ("address", None, [("example", None, f"firstname.lastname@{d}"), ("domain", None, d),
                                   ("pattern", None, "%g.%s"), ("primary", None, boolstr(d == c["primarydomain"])),
                                   ("assigned", None, "True")]) for d in domains]),
            ("version", None, version), ("mailboxstoragelimit", None, "Unlimited"),
            ("publicfolder", None, [("overridetemplate", None, "False"), ("create", None, "False"),
                                    ("storagelimit", None, "Unlimited"), ("warninglimit", None, "Unlimited"),
                                    ("itemlimit", None, "Unlimited")]),
            *plans,
            ("package", None, [("name", None, package.name if package else ""),
                               ("fullname", None, package.fullname if package else ""),
                               ("enabled", None, boolstr(package is not None))]),
        ]
        return nodes

    @staticmethod
    def _user_service_summary(s) -> list:
        return [("name", None, s["code"]), ("fullname", None, "Hosted Exchange"), ("status", None, s["status"]),
                ("approvalpending", None, "False")]

    def _user_service_detail(self, u, s) -> list:
        plan = self.catalog.user_plans.get(s["userpackage"].lower()) if s["userpackage"] else None
        return [("name", None, s["code"]), ("fullname", None, "Hosted Exchange"), ("status", None, s["status"]),
                ("approvalpending", None, "False"), ("replyaddress", None, u["upn"].lower()),
                ("userpackage", None, [("name", None, plan.name), ("fullname", None, plan.fullname)] if plan else None)]

    def _request_node(self, r) -> tuple:
        table, ident = split_key(r["object_key"])
        obj = self.conn.execute(f"SELECT status FROM {table} WHERE id=?", (ident,)).fetchone()
        nodes = [
            ("id", None, str(r["id"])), ("type", None, REQUEST_TYPES[r["kind"]]),
            ("name", None, ""), ("description", None, r["description"]), ("status", None, r["status"]),
            ("object", None, [("type", None, r["object_type"]), ("name", None, r["object_name"]),
                              ("description", None, r["object_description"]),
                              ("status", None, obj["status"] if obj is not None else "NotProvisioned")]),
        ]
        if r["status"] == "Failed":
            nodes.append(("message", None, r["message"] or "Provisioning failed"))
        return ("request", None, nodes)

    # ================================================================ FIND

    def _find(self, p: Principal, targets) -> list:
        out = []
        for target in targets:
            if local(target.tag) == "request":
                row = self._poll_row(p, target)
                if row is not None:
                    out.append(self._request_node(row))
                continue
            filters = _leaf_filters(target, CUSTOMER_FILTERS)
            code = next((v for f, v in filters if f == "code"), None)
            domain_filter = [(d.text or "").strip().casefold()
                             for dl in children(target, "domains") for d in children(dl, "domain")]
            domain_filter = [d for d in domain_filter if d]
            for c in self._customers_in_scope(p, code=code):
                if not _matches(filters, lambda f, c=c: c[f] if f[0] != "@" else CONSTANT_FILTERS[f[1:]] or LOCATION):
                    continue
                if domain_filter:
                    owned = {d.casefold() for d in self._domains(c["id"])}
                    if not all(d in owned for d in domain_filter):
                        continue
                nodes = self._customer_summary(c)
                for sub in target:
                    tag = local(sub.tag)
                    if tag == "user":
                        nodes.extend(self._find_users(c, sub))
                    elif tag == "service":
                        nodes.extend(self._find_services(c["id"], 0, sub, self._customer_service_summary))
                out.append(("customer", None, nodes))
        return out

    def _find_users(self, c, el) -> list:
        filters = _leaf_filters(el, USER_FILTERS)
        login = next((v for f, v in filters if f == "login"), None)
        if login is not None:
            rows = self.conn.execute("SELECT * FROM users WHERE customer_id=? AND login=?", (c["id"], login)).fetchall()
        else:
            rows = self.conn.execute("SELECT * FROM users WHERE customer_id=? ORDER BY id", (c["id"],)).fetchall()
        service_els = children(el, "service")
        services_by_user: dict[int, list] = {}
        if service_els and rows:
            if len(rows) == 1:
                srows = self.conn.execute("SELECT * FROM services WHERE user_id=? ORDER BY id", (rows[0]["id"],))
            else:
                srows = self.conn.execute(
                    "SELECT * FROM services WHERE customer_id=? AND user_id!=0 ORDER BY id", (c["id"],))
            for s in srows:
                services_by_user.setdefault(s["user_id"], []).append(s)
        out = []
        for u in rows:
            if not _matches(filters, lambda f, u=u: u[f] if f[0] != "@" else CONSTANT_FILTERS[f[1:]] or USER_LOCATION):
                continue
            nodes = self._user_summary(u)
            for sel in service_els:
                nodes.extend(self._filter_services(services_by_user.get(u["id"], ()), sel, self._user_service_summary))
            out.append(("user", None, nodes))
        return out

    def _find_services(self, customer_id: int, user_id: int, el, summary) -> list:
        rows = self.conn.execute(
            "SELECT * FROM services WHERE customer_id=? AND user_id=? ORDER BY id", (customer_id, user_id)).fetchall()
        return self._filter_services(rows, el, summary)

    def _filter_services(self, rows, el, summary) -> list:
        filters = []
        for c in el:
            tag = local(c.tag)
            if tag in SERVICE_FILTERS and not len(c) and (c.text or "").strip():
                filters.append((tag, c.text.strip().casefold()))
        out = []
        for s in rows:
            values = {"name": s["code"], "fullname": self._service_fullname(s["code"]) if s["user_id"] == 0
                      else "Hosted Exchange", "status": s["status"], "location": LOCATION}
            if _matches(filters, values.get):
                out.append(("service", None, summary(s)))
        return out

    # ================================================================ GET

    def _poll_row(self, p: Principal, el):
        rid = _int(text(el, "id"))
        if rid is None:
            return None
        row = self.conn.execute("SELECT * FROM requests WHERE id=?", (rid,)).fetchone()
        if row is None:
            return None
        if p.kind == "customer" and row["customer_id"] != p.customer_id:
            return None
        if row["partner_id"] != p.partner_id:
            return None
        return row

    def _get(self, p: Principal, targets):
        out, errors = [], []
        for target in targets:
            if local(target.tag) == "request":
                if not text(target, "id"):
                    errors.append(("MissingField", "Request: <id> is mandatory."))
                    continue
                row = self._poll_row(p, target)
                if row is None:
                    errors.append(("NotFound", f"Request '{text(target, 'id')}' could not be found."))
                else:
                    out.append(self._request_node(row))
                continue
            code, ident = text(target, "name"), _int(text(target, "id"))
            if code:
                rows = self._customers_in_scope(p, code=code)
            elif ident is not None:
                rows = self._customers_in_scope(p, ident=ident)
            else:
                rows = self._customers_in_scope(p)
            if not rows and (code or ident is not None):
                errors.append(("NotFound", f"Customer '{code or ident}' could not be found."))
                continue
            props = child(target, "properties")
            for c in rows:
                nodes = self._customer_detail(c, props)
                for sub in target:
                    tag = local(sub.tag)
                    if tag == "user":
                        self._get_users(c, sub, nodes, errors)
                    elif tag == "service":
                        self._get_services(c, None, sub, nodes, errors)
                out.append(("customer", None, nodes))
        return out, errors

    def _get_users(self, c, el, nodes, errors) -> None:
        if text(el, "name") or text(el, "upn") or _int(text(el, "id")) is not None:
            u = self._user(c["id"], el)
            if u is None:
                key = text(el, "name") or text(el, "upn") or text(el, "id")
                errors.append(("NotFound", f"User '{key}' of customer '{c['code']}' could not be found."))
                return
            users = [u]
        else:
            users = self.conn.execute("SELECT * FROM users WHERE customer_id=? ORDER BY id", (c["id"],)).fetchall()
        props = child(el, "properties")
        for u in users:
            mailbox = self._service(c["id"], u["id"], "HE")
            unodes = self._user_detail(u, props, mailbox is not None and self._is_live(mailbox))
            for sub in children(el, "service"):
                self._get_services(c, u, sub, unodes, errors)
            nodes.append(("user", None, unodes))

    def _get_services(self, c, u, el, nodes, errors) -> None:
        user_id = u["id"] if u is not None else 0
        name = text(el, "name")
        if name:
            s = self._service(c["id"], user_id, name)
            if s is None:
                owner = f"user '{u['login']}'" if u is not None else f"customer '{c['code']}'"
                errors.append(("NotFound", f"Service '{name}' of {owner} could not be found."))
                return
            rows = [s]
        else:
            rows = self.conn.execute(
                "SELECT * FROM services WHERE customer_id=? AND user_id=? ORDER BY id", (c["id"], user_id)).fetchall()
        for s in rows:
            detail = self._user_service_detail(u, s) if u is not None else self._customer_service_detail(c, s)
            nodes.append(("service", None, detail))

    # ================================================================ SET: customers

    def _parse_password_policy(self, el, errors, label) -> dict:
        changes = {}
        if el is None:
            return changes
        for tag, column, kind in (("minimumlength", "minpwlen", int), ("bannerdisplaydays", "bannerdays", int),
                                  ("changeatnextlogon", "pw_changeatnextlogon", bool),
                                  ("allowneverexpires", "allowneverexpires", bool)):
            value = text(el, tag)
            if value is None:
                continue
            if kind is int:
                number = _int(value)
                if number is None or not 0 <= number <= 99999:
                    errors.append(("InvalidField", f"{label}: password/{tag} must be a number between 0 and 99999."))
                    continue
                changes[column] = number
            else:
                flag = rules.parse_bool(value)
                if flag is None:
                    errors.append(("InvalidField", f"{label}: password/{tag} must be True or False."))
                    continue
                changes[column] = int(flag)
        return changes

    def _parse_roles(self, el, errors, label, allowed: list[str] | None = None) -> list[str] | None:
        """Role names from <roles><role>NAME</role>…</roles> (or id="{GUID}"); None when absent."""
        if el is None:
            return None
        names: list[str] = []
        allowed_keys = {n.lower() for n in allowed} if allowed is not None else None
        for r in children(el, "role"):
            value = (r.text or "").strip()
            name = None
            if value:
                entry = self.catalog.roles.get(value.lower())
                name = entry[0] if entry else None
            elif r.get("id"):
                guid = r.get("id").strip().lower()
                name = self.catalog.role_by_id.get(guid if guid.startswith("{") else "{" + guid + "}")
                value = r.get("id")
            else:
                continue
            if name is None:
                errors.append(("UnknownRole", f"{label}: role '{value}' does not exist."))
            elif allowed_keys is not None and name.lower() not in allowed_keys:
                errors.append(("RoleNotAllowed", f"{label}: role '{name}' is not among the customer's allowed roles."))
            elif name not in names:
                names.append(name)
        return names

    def _parse_enabled(self, el, errors, label, default=None):
        """The <enabled> flag of a customer or user SET; ``default`` when absent or invalid (the error is noted)."""
        value = text(el, "enabled")
        if value is None:
            return default
        flag = rules.parse_bool(value)
        if flag is None:
            errors.append(("InvalidField", f"{label}: enabled must be True or False."))
            return default
        return flag

    def _merge_properties(self, el, row, changes: dict, errors, label, kind: str) -> None:
        """A SET's <properties> merged into a stored customer's or user's; a change is noted in ``changes``."""
        props_el = child(el, "properties")
        if props_el is None:
            return
        current = json.loads(row["properties"])
        merged = self._parse_properties(props_el, current, errors, label, kind)
        if merged != current:
            changes["properties"] = json.dumps(merged)

    def _parse_properties(self, el, current: dict, errors, label, kind: str) -> dict:
        """Properties merged by name (keeps the stored spelling of a name)."""
        merged = dict(current)
        if el is None:
            return merged
        by_lower = {k.lower(): k for k in merged}
        meta = self.property_meta[kind]
        for prop in children(el, "property"):
            name = text(prop, "name")
            if not name:
                continue
            value = text(prop, "value") or ""
            m = meta.get(name.lower())
            if m is not None:
                name = m["name"]
                # An invalid value is still merged (so it is not also reported missing); errors abort the write.
                if value:
                    value, problem = self._check_property(m, value)
                    if problem:
                        errors.append(("InvalidField", f"{label}: {problem}"))
                elif m.get("mandatory") and name.lower() in by_lower:
                    errors.append(("InvalidField", f"{label}: property {name} cannot be empty."))
                    continue
            merged[by_lower.get(name.lower(), name)] = value
        return merged

    def _check_property(self, meta: dict, value: str) -> tuple[str, str | None]:
        validation = meta.get("validation") or {}
        message = validation.get("errormessage") or f"invalid value for {meta['name']}"
        if meta["name"] == "Country":
            canonical = self.catalog.country(value)
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

    def _parse_domains(self, el, errors, label) -> list[str] | None:
        if el is None:
            return None
        seen: dict[str, str] = {}
        for d in children(el, "domain"):
            name = (d.text or "").strip().rstrip(".")
            problem = rules.domain_problem(name)
            if problem:
                errors.append(("InvalidDomain", f"{label}: domain '{name}' {problem}."))
                continue
            seen.setdefault(name.lower(), name.lower())
        return list(seen.values())

    def _domain_owner(self, name: str):
        return self.conn.execute("SELECT customer_id FROM domains WHERE name=?", (name,)).fetchone()

    def _set_customer(self, p: Principal, el, out: Outcome, forced: str | None) -> None:
        code = text(el, "name")
        row = self._customer(p, code) if code else None
        if row is None:
            if p.kind != "partner":
                out.refuse([("Forbidden", "This account may not create customers.")])
                return
            row = self._create_customer(p, el, code, out, forced)
            if row is None:
                return
        else:
            if row["deleting"]:
                out.refuse([("NotFound", f"Customer '{row['code']}' is being deleted.")])
                return
            self._modify_customer(p, row, el, out, forced)
            row = self._reload("customers", row["id"])
        for sub in el:
            tag = local(sub.tag)
            if tag == "user":
                self._set_user(p, row, sub, out, forced)
            elif tag == "service":
                self._set_customer_service(p, row, sub, out, forced)
                row = self._reload("customers", row["id"])

    def _create_customer(self, p: Principal, el, code: str | None, out: Outcome, forced):
        fullname = text(el, "fullname")
        label = f"Customer '{code or fullname or '?'}'"
        errors: list[tuple[str, str]] = []
        values: dict = {}
        if not fullname:
            errors.append(("MissingField", f"{label}: fullname is mandatory."))
        elif not rules.valid_fullname(fullname):
            errors.append(("InvalidField", f"{label}: fullname must be 1-60 letters, digits, spaces, dots or hyphens."))
        elif self.conn.execute("SELECT 1 FROM customers WHERE partner_id=? AND fullname_key=?",
                               (p.partner_id, fullname.casefold())).fetchone():
            errors.append(("Duplicate", f"{label}: a customer named '{fullname}' already exists."))
        for tag in ("contactname", "contactemail", "address"):
            value = text(el, tag)
            if not value:
                errors.append(("MissingField", f"{label}: {tag} is mandatory."))
            values[tag] = value or ""
        if values["contactemail"] and not rules.EMAIL_RE.match(values["contactemail"]):
            errors.append(("InvalidField",
                           f"{label}: contactemail '{values['contactemail']}' is not an e-mail address."))
        for tag in ("phone", "fax"):
            values[tag] = text(el, tag) or ""
        billingid = text(el, "billingid") or ""
        if billingid and self.conn.execute("SELECT 1 FROM customers WHERE billingid=?", (billingid,)).fetchone():
            errors.append(("Duplicate", f"{label}: the Billing ID is in use by a different customer."))
        primary = (text(el, "primarydomain") or "").rstrip(".").lower()
        domains = self._parse_domains(child(el, "domains"), errors, label)
        if not primary:
            errors.append(("MissingField", f"{label}: primarydomain is mandatory."))
        else:
            problem = rules.domain_problem(primary)
            if problem:
                errors.append(("InvalidDomain", f"{label}: domain '{primary}' {problem}."))
            elif domains is not None and primary not in domains:
                errors.append(("PrimaryDomainNotInDomains",
                               f"{label}: primary domain '{primary}' is not in <domains>."))
        if domains is None:
            domains = [primary] if primary else []
        for d in domains:
            if not rules.domain_problem(d) and self._domain_owner(d) is not None:
                errors.append(("Duplicate", f"{label}: domain '{d}' is already used by another customer."))
        enabled = self._parse_enabled(el, errors, label, default=True)
        policy = self._parse_password_policy(child(el, "password"), errors, label)
        roles = self._parse_roles(child(el, "roles"), errors, label)
        if roles is None:
            roles = list(self.catalog.default_allowed_roles)
        properties = self._parse_properties(child(el, "properties"), {}, errors, label, "customer")
        present = {k.lower() for k, v in properties.items() if v}
        for name in self.mandatory_properties:
            if name.lower() not in present:
                errors.append(("MissingField", f"{label}: property {name} is mandatory."))
        if code:
            if not rules.CODE_RE.match(code):
                errors.append(("InvalidField", f"{label}: the code must be 1-20 letters or digits."))
            elif self.conn.execute("SELECT 1 FROM customers WHERE code=?", (code,)).fetchone():
                errors.append(("Duplicate", f"{label}: code '{code}' is already taken."))
        if errors:
            out.refuse(errors)
            return None
        if not code:
            def taken(candidate: str) -> bool:
                return self.conn.execute("SELECT 1 FROM customers WHERE code=?", (candidate,)).fetchone() is not None
            code = rules.generate_code(fullname, taken)
        cur = self.conn.execute(
            "INSERT INTO customers (partner_id, code, fullname, fullname_key, contactname, contactemail, address,"
            " phone, fax, billingid, primarydomain, minpwlen, bannerdays, pw_changeatnextlogon, allowneverexpires,"
            " roles, properties, enabled, status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'Requested')",
            (p.partner_id, code, fullname, fullname.casefold(), values["contactname"], values["contactemail"],
             values["address"], values["phone"], values["fax"], billingid, primary, policy.get("minpwlen", 8),
             policy.get("bannerdays", 0), policy.get("pw_changeatnextlogon", 0), policy.get("allowneverexpires", 0),
             json.dumps(self.catalog.role_order(roles)), json.dumps(properties), int(enabled)),
        )
        cid = cur.lastrowid
        self.conn.executemany("INSERT INTO domains (name, customer_id, position) VALUES (?, ?, ?)",
                              [(d, cid, i) for i, d in enumerate(domains)])
        self.conn.executemany("INSERT INTO services (customer_id, user_id, code) VALUES (?, 0, ?)",
                              [(cid, svc) for svc, _ in CUSTOMER_SERVICES])
        rid = self.engine.enqueue(
            "provision", f"C:{cid}", [], object_type="Customer", object_name=code, object_description=fullname,
            description=f"Provision customer {fullname}", partner_id=p.partner_id, customer_id=cid,
            forced_failure=forced,
        )
        out.request(rid)
        out.accepted += 1
        return self._reload("customers", cid)

    def _modify_customer(self, p: Principal, c, el, out: Outcome, forced) -> None:
        label = f"Customer '{c['code']}'"
        errors: list[tuple[str, str]] = []
        changes: dict = {}
        has_fields = any(local(s.tag) not in ("name", "user", "service") for s in el if isinstance(s.tag, str))
        # The customer is the SET's target when it carries fields or nothing else; an element that only leads to
        # users or services is a path, and does not re-queue a Failed customer.
        is_target = has_fields or not any(local(s.tag) in ("user", "service") for s in el if isinstance(s.tag, str))
        given_code = text(el, "code")
        if given_code and given_code.lower() != c["code"].lower():
            errors.append(("ImmutableField", f"{label}: the customer code cannot change."))
        fullname = text(el, "fullname")
        if fullname is not None and fullname != c["fullname"]:
            if not rules.valid_fullname(fullname):
                errors.append(("InvalidField",
                               f"{label}: fullname must be 1-60 letters, digits, spaces, dots or hyphens."))
            elif self.conn.execute("SELECT 1 FROM customers WHERE partner_id=? AND fullname_key=? AND id!=?",
                                   (c["partner_id"], fullname.casefold(), c["id"])).fetchone():
                errors.append(("Duplicate", f"{label}: a customer named '{fullname}' already exists."))
            else:
                changes["fullname"] = fullname
                changes["fullname_key"] = fullname.casefold()
        for tag in ("contactname", "contactemail", "address", "phone", "fax"):
            value = text(el, tag)
            if value is None or value == c[tag]:
                continue
            if tag in ("contactname", "contactemail", "address") and not value:
                errors.append(("MissingField", f"{label}: {tag} cannot be empty."))
            elif tag == "contactemail" and not rules.EMAIL_RE.match(value):
                errors.append(("InvalidField", f"{label}: contactemail '{value}' is not an e-mail address."))
            else:
                changes[tag] = value
        billingid = text(el, "billingid")
        if billingid is not None and billingid != c["billingid"]:
            if billingid and self.conn.execute("SELECT 1 FROM customers WHERE billingid=? AND id!=?",
                                               (billingid, c["id"])).fetchone():
                errors.append(("Duplicate", f"{label}: the Billing ID is in use by a different customer."))
            else:
                changes["billingid"] = billingid
        flag = self._parse_enabled(el, errors, label)
        if flag is not None and int(flag) != c["enabled"]:
            changes["enabled"] = int(flag)
        for column, value in self._parse_password_policy(child(el, "password"), errors, label).items():
            if value != c[column]:
                changes[column] = value

        # Domains: <primarydomain> alone adds itself to the list; <domains> replaces the list.
        current = self._domains(c["id"])
        primary = text(el, "primarydomain")
        primary = primary.rstrip(".").lower() if primary else None
        listed = self._parse_domains(child(el, "domains"), errors, label)
        new_primary = primary or c["primarydomain"]
        if primary is not None:
            problem = rules.domain_problem(primary)
            if problem:
                errors.append(("InvalidDomain", f"{label}: domain '{primary}' {problem}."))
        if listed is not None:
            new_domains = listed
            if new_primary not in new_domains:
                errors.append(("PrimaryDomainNotInDomains",
                               f"{label}: primary domain '{new_primary}' is not in <domains>."))
        else:
            new_domains = current + ([new_primary] if new_primary not in current else [])
        domains_changed = new_domains != current
        if domains_changed:
            for d in new_domains:
                if d in current:
                    continue
                owner = self._domain_owner(d)
                if owner is not None and owner[0] != c["id"]:
                    errors.append(("Duplicate", f"{label}: domain '{d}' is already used by another customer."))
            for d in current:
                if d not in new_domains:
                    user = self.conn.execute(
                        "SELECT login FROM users WHERE customer_id=? AND upn LIKE ? ESCAPE '\\' LIMIT 1",
                        (c["id"], "%@" + d.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")),
                    ).fetchone()
                    if user is not None:
                        errors.append(("DomainInUse", f"{label}: domain '{d}' is still used by the UPN of user "
                                                      f"'{user['login']}'."))
        if new_primary != c["primarydomain"]:
            changes["primarydomain"] = new_primary

        roles = self._parse_roles(child(el, "roles"), errors, label)
        if roles is not None:
            roles = self.catalog.role_order(roles)
            if roles != _loads(c["roles"]):
                kept = {r.lower() for r in roles}
                removed = [r for r in _loads(c["roles"]) if r.lower() not in kept]
                for role in removed:
                    holder = self._role_holder(c["id"], role)
                    if holder:
                        errors.append(("RoleInUse", f"{label}: role '{role}' is still held by user '{holder}'."))
                changes["roles"] = json.dumps(roles)
        self._merge_properties(el, c, changes, errors, label, "customer")
        if errors:
            out.refuse(errors)
            return
        if domains_changed:
            self.conn.execute("DELETE FROM domains WHERE customer_id=?", (c["id"],))
            self.conn.executemany("INSERT INTO domains (name, customer_id, position) VALUES (?, ?, ?)",
                                  [(d, c["id"], i) for i, d in enumerate(new_domains)])
        if changes:
            self.conn.execute(f"UPDATE customers SET {', '.join(k + '=?' for k in changes)} WHERE id=?",
                              (*changes.values(), c["id"]))
            if "roles" in changes or "enabled" in changes:
                self.auth_epoch += 1
        if changes or domains_changed or (c["status"] == "Failed" and is_target):
            kind = "modify" if c["ever_provisioned"] else "provision"
            name = changes.get("fullname", c["fullname"])
            rid = self.engine.enqueue(
                kind, f"C:{c['id']}", [], object_type="Customer", object_name=c["code"], object_description=name,
                description=f"{kind.capitalize()} customer {name}", partner_id=c["partner_id"],
                customer_id=c["id"], forced_failure=forced,
            )
            out.request(rid)
            out.accepted += 1
        elif has_fields:
            out.accepted += 1

    def _role_holder(self, customer_id: int, role: str) -> str | None:
        for u in self.conn.execute("SELECT login, roles FROM users WHERE customer_id=? AND roles LIKE ?",
                                   (customer_id, f'%"{role}"%')):
            if role in _loads(u["roles"]):
                return u["login"]
        return None

    # ================================================================ SET: users

    def _set_user(self, p: Principal, c, el, out: Outcome, forced) -> None:
        name, upn = text(el, "name"), text(el, "upn")
        u = None
        if name:
            u = self.conn.execute("SELECT * FROM users WHERE customer_id=? AND login IN (?, ?)",
                                  (c["id"], name, f"{name}_{c['code']}")).fetchone()
        elif upn:
            u = self.conn.execute("SELECT * FROM users WHERE customer_id=? AND upn=?", (c["id"], upn)).fetchone()
        if u is None:
            u = self._create_user(p, c, el, out, forced)
            if u is None:
                return
        elif u["deleting"]:
            out.refuse([("NotFound", f"User '{u['login']}' is being deleted.")])
            return
        else:
            self._modify_user(c, u, el, out, forced)
            u = self._reload("users", u["id"])
        for sub in children(el, "service"):
            self._set_user_service(c, u, sub, out, forced)

    def _check_upn(self, c, upn: str, errors, label, exclude_user: int = 0) -> str | None:
        local_part, at, domain = upn.rpartition("@")
        if not at or not rules.UPN_LOCAL_RE.match(local_part) or rules.domain_problem(domain):
            errors.append(("InvalidField", f"{label}: UPN '{upn}' is not of the form name@domain."))
            return None
        domain = domain.lower()
        if domain not in self._domains(c["id"]):
            errors.append(("DomainNotOwned",
                           f"{label}: the domain of UPN '{upn}' is not one of the customer's domains."))
            return None
        upn = f"{local_part}@{domain}"
        if self.conn.execute("SELECT 1 FROM users WHERE upn=? AND id!=?", (upn, exclude_user)).fetchone():
            errors.append(("Duplicate", f"{label}: UPN '{upn}' is already used."))
            return None
        return upn

    def _parse_password(self, el, errors, label) -> tuple[str | None, dict]:
        """(clear-text password or None, flags) from <password><password/>…</password> (or <password>TEXT)."""
        if el is None:
            return None, {}
        flags = {}
        if len(el):
            inner = child(el, "password")
            password = inner.text or "" if inner is not None else None
        else:
            password = el.text or ""
        for tag, column in (("changeatnextlogon", "pw_changeatnextlogon"), ("neverexpires", "pw_neverexpires")):
            value = text(el, tag) if len(el) else None
            if value is None:
                continue
            flag = rules.parse_bool(value)
            if flag is None:
                errors.append(("InvalidField", f"{label}: password/{tag} must be True or False."))
            else:
                flags[column] = int(flag)
        return password, flags

    def _create_user(self, p: Principal, c, el, out: Outcome, forced):
        name = text(el, "name")
        label = f"User '{name or text(el, 'upn') or '?'}'"
        errors: list[tuple[str, str]] = []
        if c["deleting"]:
            out.refuse([("NotFound", f"Customer '{c['code']}' is being deleted.")])
            return None
        if c["status"] == "Failed":
            out.refuse([("ParentNotProvisioned", f"{label}: customer '{c['code']}' is Failed; retry it first.")])
            return None
        login = base = None
        if not name:
            errors.append(("MissingField", f"{label}: name (login) is mandatory to create a user."))
        elif not rules.LOGIN_RE.match(name):
            errors.append(("InvalidField", f"{label}: login '{name}' contains characters a login cannot hold."))
        else:
            suffix = "_" + c["code"]
            if name.lower().endswith(suffix.lower()):
                base, login = name[: -len(suffix)], name
            else:
                base, login = name, name + suffix
            label = f"User '{login}'"
            if len(login) > rules.LOGIN_MAX:
                errors.append(("LoginTooLong", f"{label}: the login with its customer suffix is longer than "
                                               f"{rules.LOGIN_MAX} characters."))
            elif self.conn.execute("SELECT 1 FROM users WHERE login=?", (login,)).fetchone():
                errors.append(("Duplicate", f"{label}: login already used."))
        upn = text(el, "upn")
        if upn:
            upn = self._check_upn(c, upn, errors, label)
        elif login:
            upn = f"{login}@{c['primarydomain']}"
            if self.conn.execute("SELECT 1 FROM users WHERE upn=?", (upn,)).fetchone():
                errors.append(("Duplicate", f"{label}: UPN '{upn}' is already used."))
        firstname, lastname = text(el, "firstname") or "", text(el, "lastname") or ""
        fullname = text(el, "fullname") or " ".join(x for x in (firstname, lastname) if x) or (base or "")
        password, flags = self._parse_password(child(el, "password"), errors, label)
        if password is None or password == "":
            errors.append(("PasswordRequired", f"{label}: a password is mandatory to create a user."))
        elif login:
            for code, reason in rules.password_problems(password, minimum=c["minpwlen"], login=base,
                                                        upn=upn or "", fullname=fullname):
                errors.append((code, f"{label}: {reason}."))
        if flags.get("pw_neverexpires") and not c["allowneverexpires"]:
            errors.append(("NeverExpiresNotAllowed", f"{label}: customer '{c['code']}' does not allow passwords "
                                                     "that never expire."))
        allowed = _loads(c["roles"])
        roles = self._parse_roles(child(el, "roles"), errors, label, allowed)
        if roles is None:
            first = self.conn.execute("SELECT 1 FROM users WHERE customer_id=? LIMIT 1", (c["id"],)).fetchone() is None
            first_role = self.catalog.first_user_role
            roles = [first_role] if first and first_role.lower() in {r.lower() for r in allowed} else []
        enabled = self._parse_enabled(el, errors, label, default=True)
        properties = self._parse_properties(child(el, "properties"), {}, errors, label, "user")
        if errors:
            out.refuse(errors)
            return None
        cur = self.conn.execute(
            "INSERT INTO users (customer_id, login, upn, firstname, lastname, fullname, pw_hash, pw_changeatnextlogon,"
            " pw_neverexpires, pw_set, roles, properties, enabled, status)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,'Requested')",
            (c["id"], login, upn, firstname, lastname, fullname, rules.hash_password(password),
             flags.get("pw_changeatnextlogon", 0), flags.get("pw_neverexpires", 0), datetime.date.today().isoformat(),
             json.dumps(self.catalog.role_order(roles)), json.dumps(properties), int(enabled)),
        )
        uid = cur.lastrowid
        self.conn.execute("INSERT INTO services (customer_id, user_id, code) VALUES (?, ?, 'HE')", (c["id"], uid))
        rid = self.engine.enqueue(
            "provision", f"U:{uid}", [f"C:{c['id']}"], object_type="User", object_name=login,
            object_description=fullname, description=f"Provision user {fullname} ({login})",
            partner_id=c["partner_id"], customer_id=c["id"], forced_failure=forced,
        )
        out.request(rid)
        out.accepted += 1
        return self._reload("users", uid)

    def _modify_user(self, c, u, el, out: Outcome, forced) -> None:
        label = f"User '{u['login']}'"
        errors: list[tuple[str, str]] = []
        changes: dict = {}
        has_fields = any(local(s.tag) not in ("name", "service") for s in el if isinstance(s.tag, str))
        is_target = has_fields or child(el, "service") is None
        upn = text(el, "upn")
        if upn and upn.lower() != u["upn"].lower():
            checked = self._check_upn(c, upn, errors, label, exclude_user=u["id"])
            if checked:
                changes["upn"] = checked
        for tag in ("firstname", "lastname", "fullname"):
            value = text(el, tag)
            if value is not None and value != u[tag]:
                if tag == "fullname" and not value:
                    errors.append(("InvalidField", f"{label}: fullname cannot be empty."))
                else:
                    changes[tag] = value
        password, flags = self._parse_password(child(el, "password"), errors, label)
        if password is not None:
            if password == "":
                errors.append(("PasswordRequired", f"{label}: the password cannot be empty."))
            else:
                base = u["login"]
                suffix = "_" + c["code"]
                if base.lower().endswith(suffix.lower()):
                    base = base[: -len(suffix)]
                for code, reason in rules.password_problems(
                    password, minimum=c["minpwlen"], login=base, upn=changes.get("upn", u["upn"]),
                    fullname=changes.get("fullname", u["fullname"]),
                ):
                    errors.append((code, f"{label}: {reason}."))
                if not rules.check_password(password, u["pw_hash"]):
                    changes["pw_hash"] = rules.hash_password(password)
                    changes["pw_set"] = datetime.date.today().isoformat()
        for column, value in flags.items():
            if value != u[column]:
                changes[column] = value
        if flags.get("pw_neverexpires") and not c["allowneverexpires"]:
            errors.append(("NeverExpiresNotAllowed", f"{label}: customer '{c['code']}' does not allow passwords "
                                                     "that never expire."))
        roles = self._parse_roles(child(el, "roles"), errors, label, _loads(c["roles"]))
        if roles is not None:
            roles = self.catalog.role_order(roles)
            if roles != _loads(u["roles"]):
                changes["roles"] = json.dumps(roles)
        flag = self._parse_enabled(el, errors, label)
        if flag is not None and int(flag) != u["enabled"]:
            changes["enabled"] = int(flag)
        self._merge_properties(el, u, changes, errors, label, "user")
        if errors:
            out.refuse(errors)
            return
        if changes:
            self.conn.execute(f"UPDATE users SET {', '.join(k + '=?' for k in changes)} WHERE id=?",
                              (*changes.values(), u["id"]))
            self.auth_epoch += 1
        if changes or (u["status"] == "Failed" and is_target):
            kind = "modify" if u["ever_provisioned"] else "provision"
            fullname = changes.get("fullname", u["fullname"])
            rid = self.engine.enqueue(
                kind, f"U:{u['id']}", [f"C:{c['id']}"], object_type="User", object_name=u["login"],
                object_description=fullname, description=f"{kind.capitalize()} user {fullname} ({u['login']})",
                partner_id=c["partner_id"], customer_id=c["id"], forced_failure=forced,
            )
            out.request(rid)
            out.accepted += 1
        elif has_fields:
            out.accepted += 1

    # ================================================================ SET: services

    def _plan_for_version(self, plans: dict, name: str, version: str, what: str, errors, label):
        plan = plans.get(name.lower())
        if plan is None:
            errors.append(("UnknownPlan", f"{label}: {what} '{name}' does not exist."))
            return None
        if version and version not in plan.versions:
            errors.append(("UnknownPlan", f"{label}: {what} '{plan.name}' is not available for Exchange {version}."))
            return None
        return plan

    def _set_customer_service(self, p: Principal, c, el, out: Outcome, forced) -> None:
        name = text(el, "name")
        label = f"Service '{name or '?'}' of customer '{c['code']}'"
        if not name:
            out.refuse([("MissingField", f"{label}: <name> is mandatory.")])
            return
        s = self._service(c["id"], 0, name)
        if s is None:
            out.refuse([("NotFound", f"{label} could not be found.")])
            return
        if s["code"] != "HE":
            out.refuse([("InvalidField", f"{label}: only the Hosted Exchange (HE) service can be managed.")])
            return
        if c["deleting"]:
            out.refuse([("NotFound", f"Customer '{c['code']}' is being deleted.")])
            return
        if not self._is_live(c):
            out.refuse([("ParentNotProvisioned", f"{label}: customer '{c['code']}' is {c['status']}; "
                                                 "it must be Provisioned first.")])
            return
        errors: list[tuple[str, str]] = []
        changes: dict = {}
        locked = s["status"] not in ("NotProvisioned", "Failed") or s["ever_provisioned"]
        provisioning = s["status"] == "NotProvisioned"
        version = text(el, "version")
        if version:
            if version not in self.catalog.versions:
                errors.append(("InvalidField", f"{label}: Exchange version '{version}' is not offered "
                                               f"({', '.join(self.catalog.versions)})."))
            elif version != s["version"]:
                if locked:
                    errors.append(("ImmutableField", f"{label}: the Exchange version cannot change once provisioned."))
                else:
                    changes["version"] = version
        elif provisioning:
            errors.append(("MissingField", f"{label}: version is mandatory to provision Hosted Exchange."))
        effective_version = changes.get("version", s["version"])
        package_el = child(el, "package")
        package = text(package_el, "name") if package_el is not None else None
        if package:
            plan = self._plan_for_version(self.catalog.customer_plans, package, effective_version, "customer plan",
                                          errors, label)
            if plan is not None and plan.name != s["package"]:
                changes["package"] = plan.name
        elif provisioning:
            errors.append(("MissingField", f"{label}: a customer plan (<package>) is mandatory."))
        upkg_els = children(el, "userpackage")
        current_plans = _loads(s["userpackages"])
        new_plans = current_plans
        if upkg_els:
            new_plans = []
            for up in upkg_els:
                plan_name = text(up, "name")
                if not plan_name:
                    continue
                flag = rules.parse_bool(text(up, "enabled") or "True")
                if flag is None:
                    errors.append(("InvalidField", f"{label}: userpackage/enabled must be True or False."))
                    continue
                plan = self._plan_for_version(self.catalog.user_plans, plan_name, effective_version, "user plan",
                                              errors, label)
                if plan is not None and flag and plan.name not in new_plans:
                    new_plans.append(plan.name)
            kept = {n.lower() for n in new_plans}
            for removed in (n for n in current_plans if n.lower() not in kept):
                holder = self.conn.execute(
                    "SELECT u.login FROM services s JOIN users u ON u.id = s.user_id WHERE s.customer_id=?"
                    " AND s.user_id!=0 AND s.userpackage=? COLLATE NOCASE LIMIT 1", (c["id"], removed)).fetchone()
                if holder is not None:
                    errors.append(("PlanInUse", f"{label}: user plan '{removed}' is still used by the mailbox of "
                                                f"'{holder['login']}'."))
            if sorted(new_plans) != sorted(current_plans):
                changes["userpackages"] = json.dumps(new_plans)
        if provisioning and not new_plans and not errors:
            errors.append(("MissingField", f"{label}: at least one enabled user plan (<userpackage>) is mandatory."))
        if errors:
            out.refuse(errors)
            return
        if changes:
            self.conn.execute(f"UPDATE services SET {', '.join(k + '=?' for k in changes)} WHERE id=?",
                              (*changes.values(), s["id"]))
        if changes or s["status"] in ("NotProvisioned", "Failed"):
            kind = "modify" if s["ever_provisioned"] else "provision"
            verb = "Provision HE to" if kind == "provision" else "Modify HE for"
            rid = self.engine.enqueue(
                kind, f"S:{s['id']}", [f"C:{c['id']}"], object_type="Customer Service", object_name="HE",
                object_description=f"Hosted Exchange - {c['fullname']}", description=f"{verb} {c['fullname']}",
                partner_id=c["partner_id"], customer_id=c["id"], forced_failure=forced,
            )
            out.request(rid)
        out.accepted += 1

    def _set_user_service(self, c, u, el, out: Outcome, forced) -> None:
        name = text(el, "name")
        label = f"Service '{name or '?'}' of user '{u['login']}'"
        if not name:
            out.refuse([("MissingField", f"{label}: <name> is mandatory.")])
            return
        s = self._service(c["id"], u["id"], name)
        if s is None:
            out.refuse([("NotFound", f"{label} could not be found.")])
            return
        if u["deleting"]:
            out.refuse([("NotFound", f"User '{u['login']}' is being deleted.")])
            return
        if u["status"] == "Failed":
            out.refuse([("ParentNotProvisioned", f"{label}: user '{u['login']}' is Failed; retry it first.")])
            return
        he = self._customer_he(c["id"])
        if he is None or not self._is_live(he):
            status = he["status"] if he is not None else "NotProvisioned"
            out.refuse([("ParentNotProvisioned", f"{label}: Hosted Exchange of customer '{c['code']}' is {status}; "
                                                 "it must be Provisioned first.")])
            return
        errors: list[tuple[str, str]] = []
        changes: dict = {}
        upkg = child(el, "userpackage")
        plan_name = text(upkg, "name") if upkg is not None else None
        if plan_name:
            plan = self._plan_for_version(self.catalog.user_plans, plan_name, he["version"], "user plan", errors, label)
            if plan is not None:
                if plan.name.lower() not in {n.lower() for n in _loads(he["userpackages"])}:
                    errors.append(("PlanNotEnabled", f"{label}: user plan '{plan.name}' is not enabled on customer "
                                                     f"'{c['code']}'."))
                elif plan.name != s["userpackage"]:
                    if plan.userlimit is not None:
                        used = self.conn.execute(
                            "SELECT COUNT(*) FROM services WHERE customer_id=? AND user_id!=0 AND user_id!=?"
                            " AND userpackage=? COLLATE NOCASE", (c["id"], u["id"], plan.name)).fetchone()[0]
                        if used >= plan.userlimit:
                            errors.append(("PlanLimitReached", f"{label}: user plan '{plan.name}' allows "
                                                               f"{plan.userlimit} mailboxes and all are used."))
                    changes["userpackage"] = plan.name
        elif s["status"] == "NotProvisioned" or not s["userpackage"]:
            errors.append(("MissingField", f"{label}: a user plan (<userpackage>) is mandatory."))
        if errors:
            out.refuse(errors)
            return
        if changes:
            self.conn.execute("UPDATE services SET userpackage=? WHERE id=?", (changes["userpackage"], s["id"]))
        if changes or s["status"] in ("NotProvisioned", "Failed"):
            kind = "modify" if s["ever_provisioned"] else "provision"
            verb = "Provision HE to" if kind == "provision" else "Modify HE for"
            rid = self.engine.enqueue(
                kind, f"S:{s['id']}", [f"U:{u['id']}", f"S:{he['id']}", f"C:{c['id']}"], object_type="User Service",
                object_name="HE", object_description=f"Hosted Exchange - {u['fullname']}",
                description=f"{verb} {u['fullname']} ({u['login']})", partner_id=c["partner_id"],
                customer_id=c["id"], forced_failure=forced,
            )
            out.request(rid)
        out.accepted += 1

    # ================================================================ DELETE

    def _pending_same(self, key: str, kind: str) -> int | None:
        latest = self.engine.latest_request(key)
        return latest[0] if latest is not None and latest[1] == kind else None

    def _delete(self, p: Principal, el, out: Outcome, forced) -> None:
        code = text(el, "name")
        c = self._customer(p, code) if code else None
        if c is None:
            out.refuse([("NotFound", f"Customer '{code or '?'}' could not be found.")])
            return
        users = children(el, "user")
        services = children(el, "service")
        if not users and not services:
            self._delete_customer(p, c, out, forced)
            return
        for sub in el:
            tag = local(sub.tag)
            if tag == "user":
                u = self._user(c["id"], sub)
                if u is None:
                    key = text(sub, "name") or text(sub, "upn") or "?"
                    out.refuse([("NotFound", f"User '{key}' of customer '{c['code']}' could not be found.")])
                    continue
                user_services = children(sub, "service")
                if not user_services:
                    self._delete_user(c, u, out, forced)
                for svc in user_services:
                    self._deprovision(c, u, svc, out, forced)
            elif tag == "service":
                self._deprovision(c, None, sub, out, forced)

    def _delete_customer(self, p: Principal, c, out: Outcome, forced) -> None:
        label = f"Customer '{c['code']}'"
        if p.kind != "partner":
            out.refuse([("Forbidden", "This account may not delete customers.")])
            return
        pending = self._pending_same(f"C:{c['id']}", "delete")
        if pending is not None:
            out.request(pending)
            out.accepted += 1
            return
        errors = []
        user = self.conn.execute("SELECT login FROM users WHERE customer_id=? LIMIT 1", (c["id"],)).fetchone()
        if user is not None:
            errors.append(("HasUsers", f"{label} still has users (e.g. '{user['login']}'); delete them first."))
        for s in self.conn.execute("SELECT code, status FROM services WHERE customer_id=? AND user_id=0", (c["id"],)):
            if s["status"] != "NotProvisioned":
                errors.append(("ServicesProvisioned", f"{label}: service {s['code']} is {s['status']}; "
                                                      "deprovision it first."))
        if errors:
            out.refuse(errors)
            return
        rid = self.engine.enqueue(
            "delete", f"C:{c['id']}", [], object_type="Customer", object_name=c["code"],
            object_description=c["fullname"], description=f"Delete customer {c['fullname']}",
            partner_id=c["partner_id"], customer_id=c["id"], forced_failure=forced,
        )
        out.request(rid)
        out.accepted += 1

    def _delete_user(self, c, u, out: Outcome, forced) -> None:
        pending = self._pending_same(f"U:{u['id']}", "delete")
        if pending is not None:
            out.request(pending)
            out.accepted += 1
            return
        mailbox = self._service(c["id"], u["id"], "HE")
        if mailbox is not None and mailbox["status"] != "NotProvisioned":
            out.refuse([("ServicesProvisioned", f"User '{u['login']}': Hosted Exchange is {mailbox['status']}; "
                                                "deprovision it first.")])
            return
        rid = self.engine.enqueue(
            "delete", f"U:{u['id']}", [f"C:{c['id']}"], object_type="User", object_name=u["login"],
            object_description=u["fullname"], description=f"Delete user {u['fullname']} ({u['login']})",
            partner_id=c["partner_id"], customer_id=c["id"], forced_failure=forced,
        )
        self.auth_epoch += 1
        out.request(rid)
        out.accepted += 1

    def _deprovision(self, c, u, el, out: Outcome, forced) -> None:
        name = text(el, "name")
        owner = f"user '{u['login']}'" if u is not None else f"customer '{c['code']}'"
        if not name:
            out.refuse([("MissingField", f"Service of {owner}: <name> is mandatory.")])
            return
        s = self._service(c["id"], u["id"] if u is not None else 0, name)
        if s is None:
            out.refuse([("NotFound", f"Service '{name}' of {owner} could not be found.")])
            return
        key = f"S:{s['id']}"
        pending = self._pending_same(key, "deprovision")
        if pending is not None:
            out.request(pending)
            out.accepted += 1
            return
        if s["status"] == "NotProvisioned":
            out.refuse([("NotFound", f"Service '{s['code']}' of {owner} is not provisioned.")])
            return
        if u is None:
            holder = self.conn.execute(
                "SELECT u.login, s.status FROM services s JOIN users u ON u.id = s.user_id WHERE s.customer_id=?"
                " AND s.user_id!=0 AND s.status!='NotProvisioned' LIMIT 1", (c["id"],)).fetchone()
            if holder is not None:
                out.refuse([("ServicesProvisioned",
                             f"Service '{s['code']}' of {owner}: the mailbox of '{holder['login']}' is "
                             f"{holder['status']}; deprovision it first.")])
                return
            ancestors = [f"C:{c['id']}"]
            who, obj_type = c["fullname"], "Customer Service"
        else:
            he = self._customer_he(c["id"])
            ancestors = [f"U:{u['id']}", f"S:{he['id']}", f"C:{c['id']}"]
            who, obj_type = u["fullname"], "User Service"
        rid = self.engine.enqueue(
            "deprovision", key, ancestors, object_type=obj_type, object_name=s["code"],
            object_description=f"Hosted Exchange - {who}", description=f"Deprovision HE from {who}",
            partner_id=c["partner_id"], customer_id=c["id"], forced_failure=forced,
        )
        out.request(rid)
        out.accepted += 1
