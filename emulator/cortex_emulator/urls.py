"""What answers what: the table from (action, element path) to the handlers of :mod:`responses`, and the entry
point that checks the envelope and runs a request through it.

A request is a containment path (docs/protocol.md §2): ``customer`` › ``user`` › ``service``, ``customer`` ›
``service``, or a top-level ``request``. An element without an entry here is ignored (like ``trace``).
"""

from __future__ import annotations

from . import rendering
from . import responses as r
from .exceptions import BadRequest
from .models import Backend, Principal
from .xmlio import local

ACTIONS = ("FIND", "GET", "SET", "DELETE")
WRITE_ACTIONS = ("SET", "DELETE")
TARGETS = ("customer", "request")

ROUTES = {
    ("FIND", "customer"): r.find_customer,
    ("FIND", "customer/user"): r.find_user,
    ("FIND", "customer/service"): r.find_customer_service,
    ("FIND", "request"): r.find_request,
    ("GET", "customer"): r.get_customer,
    ("GET", "customer/user"): r.get_user,
    ("GET", "customer/service"): r.get_service,
    ("GET", "customer/user/service"): r.get_service,
    ("GET", "request"): r.get_request,
    ("SET", "customer"): r.set_customer,
    ("SET", "customer/user"): r.set_user,
    ("SET", "customer/service"): r.set_customer_service,
    ("SET", "customer/user/service"): r.set_user_service,
    ("SET", "request"): r.refuse_request,
    ("DELETE", "customer"): r.delete_customer,
    ("DELETE", "customer/user"): r.delete_user,
    ("DELETE", "customer/service"): r.deprovision_service,
    ("DELETE", "customer/user/service"): r.deprovision_service,
    ("DELETE", "request"): r.refuse_request,
}


def action_of(root) -> str:
    return (root.get("action") or "").strip().upper()


def handle(backend: Backend, principal: Principal, root, *, forced_failure: str | None = None) -> tuple[int, list]:
    """Answer one parsed request: (HTTP status, response nodes). Raises :class:`BadRequest` for an unusable one."""
    if local(root.tag) != "request":
        raise BadRequest("The document root must be <request>.")
    action = action_of(root)
    targets = [c for c in root if local(c.tag) in TARGETS]
    if action not in ACTIONS:
        raise BadRequest(f"Unknown action '{root.get('action') or ''}'; expected FIND, GET, SET or DELETE.")
    if not targets:
        raise BadRequest("The request names no target element (<customer> or <request>).")
    call = r.Call(backend, principal, action, ROUTES, forced_failure)
    if action in ("FIND", "GET"):
        nodes = []
        for target in targets:
            nodes.extend(call.dispatch(local(target.tag), target))
        if call.errors:
            return 400, rendering.errors(call.errors)
        return 200, nodes
    with backend.write():
        for target in targets:
            call.dispatch(local(target.tag), target)
    return call.outcome.status, call.outcome.nodes
