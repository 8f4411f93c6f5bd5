"""The handlers of the CortexAPI: one per (action, element path), each parse -> backend -> render.

A handler gets the :class:`Call` (who asks, the answer being built), its element and the records of the
elements above it. Children are handed on with :meth:`Call.dispatch`, through the table of :mod:`urls`.
FIND and GET handlers return the nodes their element contributes; SET and DELETE handlers record, in
document order, a request id or the errors of each object they touch (:class:`Outcome`).
"""

from __future__ import annotations

from . import parsing, rendering, rules
from .exceptions import BAD_REQUEST, FORBIDDEN, MISSING_FIELD, NOT_FOUND, Refused
from .models import Backend, Customer, Principal, User
from .xmlio import children, local, text


class Outcome:
    """What a SET or DELETE produced, in document order: request ids and errors."""

    def __init__(self):
        self.nodes: list = []
        self.accepted = 0
        self.refused = 0
        self.forbidden = False

    def accept(self, rid: int | None = None) -> None:
        """One object proceeded, with a provisioning request (or none: nothing needed to change)."""
        self.accepted += 1
        if rid is not None:
            self.nodes.append(rendering.request_id(rid))

    def refuse(self, errors: list[tuple[str, str]]) -> None:
        self.refused += 1
        self.nodes.extend(rendering.errors(errors))
        if any(code == FORBIDDEN for code, _ in errors):
            self.forbidden = True

    @property
    def status(self) -> int:
        if self.refused and not self.accepted:
            return 401 if self.forbidden else 400
        return 200


class Call:
    """One API request being answered."""

    def __init__(self, backend: Backend, principal: Principal, action: str, routes: dict, forced: str | None):
        self.backend = backend
        self.catalog = backend.catalog
        self.principal = principal
        self.action = action
        self.routes = routes
        self.forced = forced  # the failure message every provisioning request of this call gets (fault "fail")
        self.outcome = Outcome()
        self.errors: list[tuple[str, str]] = []  # of a GET

    def dispatch(self, path: str, el, *parents):
        """Run the handler of (action, path); None when there is none (unknown elements are ignored)."""
        handler = self.routes.get((self.action, path))
        return handler(self, el, *parents) if handler is not None else None

    def dispatch_children(self, path: str, el, *parents) -> list:
        """Each child element of ``el`` handed to the handler of ``path/tag``, in order; their nodes."""
        nodes = []
        for sub in el:
            found = self.dispatch(f"{path}/{local(sub.tag)}", sub, *parents)
            if found:
                nodes.extend(found)
        return nodes


# ---------------------------------------------------------------------------------------------- FIND

def find_customer(call: Call, el) -> list:
    query = parsing.customer_find(el)
    nodes = []
    for c in call.backend.customers.find(call.principal, query):
        nodes.append(("customer", None, rendering.customer_summary(c) + call.dispatch_children("customer", el, c)))
    return nodes


def find_user(call: Call, el, c: Customer) -> list:
    query = parsing.user_find(el)
    users = call.backend.users.find(c, query)
    services = call.backend.services.by_user(c.id, [u.id for u in users]) if query.services and users else {}
    nodes = []
    for u in users:
        unodes = rendering.user_summary(u)
        for filters in query.services:
            unodes.extend(("service", None, rendering.user_service_summary(s))
                          for s in call.backend.services.select(services.get(u.id, ()), filters))
        nodes.append(("user", None, unodes))
    return nodes


def find_customer_service(call: Call, el, c: Customer) -> list:
    services = call.backend.services.select(call.backend.services.of_customer(c.id), parsing.service_filters(el))
    return [("service", None, rendering.customer_service_summary(s, call.backend.location)) for s in services]


def find_request(call: Call, el) -> list:
    r = call.backend.requests.get(call.principal, parsing.to_int(text(el, "id")))
    return [rendering.request(r)] if r is not None else []


# ---------------------------------------------------------------------------------------------- GET

def get_customer(call: Call, el) -> list:
    code, ident = text(el, "name"), text(el, "id")
    customers = call.backend.customers.lookup(call.principal, code, ident)
    if customers is None:
        call.errors.append((NOT_FOUND, f"Customer '{code or parsing.to_int(ident)}' could not be found."))
        return []
    view = parsing.properties_view(el, rules.parse_bool)
    backend = call.backend.customers
    nodes = []
    for c in customers:
        parent = backend.parent(c)
        detail = rendering.customer_detail(
            call.catalog, c, parent=parent, ou=backend.ou(c, parent), domains=backend.domains(c.id),
            location=call.backend.location, properties=view,
            values=backend.property_values(c) if view is not None else None)
        nodes.append(("customer", None, detail + call.dispatch_children("customer", el, c)))
    return nodes


def get_user(call: Call, el, c: Customer) -> list:
    key = parsing.user_key(el)
    if key.given:
        u = call.backend.users.by_key(c.id, key)
        if u is None:
            call.errors.append((NOT_FOUND, f"User '{key.label}' of customer '{c.code}' could not be found."))
            return []
        users = [u]
    else:
        users = call.backend.users.of_customer(c.id)
    view = parsing.properties_view(el, rules.parse_bool)
    nodes = []
    for u in users:
        mailbox = call.backend.services.of_user(c.id, u.id, "HE")
        values = call.backend.users.property_values(c, u, mailbox) if view is not None else None
        detail = rendering.user_detail(call.catalog, u, mailbox is not None and mailbox.is_live, view, values)
        for sub in children(el, "service"):
            detail.extend(call.dispatch("customer/user/service", sub, c, u) or ())
        nodes.append(("user", None, detail))
    return nodes


