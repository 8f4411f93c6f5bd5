"""The read-only HTML status page (``/``): clients with their counts per status, and one client's users, paged.

``/`` lists the viewer's clients: status, Hosted Exchange, and users and mailboxes counted per status, with filters
(failed, in progress), sorting and paging. ``/?client=CODE`` shows one client: domains, services, counts, and its
users with their mailboxes and plans, filtered, sorted and paged (``show``, ``sort``, ``order``, ``page``, ``per``).
The page refreshes itself every few seconds while provisioning requests of the viewer are pending.

Who sees what: a partner (Basic login) sees its own clients; with ``--public-status`` anyone sees every partner's.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs, urlencode

from .httpio import respond

HTML_TYPE = b"text/html; charset=utf-8"
STATUS_CHALLENGE = [(b"www-authenticate", b'Basic realm="Cortex emulator status"')]
REFRESH_SECONDS = 3
PAGE_SIZES = (25, 50, 100, 200, 500)
DEFAULT_PAGE_SIZE = 50

# The console's colours (docs/protocol.md §7).
COLOURS = {
    "NotProvisioned": ("grey", "#9e9e9e"),
    "Requested": ("yellow", "#f2c200"),
    "InProgress": ("orange", "#f57c00"),
    "Provisioned": ("green", "#2e7d32"),
    "Failed": ("red", "#c62828"),
    "Pending": ("blue", "#1565c0"),
}
BUSY = ("Requested", "InProgress", "Pending")
SHOWS = {"all": "all", "failed": "with failures", "in-progress": "in progress"}
USER_COLUMNS = (("login", "Login"), ("upn", "UPN"), ("name", "Display name"), (None, "Roles"), (None, "Enabled"),
                ("status", "Status"), ("mailbox", "Mailbox"), ("plan", "Plan"))
CLIENT_COLUMNS = (("name", "Client"), ("code", "Code"), ("status", "Status"), (None, "Exchange"),
                  ("users", "Users"), (None, "Mailboxes"))
CLIENT_SORTS = ("name", "code", "status", "users", "failed")

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.3em 0 1.2em}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;font-size:.92em;vertical-align:top}
th{background:#f4f4f4}
th a{color:inherit}
.badge{display:inline-block;padding:.05em .55em;border-radius:.7em;color:#fff;font-size:.85em;margin:0 .15em .1em 0}
.badge.yellow{color:#222}
.count{white-space:nowrap}
h2{margin-bottom:.2em}
.muted{color:#777}
nav{margin:.5em 0}
nav a,nav span.current{margin-right:.5em}
nav a.active,nav span.current{font-weight:bold;text-decoration:none;color:#222}
"""


def badge(status: str, message: str | None = None, count: int | None = None, kind: str | None = None) -> str:
    name, colour = COLOURS.get(status, ("grey", "#9e9e9e"))
    title = f' title="{escape(message)}"' if message else ""
    if count is None:
        return (f'<span class="badge {name} status-{escape(status)}" style="background:{colour}"{title}>'
                f"{escape(status)}</span>")
    return (f'<span class="badge count {name} status-{escape(status)}" style="background:{colour}" '
            f'data-kind="{kind}" data-status="{escape(status)}" data-count="{count}">{escape(status)} {count}</span>')


def _roles(roles: list[str]) -> str:
    """How many roles, their names on hover (nine administrator roles would fill the row)."""
    if not roles:
        return '<span class="muted">none</span>'
    if len(roles) == 1:
        return escape(roles[0])
    return f'<span class="roles" title="{escape(", ".join(roles))}">{len(roles)} roles</span>'


def _counts(counts: dict[str, int], kind: str) -> str:
    shown = [badge(status, count=counts[status], kind=kind) for status in COLOURS if counts.get(status)]
    return " ".join(shown) or '<span class="muted">none</span>'


