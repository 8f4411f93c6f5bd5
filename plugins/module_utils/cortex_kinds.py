# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection knows of each kind of object it provisions, as one table.

The poll scheduler (which kind is re-queued first, which object a kind waits for, which listing shows its status),
the results (how an object is named in a message), the role's summary (its label) and the check of a job against
the provisioning request Cortex recorded for it all read this table instead of testing kind names one by one.
A ``ref`` is how a job names its object: ``kind``, ``tenant`` (code), and for users and mailboxes ``login`` and
``upn``; ``action`` is ``provision``, ``delete`` or ``deprovision``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


class Kind(object):
    """One kind of object: ``label`` names an object of the kind (a format over its ref), ``object_type`` is the
    ``<object><type>`` of its provisioning requests, ``family`` the listing that shows its status (``tenant``: the
    tenant with its services; ``users``: the users with their mailboxes), ``parent`` the kind it needs provisioned
    first, ``order`` the order failures are queued again in, ``removal`` its removing action, ``result_key`` where a
    module's result holds such an object."""

    def __init__(self, name, label, object_type, family, parent, order, removal, result_key, summary):
        self.name = name
        self.label = label
        self.object_type = object_type
        self.family = family
        self.parent = parent
        self.order = order
        self.removal = removal
        self.result_key = result_key
        self.summary = summary


KINDS = dict((kind.name, kind) for kind in (
    Kind("tenant", "tenant '%(tenant)s'", "Customer", "tenant", None, 0, "delete", "tenant", "tenant"),
    Kind("exchange", "Hosted Exchange of tenant '%(tenant)s'", "Customer Service", "tenant", "tenant", 1,
         "deprovision", "service", "exchange"),
    Kind("user", "user '%(who)s'", "User", "users", "tenant", 2, "delete", "user", "users"),
    Kind("mailbox", "mailbox of '%(who)s'", "User Service", "users", "user", 3, "deprovision", "service",
         "mailboxes"),
))
# The request types (``<request><type>``) that carry each action.
REQUEST_TYPES = {
    "provision": ("Object Provision", "Object Modify"),
    "delete": ("Object Delete",),
    "deprovision": ("Object Deprovision",),
}
ACTIONS = tuple(REQUEST_TYPES)
# The code of the Hosted Exchange service: the object name of its requests.
SERVICE_NAME = "HE"


def kind_of(ref):
    """The :class:`Kind` of a ref; None when the ref is not a mapping with a known kind."""
    if not isinstance(ref, dict):
        return None
    return KINDS.get(ref.get("kind"))


def describe(ref):
    """How messages name the object of a ref: ``user 'claire@...'``, ``Hosted Exchange of tenant 'BMS'``."""
    kind = kind_of(ref)
    if kind is None:
        return "request"
    values = dict(tenant=ref.get("tenant") or "", who=ref.get("upn") or ref.get("login") or "")
    return kind.label % values


def ref_key(ref):
    """What identifies the object a job provisions."""
    return (ref["kind"], (ref.get("tenant") or "").casefold(), (ref.get("login") or "").casefold())


def parent_ref(ref):
    """The object ``ref`` needs provisioned first (a mailbox its user, a user its tenant), or None."""
    kind = kind_of(ref)
    if kind is None or kind.parent is None:
        return None
    parent = dict(kind=kind.parent, tenant=ref["tenant"])
    if kind.parent == "user":
        parent.update(login=ref.get("login"), upn=ref.get("upn"))
    return parent


def removes(ref):
    return ref.get("action") in ("delete", "deprovision")


def ref_problems(ref):
    """What is wrong with a ref given from outside (a job of cortex_wait): never a crash, never a guess."""
    kind = kind_of(ref)
    if kind is None:
        known = ", ".join(sorted(KINDS))
        if not isinstance(ref, dict):
            return ["ref must be a mapping with kind (%s), tenant and, for users and mailboxes, login" % known]
        return ["ref.kind must be one of %s" % known]
    problems = []
    if not isinstance(ref.get("tenant"), str) or not ref["tenant"].strip():
        problems.append("ref.tenant must be the tenant's code")
    if kind.family == "users" and (not isinstance(ref.get("login"), str) or not ref["login"].strip()):
        problems.append("ref.login must be the login of the %s's user" % kind.name)
    action = ref.get("action") or "provision"
    if action not in ("provision", kind.removal):
        problems.append("ref.action of a %s must be provision or %s" % (kind.name, kind.removal))
    if kind.name == "mailbox" and action == "provision" and not ref.get("plan"):
        problems.append("ref.plan is needed to provision a mailbox")
    return problems


def request_matches(ref, request, owner_names=()):
    """Whether a provisioning request, as Cortex records it (``object_type``, ``object_name``, ``type``,
    ``description``), is about the object and the action of ``ref``: the only case in which the poll scheduler may
    queue that object again. A service's requests are named by the service code (``HE``); their owner is read from
    their descriptions, which name it (``owner_names``: the owner's login, full name or code, as read from Cortex)."""
    kind = kind_of(ref)
    if kind is None or not isinstance(request, dict):
        return False
    if (request.get("object_type") or "").casefold() != kind.object_type.casefold():
        return False
    if (request.get("type") or "") not in REQUEST_TYPES.get(ref.get("action") or "provision", ()):
        return False
    name = (request.get("object_name") or "").casefold()
    if kind.name == "tenant":
        return name == (ref.get("tenant") or "").casefold()
    if kind.name == "user":
        return name == (ref.get("login") or "").casefold()
    if name != SERVICE_NAME.casefold():
        return False
    text = " ".join((request.get("description") or "", request.get("object_description") or "")).casefold()
    return any(owner and _names(text, owner.casefold()) for owner in owner_names)


def _names(text, owner):
    """Whether ``text`` names ``owner`` as a whole (``al_BMS`` is not named by ``paul_BMS``)."""
    return re.search(r"(?<![\w.-])%s(?![\w.-])" % re.escape(owner), text) is not None
