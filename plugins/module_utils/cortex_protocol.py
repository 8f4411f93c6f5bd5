# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CortexAPI mapping: which XML reads and writes each object, and how answers become Python dicts.

Every reading of the protocol that the public sources leave open (docs/protocol.md) lives here and only here:
element names and paths (from the field declarations of :mod:`cortex_schema`), the password block, replace
semantics of lists (we always send the complete desired list), several objects in one SET, how a service is
deprovisioned (DELETE on the path down to the service), how a failed provisioning is queued again (a SET on the
object), what "not found" looks like, and how statuses map to the console's colours. A team facing a real server
that differs changes this file, not the modules.

Objects come back as dicts keyed by the modules' option names (``display_name``, ``primary_domain``...), so the
modules compare like with like.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError, element, error_list
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_schema import (
    TENANT_FIELDS, USER_FACTS, USER_FIELDS, parse, render, to_bool, to_int)

EXCHANGE_SERVICE = "HE"

STATUS_COLORS = {
    "NotProvisioned": "grey",
    "Requested": "yellow",
    "InProgress": "orange",
    "Provisioned": "green",
    "Failed": "red",
    "Pending": "blue",
}
# Statuses after which a provisioning request will not move any more.
FINAL_STATUSES = frozenset(("Provisioned", "Failed", "NotProvisioned"))
BUSY_STATUSES = frozenset(("Requested", "InProgress", "Pending"))
# The API guide documents "not found" as an error message saying what could not be found.
NOT_FOUND_MESSAGE = re.compile(r"(could not|cannot|can't|was not|wasn't) be found|not found|does not exist", re.I)


def status_color(status):
    return STATUS_COLORS.get(status, "grey")


def with_color(obj):
    """Add ``status_color`` beside ``status`` (every object the modules return carries both)."""
    if obj is not None and "status" in obj:
        obj["status_color"] = status_color(obj["status"])
    return obj


def _text(node, tag):
    value = node.findtext(tag)
    return value.strip() if value is not None else None


def request_ids(root):
    """(request ids, errors) of a SET/DELETE answer, in document order; an empty answer has neither."""
    errors = [((n.findtext("id") or "").strip(), (n.findtext("message") or "").strip()) for n in root.findall("error")]
    ids = [to_int(n.findtext("id")) for n in root.findall("request")]
    return [i for i in ids if i is not None], errors


def _single(root):
    """The request ids of a one-object write; an ``<error>`` in a 200 answer is raised."""
    ids, errors = request_ids(root)
    if errors:
        raise CortexError("; ".join("%s: %s" % e for e in errors), 200, errors)
    return ids


def _required(root, path, what):
    """The object a GET must answer: its absence (an empty ``<response/>``, another object) is an error naming what was
    expected, never "no such object" (that is a 400 NotFound) nor an object of empty fields."""
    node = root.find(path)
    if node is not None:
        return node
    errors = error_list(root)
    if errors:
        raise CortexError("; ".join("%s: %s" % error for error in errors), 200, errors)
    raise CortexError("the answer to the GET of %s holds no <%s>: it is not the CortexAPI's answer for it"
                      % (what, path.replace("/", "><")), 200)


def is_not_found(error):
    """A GET of a missing object: our error id ``NotFound``, or a 400 whose message says it could not be found."""
    if not isinstance(error, CortexError):
        return False
    if "NotFound" in error.error_ids:
        return True
    return error.status == 400 and any(NOT_FOUND_MESSAGE.search(message or "") for dummy, message in error.errors)


# ---------------------------------------------------------------- parsing

def parse_tenant(node):
    tenant = parse(node, TENANT_FIELDS)
    tenant["id"] = to_int(_text(node, "id"))
    tenant["status"] = _text(node, "status")
    if node.find("contactname") is not None:  # detail form
        tenant["enabled"] = to_bool(_text(node, "enabled"))
        tenant["parent"] = node.findtext("parent/name")
    return with_color(tenant)


