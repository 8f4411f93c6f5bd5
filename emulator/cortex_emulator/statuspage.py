"""Read-only HTML status page: customers, their users and services, with the console's status colours."""

from __future__ import annotations

from html import escape

# The console's colours (docs/protocol.md §7).
COLOURS = {
    "NotProvisioned": ("grey", "#9e9e9e"),
    "Requested": ("yellow", "#f2c200"),
    "InProgress": ("orange", "#f57c00"),
    "Provisioned": ("green", "#2e7d32"),
    "Failed": ("red", "#c62828"),
    "Pending": ("blue", "#1565c0"),
}

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.3em 0 1.2em}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;font-size:.92em}
th{background:#f4f4f4}
.badge{display:inline-block;padding:.05em .55em;border-radius:.7em;color:#fff;font-size:.85em}
.badge.yellow{color:#222}
h2{margin-bottom:.2em}
.muted{color:#777}
"""


def badge(status: str, message: str | None = None) -> str:
    name, colour = COLOURS.get(status, ("grey", "#9e9e9e"))
    title = f' title="{escape(message)}"' if message else ""
    return (f'<span class="badge {name} status-{escape(status)}" style="background:{colour}"{title}>'
            f"{escape(status)}</span>")


def render(backend) -> bytes:
    """The page, from the backend's records (every customer of every partner)."""
    out = [
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Cortex emulator</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Cortex emulator</h1>",
        f"<p class=\"muted\">Read-only view. Provisioning requests pending: {backend.requests.pending}. Legend: ",
        " ".join(badge(s) for s in COLOURS),
        "</p>",
    ]
    services: dict[tuple[int, int], list] = {}
    for s in backend.services.all():
        services.setdefault((s.customer_id, s.user_id), []).append(s)
    users: dict[int, list] = {}
    for u in backend.users.all():
        users.setdefault(u.customer_id, []).append(u)
    customers = backend.customers.all()
    if not customers:
        out.append("<p>No customers yet.</p>")
    for c in customers:
        domains = backend.customers.domains(c.id)
        partner = backend.partner_names.get(c.partner_id, str(c.partner_id))
        out.append(
            f"<h2>{escape(c.fullname)} <span class=\"muted\">({escape(c.code)})</span> "
            f"{badge(c.status, c.message)}</h2>"
            f"<p class=\"muted\">Partner {escape(partner)}"
            f" · primary domain {escape(c.primarydomain)} · domains {escape(', '.join(domains))}</p>"
        )
        out.append("<table><tr><th>Service</th><th>Status</th><th>Version</th><th>Plans</th></tr>")
        for s in services.get((c.id, 0), ()):
            out.append(f"<tr><td>{escape(s.code)}</td><td>{badge(s.status, s.message)}</td>"
                       f"<td>{escape(s.version)}</td><td>{escape(', '.join(s.userpackages))}</td></tr>")
        out.append("</table>")
        rows = users.get(c.id, ())
        if rows:
            out.append("<table><tr><th>Login</th><th>UPN</th><th>Display name</th><th>Roles</th><th>Enabled</th>"
                       "<th>Status</th><th>Mailbox</th><th>Plan</th></tr>")
            for u in rows:
                mailbox = (services.get((c.id, u.id)) or [None])[0]
                out.append(
                    f"<tr><td>{escape(u.login)}</td><td>{escape(u.upn)}</td><td>{escape(u.fullname)}</td>"
                    f"<td>{escape(', '.join(u.roles))}</td><td>{'yes' if u.enabled else 'no'}</td>"
                    f"<td>{badge(u.status, u.message)}</td>"
                    f"<td>{badge(mailbox.status, mailbox.message) if mailbox else ''}</td>"
                    f"<td>{escape(mailbox.userpackage) if mailbox else ''}</td></tr>"
                )
            out.append("</table>")
    out.append("</body></html>")
    return "".join(out).encode()