class View:
    """What one request of the page asks: its parameters, checked (unknown values fall back to defaults)."""

    def __init__(self, query: bytes):
        raw = {k: v[-1] for k, v in parse_qs(query.decode("latin-1"), keep_blank_values=True).items()}
        self.client = raw.get("client", "").strip()
        self.show = raw.get("show") if raw.get("show") in SHOWS else "all"
        self.order = "desc" if raw.get("order") == "desc" else "asc"
        try:
            self.per = int(raw.get("per", DEFAULT_PAGE_SIZE))
        except ValueError:
            self.per = DEFAULT_PAGE_SIZE
        self.per = min(max(self.per, 1), max(PAGE_SIZES))
        try:
            self.page = max(int(raw.get("page", 1)), 1)
        except ValueError:
            self.page = 1
        sorts = [c for c, _ in USER_COLUMNS if c] if self.client else list(CLIENT_SORTS)
        self.sort = raw.get("sort") if raw.get("sort") in sorts else sorts[0]

    def link(self, **changes) -> str:
        params = {"client": self.client, "show": self.show, "sort": self.sort, "order": self.order,
                  "per": self.per, "page": self.page}
        params.update(changes)
        defaults = {"client": "", "show": "all", "order": "asc", "per": DEFAULT_PAGE_SIZE, "page": 1}
        kept = {k: v for k, v in params.items() if v != defaults.get(k)}
        if kept.get("sort") == ([c for c, _ in USER_COLUMNS if c][0] if self.client else CLIENT_SORTS[0]):
            kept.pop("sort")
        return escape("/?" + urlencode(kept) if kept else "/")


async def handle(app, scope, send, method: str) -> None:
    if method not in ("GET", "HEAD"):
        await respond(send, 405, b"Method Not Allowed\n", b"text/plain", [(b"allow", b"GET")])
        return
    partner_id = None
    if not app.public_status:
        principal = app.authenticate(scope, partners_only=True)
        if principal is None:
            await respond(send, 401, b"Log in with a partner account to see its clients (or start the emulator "
                                     b"with --public-status).\n", b"text/plain; charset=utf-8", STATUS_CHALLENGE)
            return
        partner_id = principal.partner_id
    status, page = render(app.backend, partner_id, View(scope.get("query_string") or b""))
    await respond(send, status, page, HTML_TYPE, [(b"cache-control", b"no-store")])


def render(backend, partner_id: int | None, view: View) -> tuple[int, bytes]:
    """(HTTP status, page) for a partner (its clients) or for everyone (``partner_id`` None)."""
    pending = backend.requests.pending_of(partner_id)
    if partner_id is None:
        who = "all partners (public status page)"
    else:
        reseller = backend.reseller(partner_id)
        who = (f"partner {escape(backend.partner_name(partner_id))}"
               + (f", reseller {escape(reseller.fullname)} ({escape(reseller.code)})" if reseller else ""))
    refresh = f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">' if pending else ""
    out = [
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Cortex emulator</title>{refresh}',
        f"<style>{STYLE}</style></head><body>",
        "<h1>Cortex emulator</h1>",
        f'<p class="muted" id="viewer">Read-only view for {who}.</p>',
        f'<p id="pending" data-pending="{pending}">Provisioning requests pending: {pending}'
        + (f" (this page refreshes every {REFRESH_SECONDS} s until none are)" if pending else "") + "</p>",
        '<p class="muted">Legend: ' + " ".join(badge(s) for s in COLOURS) + "</p>",
    ]
    status = 200
    if view.client:
        found = _client(backend, partner_id, view.client)
        if found is None:
            status = 404
            out.append(f'<p id="missing">No client with code {escape(view.client)}. '
                       '<a href="/">All clients</a></p>')
        else:
            out += _client_page(backend, found, view)
    else:
        out += _overview(backend, partner_id, view)
    out.append("</body></html>")
    return status, "".join(out).encode()


def _client(backend, partner_id: int | None, code: str):
    for c in (backend.customers.all() if partner_id is None else backend.customers.of_partner(partner_id)):
        if c.code.casefold() == code.casefold():
            return c
    return None