def parse_user(node):
    user = parse(node, USER_FIELDS + USER_FACTS)
    user["id"] = to_int(_text(node, "id"))
    for service in node.findall("service"):
        if _text(service, "name") == EXCHANGE_SERVICE:
            user["exchange"] = parse_mailbox(service)
    return with_color(user)


def parse_property_rules(node):
    rules = {}
    for prop in node.findall("properties/property"):
        validation = prop.find("validation")
        rule = dict(mandatory=to_bool(_text(prop, "mandatory")) or False)
        if validation is not None:
            kind = _text(validation, "type") or ""
            rule["type"] = kind
            if kind == "SQLQueryDDL":
                rule["options"] = [(o.findtext("name") or "").strip() for o in validation.findall("options/option")]
            elif kind == "RegularExpression":
                rule["pattern"] = _text(validation, "value")
            elif kind == "RangeValidator":
                rule["minimum"], rule["maximum"] = to_int(_text(validation, "minimum")), to_int(_text(validation, "maximum"))
        rules[_text(prop, "name") or ""] = rule
    return rules


def parse_mailbox(node):
    mailbox = {"status": _text(node, "status")}
    if node.find("userpackage") is not None or node.find("replyaddress") is not None:
        mailbox.update({
            "plan": node.findtext("userpackage/name"),
            "plan_name": node.findtext("userpackage/fullname"),
            "reply_address": _text(node, "replyaddress"),
        })
    return with_color(mailbox)


def parse_plans(node, tag):
    """The customer plans (``package``) or user plans (``userpackage``) of an HE service detail."""
    plans = []
    for package in node.findall(tag):
        limit = _text(package, "userlimit")
        plans.append({
            "name": _text(package, "name"),
            "fullname": _text(package, "fullname"),
            # a number, or None for Unlimited
            "user_limit": to_int(limit),
            # True/False in the recorded CPSM answers (whether any mailbox uses it), not a count
            "used": to_bool(_text(package, "used")),
            "enabled": to_bool(_text(package, "enabled")),
            "versions": [(v.text or "").strip() for v in package.findall("versions/version")] or None,
        })
    return plans


def parse_tenant_exchange(node):
    service = {"name": _text(node, "name"), "status": _text(node, "status")}
    if node.find("version") is not None or node.find("userpackage") is not None:  # detail form
        plans = parse_plans(node, "userpackage")
        service.update({
            "version": _text(node, "version"),
            "versions": [(v.text or "").strip() for v in node.findall("versions/version")] or None,
            "customer_plan": node.findtext("package/name"),
            "customer_plans": parse_plans(node, "package"),
            "user_plans": [plan["name"] for plan in plans if plan["enabled"]],
            "plans": plans,
        })
    return with_color(service)


def parse_request(node):
    request = {
        "id": to_int(_text(node, "id")),
        "type": _text(node, "type"),
        "description": _text(node, "description"),
        "status": _text(node, "status"),
        "object_type": node.findtext("object/type"),
        "object_name": node.findtext("object/name"),
        "message": _text(node, "message"),
    }
    return with_color(request)


# ---------------------------------------------------------------- writing

def tenant_fields(changes):
    """SET children of a customer, in the documented order, from option-named changes (the code excluded)."""
    return render(dict(changes, code=None), TENANT_FIELDS)


def user_fields(changes):
    """SET children of a user after its ``<name>``, from option-named changes (the login excluded)."""
    return render(dict(changes, login=None), USER_FIELDS)


def _customer(code, children=None):
    return element("customer", [("name", code)] + list(children or []))


def _exchange(children=None):
    return element("service", [("name", EXCHANGE_SERVICE)] + list(children or []))


def _user(login, children=None):
    return element("user", [("name", login)] + list(children or []))


