# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CortexAPI mapping: which XML reads and writes each object, and how answers become Python dicts.

Every reading of the protocol that the public sources leave open (docs/protocol.md) lives here and only here:
element names and paths, booleans, the password block, replace semantics of lists (we always send the complete
desired list), how a service is deprovisioned (DELETE on the path down to the service) and how statuses map to
the console's colours. A team facing a real server that differs changes this file, not the modules.

Objects come back as dicts keyed by the modules' option names (``display_name``, ``primary_domain``...), so the
modules compare like with like.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError, element

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

# Customer properties that the modules manage, by option name.
TENANT_PROPERTIES = {"city": "City", "zip_code": "ZipCode", "country": "Country"}


def status_color(status):
    return STATUS_COLORS.get(status, "grey")


def with_color(obj):
    """Add ``status_color`` beside ``status`` (every object the modules return carries both)."""
    if obj is not None and "status" in obj:
        obj["status_color"] = status_color(obj["status"])
    return obj


def to_bool(text):
    if text is None:
        return None
    return text.strip().lower() == "true"


def _text(node, tag):
    value = node.findtext(tag)
    return value.strip() if value is not None else None


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _names(node, path):
    return [(child.text or "").strip() for child in node.findall(path) if (child.text or "").strip()]


def _request_ids(root):
    """Request ids of a SET/DELETE answer; an ``<error>`` in a 200 answer is raised (we send one object)."""
    errors = [(n.findtext("id") or "", n.findtext("message") or "") for n in root.findall("error")]
    if errors:
        raise CortexError("; ".join("%s: %s" % e for e in errors), 200, errors)
    return [int(n.findtext("id")) for n in root.findall("request") if _int(n.findtext("id")) is not None]


# ---------------------------------------------------------------- parsing

def parse_tenant(node):
    tenant = {
        "code": _text(node, "name"),
        "id": _int(_text(node, "id")),
        "name": _text(node, "fullname"),
        "primary_domain": _text(node, "primarydomain"),
        "status": _text(node, "status"),
    }
    if node.find("contactname") is not None:  # detail form
        password = node.find("password")
        tenant.update({
            "contact_name": _text(node, "contactname"),
            "contact_email": _text(node, "contactemail"),
            "address": _text(node, "address"),
            "domains": _names(node, "domains/domain"),
            "roles": _names(node, "roles/role"),
            "enabled": to_bool(_text(node, "enabled")),
            "min_password_length": _int(password.findtext("minimumlength")) if password is not None else None,
            "password_never_expires": to_bool(password.findtext("allowneverexpires")) if password is not None else None,
        })
        properties = dict((_text(p, "name"), _text(p, "value")) for p in node.findall("properties/property"))
        for option, prop in TENANT_PROPERTIES.items():
            tenant[option] = properties.get(prop)
    return with_color(tenant)


def parse_user(node):
    user = {
        "login": _text(node, "name"),
        "id": _int(_text(node, "id")),
        "upn": _text(node, "upn"),
        "display_name": _text(node, "fullname"),
        "status": _text(node, "status"),
    }
    if node.find("firstname") is not None:  # detail form
        user.update({
            "first_name": _text(node, "firstname"),
            "last_name": _text(node, "lastname"),
            "password_never_expires": (node.findtext("password/expires") or "").strip().lower() == "never",
            "change_password_at_next_logon": to_bool(node.findtext("password/changeatnextlogon")),
            "roles": _names(node, "roles/role"),
            "locked": to_bool(_text(node, "locked")),
            "enabled": to_bool(_text(node, "enabled")),
        })
    for service in node.findall("service"):
        if _text(service, "name") == EXCHANGE_SERVICE:
            user["exchange"] = parse_mailbox(service)
    return with_color(user)


def parse_mailbox(node):
    mailbox = {"status": _text(node, "status")}
    if node.find("userpackage") is not None or node.find("replyaddress") is not None:
        mailbox.update({
            "plan": node.findtext("userpackage/name"),
            "plan_name": node.findtext("userpackage/fullname"),
            "reply_address": _text(node, "replyaddress"),
        })
    return with_color(mailbox)


def parse_tenant_exchange(node):
    service = {"name": _text(node, "name"), "status": _text(node, "status")}
    if node.find("version") is not None:  # detail form
        plans = []
        for package in node.findall("userpackage"):
            plans.append({
                "name": _text(package, "name"),
                "fullname": _text(package, "fullname"),
                "user_limit": _text(package, "userlimit"),
                "used": _int(_text(package, "used")),
                "enabled": to_bool(_text(package, "enabled")),
            })
        service.update({
            "version": _text(node, "version"),
            "customer_plan": node.findtext("package/name"),
            "user_plans": [plan["name"] for plan in plans if plan["enabled"]],
            "plans": plans,
        })
    return with_color(service)