def _pager(view: View, total: int, what: str) -> str:
    pages = max((total + view.per - 1) // view.per, 1)
    page = min(view.page, pages)
    first = (page - 1) * view.per + 1 if total else 0
    last = min(page * view.per, total)
    parts = [f'<nav class="pager" data-page="{page}" data-pages="{pages}" data-total="{total}">',
             f'<span class="range">{what} {first}–{last} of {total}</span> · ']
    if page > 1:
        parts.append(f'<a rel="first" href="{view.link(page=1)}">« first</a>'
                     f'<a rel="prev" href="{view.link(page=page - 1)}">‹ previous</a>')
    window = sorted({1, pages, *range(max(page - 3, 1), min(page + 3, pages) + 1)})
    previous = 0
    for n in window:
        if n - previous > 1:
            parts.append("<span>…</span>")
        parts.append(f'<span class="current" aria-current="page">{n}</span>' if n == page
                     else f'<a class="page" href="{view.link(page=n)}">{n}</a>')
        previous = n
    if page < pages:
        parts.append(f'<a rel="next" href="{view.link(page=page + 1)}">next ›</a>'
                     f'<a rel="last" href="{view.link(page=pages)}">last »</a>')
    parts.append(" · per page: " + " ".join(
        f'<span class="current">{n}</span>' if n == view.per
        else f'<a class="per" href="{view.link(per=n, page=1)}">{n}</a>' for n in PAGE_SIZES))
    parts.append("</nav>")
    return "".join(parts)


def _filters(view: View, numbers: dict[str, int]) -> str:
    links = []
    for show, label in SHOWS.items():
        text = f"{label} ({numbers[show]})"
        css = ' class="active"' if show == view.show else ""
        links.append(f'<a id="filter-{show}"{css} href="{view.link(show=show, page=1)}">{escape(text)}</a>')
    return '<nav class="filters">Show: ' + " ".join(links) + "</nav>"


def _header(view: View, columns) -> str:
    cells = []
    for key, label in columns:
        if key is None:
            cells.append(f"<th>{label}</th>")
            continue
        arrow = ""
        order = "asc"
        if view.sort == key:
            arrow = " ▲" if view.order == "asc" else " ▼"
            order = "desc" if view.order == "asc" else "asc"
        cells.append(f'<th><a class="sort" data-sort="{key}" href="{view.link(sort=key, order=order, page=1)}">'
                     f"{label}{arrow}</a></th>")
    return "<thead><tr>" + "".join(cells) + "</tr></thead>"


# ---------------------------------------------------------------------------------------------- all clients

def _overview(backend, partner_id: int | None, view: View) -> list[str]:
    customers = backend.customers.all() if partner_id is None else backend.customers.of_partner(partner_id)
    if not customers:
        return ['<p id="no-clients">No clients yet.</p>']
    counts = backend.users.status_counts([c.id for c in customers])
    exchange = {c.id: backend.services.of_customer(c.id, "HE") for c in customers}
    rows = []
    for c in customers:
        he = exchange[c.id]
        statuses = [c.status, he.status if he else ""]
        statuses += [s for kind in ("users", "mailboxes") for s, n in counts[c.id][kind].items() if n]
        users = sum(counts[c.id]["users"].values())
        failed = sum(counts[c.id][k].get("Failed", 0) for k in ("users", "mailboxes")) + statuses[:2].count("Failed")
        rows.append((c, he, counts[c.id], users, failed, any(s in BUSY for s in statuses)))
    numbers = {"all": len(rows), "failed": sum(1 for r in rows if r[4]), "in-progress": sum(1 for r in rows if r[5])}
    shown = [r for r in rows if view.show == "all" or (view.show == "failed" and r[4])
             or (view.show == "in-progress" and r[5])]
    keys = {"name": lambda r: r[0].fullname.casefold(), "code": lambda r: r[0].code.casefold(),
            "status": lambda r: r[0].status, "users": lambda r: r[3], "failed": lambda r: r[4]}
    shown.sort(key=lambda r: (keys[view.sort](r), r[0].id), reverse=view.order == "desc")
    total = len(shown)
    pages = max((total + view.per - 1) // view.per, 1)
    start = (min(view.page, pages) - 1) * view.per
    out = [f'<h2 id="clients-title">Clients <span class="muted">({len(rows)})</span></h2>', _filters(view, numbers),
           '<table id="clients">' + _header(view, CLIENT_COLUMNS) + "<tbody>"]
    for c, he, count, users, failed, busy in shown[start:start + view.per]:
        out.append(
            f'<tr data-code="{escape(c.code)}" data-failed="{failed}"><td><a class="client" '
            f'href="{escape("/?" + urlencode({"client": c.code}))}">{escape(c.fullname)}</a>'
            + (f' <span class="muted">({escape(backend.partner_name(c.partner_id))})</span>' if partner_id is None
               else "")
            + f"</td><td>{escape(c.code)}</td><td>{badge(c.status, c.message)}</td>"
            f"<td>{badge(he.status, he.message) if he else ''}</td>"
            f'<td class="counts users" data-total="{users}">{_counts(count["users"], "users")}</td>'
            f'<td class="counts mailboxes">{_counts(count["mailboxes"], "mailboxes")}</td></tr>')
    out.append("</tbody></table>")
    out.append(_pager(view, total, "clients"))
    return out


# ---------------------------------------------------------------------------------------------- one client

def _client_page(backend, c, view: View) -> list[str]:
    domains = backend.customers.domains(c.id)
    counts = backend.users.status_counts([c.id])[c.id]
    out = [
        '<p><a id="back" href="/">← all clients</a></p>',
        f'<h2 id="client" data-code="{escape(c.code)}">{escape(c.fullname)} <span class="muted">'
        f"({escape(c.code)})</span> {badge(c.status, c.message)}</h2>",
        f'<p class="muted">Partner {escape(backend.partner_name(c.partner_id))} · primary domain '
        f"{escape(c.primarydomain)} · domains {escape(', '.join(domains))}</p>",
        '<table id="services"><thead><tr><th>Service</th><th>Status</th><th>Version</th><th>Plans</th></tr></thead>'
        "<tbody>",
    ]
    for s in backend.services.of_customer(c.id):
        out.append(f'<tr data-service="{escape(s.code)}"><td>{escape(s.fullname)} ({escape(s.code)})</td>'
                   f"<td>{badge(s.status, s.message)}</td><td>{escape(s.version)}</td>"
                   f"<td>{escape(', '.join(s.userpackages))}</td></tr>")
    out.append("</tbody></table>")
    users_total = sum(counts["users"].values())
    out.append(f'<p id="counts">Users ({users_total}): {_counts(counts["users"], "users")}'
               f' · Mailboxes: {_counts(counts["mailboxes"], "mailboxes")}</p>')
    listing = backend.users.listing
    numbers = {show: (users_total if show == "all" else
                      listing(c.id, show=show, sort="login", descending=False, offset=0, limit=0)[0])
               for show in SHOWS}
    total, _ = listing(c.id, show=view.show, sort=view.sort, descending=False, offset=0, limit=0)
    pages = max((total + view.per - 1) // view.per, 1)
    page = min(view.page, pages)
    _, rows = listing(c.id, show=view.show, sort=view.sort, descending=view.order == "desc",
                      offset=(page - 1) * view.per, limit=view.per)
    out.append(_filters(view, numbers))
    out.append('<table id="users">' + _header(view, USER_COLUMNS) + "<tbody>")
    for u, mailbox in rows:
        out.append(
            f'<tr data-login="{escape(u.login)}"><td>{escape(u.login)}</td><td>{escape(u.upn)}</td>'
            f"<td>{escape(u.fullname)}</td><td>{_roles(u.roles)}</td>"
            f"<td>{'yes' if u.enabled else 'no'}</td><td>{badge(u.status, u.message)}</td>"
            f"<td>{badge(mailbox['status'], mailbox['message']) if mailbox else ''}</td>"
            f"<td>{escape(mailbox['plan']) if mailbox else ''}</td></tr>")
    if not rows:
        out.append(f'<tr><td colspan="{len(USER_COLUMNS)}" class="muted">No users to show.</td></tr>')
    out.append("</tbody></table>")
    out.append(_pager(view, total, "users"))
    return out