class CortexAPI(object):
    """The objects the collection manages, over one :class:`CortexClient`."""

    def __init__(self, client):
        self.client = client
        self._partner_code = None  # the first customer of a listing of every customer, once one was read
        self.batch_reads = True  # several requests read in one GET, until the server shows it does not answer so

    def read_ahead(self, reads, parallel):
        """Send at once reads the caller makes next (callables reading through this API), each answer kept for the
        read that sends the same request (:meth:`CortexClient.read_ahead`): the same requests, fewer round trips."""
        if reads:
            self.client.read_ahead(reads, parallel)

    def drop_kept(self):
        """Forget what reads sent ahead answered and no read took (nothing read ahead outlives the reading phase)."""
        self.client.drop_kept()

    # tenants (customers)
    def find_tenants(self, code=None, name=None):
        """Summaries of the customers matching the filters. Without a filter the listing holds at least the
        account's own customer (the partner's reseller, first): an empty one is an error, not "no tenant"."""
        root = self.client.call("FIND", element("customer", [("name", code), ("fullname", name)]))
        found = [parse_tenant(node) for node in root.findall("customer")]
        if not found and code is None and name is None:
            raise CortexError("the listing of every customer (FIND <customer/>) holds no customer, not even the "
                              "account's own, which Cortex always lists: it is not the CortexAPI's answer", 200)
        if code is None and name is None:
            self._partner_code = found[0]["code"]  # the partner's own customer, first (cortex_tenancy.partner_code)
        return found

    def get_tenant(self, code):
        root = self.client.call("GET", _customer(code, [element("properties", attrib={"detail": "true"})]))
        return parse_tenant(_required(root, "customer", "customer '%s'" % code))

    def get_tenants(self):
        """Every customer the account can see, in detail, in one GET with an empty ``<customer>`` (as FIND lists
        everything with an empty element) [dec: docs/protocol.md]; None when the server does not answer that way."""
        if not self.batch_reads:
            return None
        try:
            root = self.client.call("GET", element("customer"))
        except CortexError as exc:
            if exc.status == 400 and not is_not_found(exc):
                return None
            raise
        tenants = [parse_tenant(node) for node in root.findall("customer")]
        if not tenants or "domains" not in tenants[0]:  # none at all: not even the account's own customer
            return None
        return tenants

    def get_tenant_rules(self, code):
        """A customer's detail and the rules of its extended properties (``<properties detail="true"/>``): a dict from
        property name to ``mandatory``, ``type`` and, by validation type, ``options`` (SQLQueryDDL), ``pattern``
        (RegularExpression), ``minimum``/``maximum`` (RangeValidator)."""
        root = self.client.call("GET", _customer(code, [element("properties", attrib={"detail": "true"})]))
        node = _required(root, "customer", "customer '%s'" % code)
        return parse_tenant(node), parse_property_rules(node)

    def tenant_services(self, code):
        root = self.client.call("FIND", _customer(code, [element("service")]))
        return [with_color({"name": _text(s, "name"), "fullname": _text(s, "fullname"), "status": _text(s, "status")})
                for s in root.findall("customer/service")]

    def create_tenant(self, desired):
        customer = element("customer", [("name", desired.get("code"))] + tenant_fields(desired))
        return _single(self.client.call("SET", customer))

    def update_tenant(self, code, changes):
        return _single(self.client.call("SET", _customer(code, tenant_fields(changes))))

    def delete_tenant(self, code):
        return _single(self.client.call("DELETE", _customer(code)))

    # users
    def find_users(self, code, upn=None, with_exchange=False, login=None):
        """Summaries of a tenant's users (all, or the one with this UPN or stored login); None when the tenant is
        not found."""
        user = element("user", [("name", login), ("upn", upn), _exchange() if with_exchange else None])
        root = self.client.call("FIND", _customer(code, [user]))
        customer = root.find("customer")
        if customer is None:
            return None
        return [parse_user(node) for node in customer.findall("user")]

    def get_user(self, code, login, with_exchange=False, properties=False):
        """A user's detail; ``properties``: with its extended properties (the fields stored as properties)."""
        children = [element("properties") if properties else None, _exchange() if with_exchange else None]
        root = self.client.call("GET", _customer(code, [_user(login, children)]))
        return parse_user(_required(root, "customer/user", "user '%s' of customer '%s'" % (login, code)))

    def get_users(self, code, with_exchange=False, properties=False):
        """Every user of a tenant in detail, in one GET with an empty ``<user>`` (as FIND lists everything with an
        empty element) [dec: docs/protocol.md]; None when the server does not answer that way (read them one by
        one then). ``properties``: with their extended properties."""
        if not self.batch_reads:
            return None
        user = element("user", [element("properties") if properties else None, _exchange() if with_exchange else None])
        try:
            root = self.client.call("GET", _customer(code, [user]))
        except CortexError as exc:
            if exc.status == 400 and not is_not_found(exc):
                self.batch_reads = False
                return None
            raise
        customer = root.find("customer")
        if customer is None:
            return None
        users = [parse_user(node) for node in customer.findall("user")]
        if users and "first_name" not in users[0]:  # summaries, not details: not what was asked
            return None
        return users

    def create_user(self, code, login, desired):
        return _single(self.client.call("SET", _customer(code, [_user(login, user_fields(desired))])))

    def update_user(self, code, login, changes):
        return _single(self.client.call("SET", _customer(code, [_user(login, user_fields(changes))])))

    def set_users(self, code, entries):
        """One SET for several users: ``entries`` are ``(login, option-named fields)``. Returns (ids, errors)."""
        users = [_user(login, user_fields(fields)) for login, fields in entries]
        return request_ids(self.client.call("SET", _customer(code, users)))

    def delete_user(self, code, login):
        return _single(self.client.call("DELETE", _customer(code, [_user(login)])))

    # Hosted Exchange, tenant level
    def get_tenant_exchange(self, code):
        root = self.client.call("GET", _customer(code, [_exchange()]))
        return parse_tenant_exchange(_required(root, "customer/service", "the Hosted Exchange of customer '%s'" % code))

    def set_tenant_exchange(self, code, version=None, customer_plan=None, user_plans=None):
        children = [("version", version)]
        if customer_plan is not None:
            children.append(("package", [("name", customer_plan), ("enabled", True)]))
        for plan in user_plans or []:
            children.append(("userpackage", [("name", plan), ("enabled", True)]))
        return _single(self.client.call("SET", _customer(code, [_exchange(children)])))

    def deprovision_tenant_exchange(self, code):
        return _single(self.client.call("DELETE", _customer(code, [_exchange()])))

    # Hosted Exchange, user level (mailboxes)
    def set_mailbox(self, code, login, plan):
        return _single(self.client.call("SET", _customer(code, [_user(login, [_mailbox(plan)])])))

    def set_mailboxes(self, code, entries):
        """One SET for several mailboxes: ``entries`` are ``(login, plan)``. Returns (ids, errors)."""
        users = [_user(login, [_mailbox(plan)]) for login, plan in entries]
        return request_ids(self.client.call("SET", _customer(code, users)))

    def deprovision_mailbox(self, code, login):
        return _single(self.client.call("DELETE", _customer(code, [_user(login, [_exchange()])])))

    # provisioning requests
    def get_request(self, request_id):
        root = self.client.call("GET", element("request", [("id", request_id)]))
        return parse_request(_required(root, "request", "request %s" % request_id))

    def get_requests(self, request_ids):
        """Several provisioning requests in one GET (one ``<request>`` target each), as a list aligned with
        ``request_ids``: the request's dict, or a CortexError. The answer is matched by id; a request it lacks (a
        server that answers only the first target, or refuses several) is read on its own, and from then on every
        request is read on its own [dec: docs/protocol.md]."""
        answers = {}
        if len(request_ids) > 1 and self.batch_reads:
            try:
                root = self.client.call("GET", *[element("request", [("id", rid)]) for rid in request_ids])
                for node in root.findall("request"):
                    request = parse_request(node)
                    answers[request["id"]] = request
            except CortexError as exc:
                if exc.status is None or exc.status >= 500 or exc.status == 401:
                    return [exc] * len(request_ids)
            if len(answers) < len(request_ids):
                self.batch_reads = False
        found = []
        for rid in request_ids:
            if rid not in answers:
                try:
                    answers[rid] = self.get_request(rid)
                except CortexError as exc:
                    answers[rid] = exc
            found.append(answers[rid])
        return found

    def object_statuses(self, code, family):
        """Statuses of a tenant's objects from one listing, keyed like :func:`cortex_kinds.ref_key`.

        ``family`` (cortex_kinds.Kind.family) ``tenant``: the tenant and its Hosted Exchange; ``users``: its users and
        their mailboxes. Objects that do not exist are absent.
        """
        return getattr(self, "_statuses_of_" + family)(code, code.casefold())

    def _statuses_of_tenant(self, code, key):
        root = self.client.call("FIND", _customer(code, [element("service")]))
        found = {}
        for node in root.findall("customer"):
            found[("tenant", key, "")] = _text(node, "status")
            for service in node.findall("service"):
                if _text(service, "name") == EXCHANGE_SERVICE:
                    found[("exchange", key, "")] = _text(service, "status")
        return found

    def _statuses_of_users(self, code, key):
        found = {}
        for user in self.find_users(code, with_exchange=True) or []:
            login = (user.get("login") or "").casefold()
            found[("user", key, login)] = user.get("status")
            found[("mailbox", key, login)] = (user.get("exchange") or {}).get("status", "NotProvisioned")
        return found

    def provision_many(self, refs):
        """Several users, or several mailboxes, of one tenant queued again in one SET (as one write makes them):
        (request ids, errors) in document order, as :meth:`set_users` and :meth:`set_mailboxes` answer."""
        kind, code = refs[0]["kind"], refs[0]["tenant"]
        if kind == "user":
            return self.set_users(code, [(ref["login"], {}) for ref in refs])
        if kind == "mailbox":
            return self.set_mailboxes(code, [(ref["login"], ref["plan"]) for ref in refs])
        raise ValueError("no write for several %ss" % kind)

    def provision(self, ref):
        """Queue an object's provisioning (again): a SET on the object, which Cortex answers with a new request when
        the object is ``Failed`` (docs/protocol.md); for removals, the DELETE again. One write per (kind, action)."""
        write = PROVISION.get((ref["kind"], ref.get("action") or "provision"))
        if write is None:
            raise ValueError("no write for a %s to %s" % (ref["kind"], ref.get("action")))
        return write(self, ref)


# How each kind of object is provisioned again, or removed again (cortex_kinds.ACTIONS), by the poll scheduler.
PROVISION = {
    ("tenant", "provision"): lambda api, ref: api.update_tenant(ref["tenant"], {}),
    ("tenant", "delete"): lambda api, ref: api.delete_tenant(ref["tenant"]),
    ("exchange", "provision"): lambda api, ref: _single(api.client.call("SET", _customer(ref["tenant"], [_exchange()]))),
    ("exchange", "deprovision"): lambda api, ref: api.deprovision_tenant_exchange(ref["tenant"]),
    ("user", "provision"): lambda api, ref: api.update_user(ref["tenant"], ref["login"], {}),
    ("user", "delete"): lambda api, ref: api.delete_user(ref["tenant"], ref["login"]),
    ("mailbox", "provision"): lambda api, ref: api.set_mailbox(ref["tenant"], ref["login"], ref["plan"]),
    ("mailbox", "deprovision"): lambda api, ref: api.deprovision_mailbox(ref["tenant"], ref["login"]),
}


def _mailbox(plan):
    return _exchange([("userpackage", [("name", plan)])])