def get_service(call: Call, el, c: Customer, u: User | None = None) -> list:
    services = call.backend.services
    name = text(el, "name")
    if name:
        s = services.of_user(c.id, u.id, name) if u is not None else services.of_customer(c.id, name)
        if s is None:
            owner = f"user '{u.login}'" if u is not None else f"customer '{c.code}'"
            call.errors.append((NOT_FOUND, f"Service '{name}' of {owner} could not be found."))
            return []
        found = [s]
    else:
        found = services.of_user(c.id, u.id) if u is not None else services.of_customer(c.id)
    location = call.backend.location
    nodes = []
    for s in found:
        if u is not None:
            detail = rendering.user_service_detail(call.catalog, u, s)
        elif s.code == "HE" and c.is_reseller:
            detail = rendering.reseller_offer(call.catalog, c, s, location=location,
                                              used=services.partner_usage(c.partner_id))
        elif s.code == "HE":
            detail = rendering.customer_service_detail(
                call.catalog, c, s, location=location,
                accepted=services.accepted_domains(c, s, call.backend.customers.domains(c.id)),
                folder=services.public_folder(s), used=services.plan_usage(c.id))
        else:
            detail = rendering.customer_service_detail(call.catalog, c, s, location=location)
        nodes.append(("service", None, detail))
    return nodes


def get_request(call: Call, el) -> list:
    ident = text(el, "id")
    if not ident:
        call.errors.append((MISSING_FIELD, "Request: <id> is mandatory."))
        return []
    r = call.backend.requests.get(call.principal, parsing.to_int(ident))
    if r is None:
        call.errors.append((NOT_FOUND, f"Request '{ident}' could not be found."))
        return []
    return [rendering.request(r)]


# ---------------------------------------------------------------------------------------------- SET

def set_customer(call: Call, el) -> None:
    spec = parsing.customer_set(el)
    customers = call.backend.customers
    out = call.outcome
    c = customers.by_code(call.principal, spec.code) if spec.code else None
    try:
        if c is None:
            c, rid = customers.create(call.principal, spec, call.forced)
            out.accept(rid)
        else:
            customers.check_writable(c)
            _modify(call, customers.modify, c, spec)  # refused or not, what it leads to is handled
            c = customers.get(c.id)
    except Refused as refused:
        out.refuse(refused.errors)
        return
    for sub in el:
        tag = local(sub.tag)
        if tag in ("user", "service"):
            call.dispatch(f"customer/{tag}", sub, c)
            c = customers.get(c.id)


def set_user(call: Call, el, c: Customer) -> None:
    spec = parsing.user_set(el)
    users = call.backend.users
    out = call.outcome
    u = users.for_set(c, spec)
    try:
        if u is None:
            u, rid = users.create(c, spec, call.forced)
            out.accept(rid)
        else:
            users.check_writable(u)
            _modify(call, users.modify, c, u, spec)  # refused or not, its mailbox is handled
            u = users.get(u.id)
    except Refused as refused:
        out.refuse(refused.errors)
        return
    for sub in children(el, "service"):
        call.dispatch("customer/user/service", sub, c, u)


def _modify(call: Call, modify, *args) -> None:
    """A modify counts as accepted when it queued a request, or when it carried fields (that changed nothing)."""
    spec = args[-1]
    try:
        rid = modify(*args, call.forced)
    except Refused as refused:
        call.outcome.refuse(refused.errors)
        return
    if rid is not None or spec.has_fields:
        call.outcome.accept(rid)


def set_customer_service(call: Call, el, c: Customer) -> None:
    try:
        spec = parsing.customer_service_set(el)
        call.outcome.accept(call.backend.services.set_customer_service(c, spec, call.forced))
    except Refused as refused:
        call.outcome.refuse(refused.errors)


def set_user_service(call: Call, el, c: Customer, u: User) -> None:
    try:
        spec = parsing.user_service_set(el)
        call.outcome.accept(call.backend.services.set_user_service(c, u, spec, call.forced))
    except Refused as refused:
        call.outcome.refuse(refused.errors)


def refuse_request(call: Call, el) -> None:
    call.outcome.refuse([(BAD_REQUEST, f"{call.action} is not possible on <request>.")])


# ---------------------------------------------------------------------------------------------- DELETE

def _run(call: Call, write, *args) -> None:
    """Record the request id ``write(*args)`` returns, or its refusal."""
    try:
        call.outcome.accept(write(*args))
    except Refused as refused:
        call.outcome.refuse(refused.errors)


def delete_customer(call: Call, el) -> None:
    code = text(el, "name")
    c = call.backend.customers.by_code(call.principal, code) if code else None
    if c is None:
        call.outcome.refuse([(NOT_FOUND, f"Customer '{code or '?'}' could not be found.")])
        return
    if not children(el, "user") and not children(el, "service"):
        _run(call, call.backend.customers.delete, call.principal, c, call.forced)
        return
    call.dispatch_children("customer", el, c)


def delete_user(call: Call, el, c: Customer) -> None:
    key = parsing.user_key(el)
    u = call.backend.users.by_key(c.id, key)
    if u is None:
        label = key.name or key.upn or "?"
        call.outcome.refuse([(NOT_FOUND, f"User '{label}' of customer '{c.code}' could not be found.")])
        return
    services = children(el, "service")
    if not services:
        _run(call, call.backend.users.delete, c, u, call.forced)
    for sub in services:
        call.dispatch("customer/user/service", sub, c, u)


def deprovision_service(call: Call, el, c: Customer, u: User | None = None) -> None:
    _run(call, call.backend.services.deprovision, c, u, text(el, "name"), call.forced)