def parse_request(node):
    request = {
        "id": _int(_text(node, "id")),
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
    """SET children of a customer, in the documented order, from option-named changes."""
    password = None
    if changes.get("min_password_length") is not None or changes.get("password_never_expires") is not None:
        password = [("minimumlength", changes.get("min_password_length")),
                    ("allowneverexpires", changes.get("password_never_expires"))]
    properties = [("property", [("name", prop), ("value", changes[option])])
                  for option, prop in TENANT_PROPERTIES.items() if changes.get(option) is not None]
    return [
        ("fullname", changes.get("name")),
        ("contactname", changes.get("contact_name")),
        ("contactemail", changes.get("contact_email")),
        ("primarydomain", changes.get("primary_domain")),
        ("address", changes.get("address")),
        ("domains", [("domain", d) for d in changes["domains"]] if changes.get("domains") is not None else None),
        ("password", password),
        ("roles", [("role", r) for r in changes["roles"]] if changes.get("roles") is not None else None),
        ("properties", properties or None),
    ]


def user_fields(changes):
    password = None
    if any(changes.get(k) is not None for k in ("password", "change_password_at_next_logon", "password_never_expires")):
        password = [("password", changes.get("password")),
                    ("changeatnextlogon", changes.get("change_password_at_next_logon")),
                    ("neverexpires", changes.get("password_never_expires"))]
    return [
        ("upn", changes.get("upn")),
        ("firstname", changes.get("first_name")),
        ("lastname", changes.get("last_name")),
        ("fullname", changes.get("display_name")),
        ("password", password),
        ("roles", [("role", r) for r in changes["roles"]] if changes.get("roles") is not None else None),
        ("enabled", changes.get("enabled")),
    ]


def _customer(code, children=None):
    return element("customer", [("name", code)] + list(children or []))


def _exchange(children=None):
    return element("service", [("name", EXCHANGE_SERVICE)] + list(children or []))


class CortexAPI(object):
    """The objects the collection manages, over one :class:`CortexClient`."""

    def __init__(self, client):
        self.client = client

    # tenants (customers)
    def find_tenants(self, code=None, name=None):
        root = self.client.call("FIND", element("customer", [("name", code), ("fullname", name)]))
        return [parse_tenant(node) for node in root.findall("customer")]

    def get_tenant(self, code):
        root = self.client.call("GET", _customer(code, [element("properties")]))
        return parse_tenant(root.find("customer"))

    def tenant_services(self, code):
        root = self.client.call("FIND", _customer(code, [element("service")]))
        return [with_color({"name": _text(s, "name"), "fullname": _text(s, "fullname"), "status": _text(s, "status")})
                for s in root.findall("customer/service")]

    def create_tenant(self, desired):
        customer = element("customer", [("name", desired.get("code"))] + tenant_fields(desired))
        return _request_ids(self.client.call("SET", customer))

    def update_tenant(self, code, changes):
        return _request_ids(self.client.call("SET", _customer(code, tenant_fields(changes))))

    def delete_tenant(self, code):
        return _request_ids(self.client.call("DELETE", _customer(code)))

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

    def get_user(self, code, login, with_exchange=False):
        user = element("user", [("name", login), _exchange() if with_exchange else None])
        root = self.client.call("GET", _customer(code, [user]))
        return parse_user(root.find("customer/user"))

    def create_user(self, code, login, desired):
        user = element("user", [("name", login)] + user_fields(desired))
        return _request_ids(self.client.call("SET", _customer(code, [user])))

    def update_user(self, code, login, changes):
        user = element("user", [("name", login)] + user_fields(changes))
        return _request_ids(self.client.call("SET", _customer(code, [user])))

    def delete_user(self, code, login):
        return _request_ids(self.client.call("DELETE", _customer(code, [element("user", [("name", login)])])))

    # Hosted Exchange, tenant level
    def get_tenant_exchange(self, code):
        root = self.client.call("GET", _customer(code, [_exchange()]))
        return parse_tenant_exchange(root.find("customer/service"))

    def set_tenant_exchange(self, code, version=None, customer_plan=None, user_plans=None):
        children = [("version", version)]
        if customer_plan is not None:
            children.append(("package", [("name", customer_plan), ("enabled", True)]))
        for plan in user_plans or []:
            children.append(("userpackage", [("name", plan), ("enabled", True)]))
        return _request_ids(self.client.call("SET", _customer(code, [_exchange(children)])))

    def deprovision_tenant_exchange(self, code):
        return _request_ids(self.client.call("DELETE", _customer(code, [_exchange()])))

    # Hosted Exchange, user level (mailboxes)
    def set_mailbox(self, code, login, plan):
        user = element("user", [("name", login), _exchange([("userpackage", [("name", plan)])])])
        return _request_ids(self.client.call("SET", _customer(code, [user])))

    def deprovision_mailbox(self, code, login):
        user = element("user", [("name", login), _exchange()])
        return _request_ids(self.client.call("DELETE", _customer(code, [user])))

    # provisioning requests
    def get_request(self, request_id):
        root = self.client.call("GET", element("request", [("id", request_id)]))
        return parse_request(root.find("request"))


def is_not_found(error):
    return isinstance(error, CortexError) and "NotFound" in error.error_ids
