"""Control endpoints (/_emulator/*) and the status page (/)."""

from __future__ import annotations

import requests

from conftest import OTHER, PARTNER, Client, Tenant, customer_xml


def test_stats_counts_requests_actions_statuses_and_writes(spawn):
    emu = spawn("--delay", "0")
    c = Client(emu)
    c.find("<customer/>")
    c.set(customer_xml("Stats One", "stats-one.example.com"))
    c.set("<customer><fullname>Bad</fullname></customer>", expect=400)  # refused, still a write received
    c.delete("<customer><name>NOPE</name></customer>", expect=400)
    requests.post(emu.url, data=b"<x", auth=PARTNER, timeout=5)
    requests.post(emu.url, data=b"<x", timeout=5)
    requests.get(emu.url, timeout=5)
    emu.wait_idle()
    stats = emu.stats()  # the partner's: the requests it sent (not the anonymous ones)
    assert stats["requests"] == 5
    assert stats["by_action"] == {"FIND": 1, "GET": 0, "SET": 2, "DELETE": 1}
    assert stats["writes"] == 3
    assert stats["by_status"] == {"200": 2, "400": 3}
    assert stats["faults"] == {"500": 0, "503": 0, "drop": 0, "slow": 0, "fail": 0, "empty-answer": 0}
    assert stats["provisioning"] == {"Requested": 0, "InProgress": 0, "Provisioned": 1, "Failed": 0}
    # the control endpoints need a partner
    for method, path in (("get", "stats"), ("get", "idle"), ("post", "reset-stats"), ("post", "fail-next")):
        assert getattr(requests, method)(emu.base + "/_emulator/" + path, timeout=5).status_code == 401
    assert requests.post(emu.base + "/_emulator/reset-stats", auth=PARTNER, timeout=5).json() == {"ok": True}
    stats = emu.stats()
    assert stats["requests"] == 0 and stats["writes"] == 0 and stats["by_status"] == {}
    assert stats["provisioning"]["Provisioned"] == 1  # state, not a counter


def test_control_flag_makes_the_control_endpoints_global(spawn):
    emu = spawn("--delay", "0", "--control", "--partner", ":".join(PARTNER), "--partner", ":".join(OTHER))
    Client(emu).set(customer_xml("Global One", "global-one.example.com"))
    Client(emu, auth=OTHER).set(customer_xml("Global Two", "global-two.example.com"))
    requests.post(emu.url, data=b"<x", timeout=5)
    requests.get(emu.url, timeout=5)
    emu.wait_idle()
    anonymous = requests.get(emu.base + "/_emulator/stats", timeout=5).json()  # no login needed with --control
    assert anonymous["requests"] == 4 and anonymous["by_status"] == {"200": 2, "401": 1, "405": 1}
    assert anonymous["provisioning"]["Provisioned"] == 2
    assert requests.get(emu.base + "/_emulator/idle", timeout=5).json() == {"pending": 0}
    assert requests.post(emu.base + "/_emulator/reset-stats", timeout=5).status_code == 401  # writes still need one
    assert requests.post(emu.base + "/_emulator/reset-stats", auth=OTHER, timeout=5).json() == {"ok": True}
    assert requests.get(emu.base + "/_emulator/stats", auth=PARTNER, timeout=5).json()["requests"] == 0


def test_stats_and_reset_are_per_partner(spawn):
    emu = spawn("--delay", "0", "--partner", ":".join(PARTNER), "--partner", ":".join(OTHER))
    mine, theirs = Client(emu), Client(emu, auth=OTHER)
    mine.find("<customer/>")
    theirs.set(customer_xml("Theirs One", "theirs-one.example.com"))
    theirs.find("<customer/>")
    emu.wait_idle()

    def stats(auth):
        return requests.get(emu.base + "/_emulator/stats", auth=auth, timeout=5).json()

    assert (stats(PARTNER)["requests"], stats(PARTNER)["writes"]) == (1, 0)
    assert (stats(OTHER)["requests"], stats(OTHER)["writes"]) == (2, 1)
    assert stats(PARTNER)["provisioning"]["Provisioned"] == 0 and stats(OTHER)["provisioning"]["Provisioned"] == 1
    requests.post(emu.base + "/_emulator/reset-stats", auth=PARTNER, timeout=5)
    assert stats(PARTNER)["requests"] == 0 and stats(OTHER)["requests"] == 2  # only its own counters


def test_fail_next_acts_on_the_callers_objects_only(spawn):
    emu = spawn("--delay", "0", "--partner", ":".join(PARTNER), "--partner", ":".join(OTHER))
    mine, theirs = Client(emu), Client(emu, auth=OTHER)
    armed = requests.post(emu.base + "/_emulator/fail-next", json={"match": "shared name", "count": 5},
                          auth=OTHER, timeout=5).json()
    assert armed["ok"] and [r["match"] for r in armed["rules"]] == ["shared name"]
    mine_ids = mine.set(customer_xml("Shared Name One", "shared-one.example.com")).ids
    assert mine.wait(mine_ids)[0].findtext("status") == "Provisioned"  # not the other partner's to fail
    theirs_ids = theirs.set(customer_xml("Shared Name Two", "shared-two.example.com")).ids
    assert theirs.wait(theirs_ids)[0].findtext("status") == "Failed"
    # a partner sees its own rules only
    own = requests.post(emu.base + "/_emulator/fail-next", json={"match": "mine only"}, auth=PARTNER, timeout=5)
    assert [r["match"] for r in own.json()["rules"]] == ["mine only"]


def test_idle_reports_pending_requests(spawn):
    emu = spawn("--delay", "0.5", "--workers", "1")
    c = Client(emu)
    c.set(customer_xml("Idle One", "idle-one.example.com"))
    c.set(customer_xml("Idle Two", "idle-two.example.com"))
    assert emu.pending() == 2
    emu.wait_idle()
    assert emu.pending() == 0


def test_fail_next_matches_name_or_description_and_counts(client, emulator):
    tenant = Tenant(client)
    r = emulator.fail_next("MarkerUser", count=2)
    assert r.status_code == 200
    users = "".join(f"<user><name>{n}</name><fullname>{f}</fullname><password><password>Str0ng!Passw0rd</password>"
                    "</password></user>" for n, f in (("a1", "Plain A"), ("a2", "MarkerUser Two"),
                                                      ("markeruser", "Plain B"), ("a4", "MarkerUser Four")))
    ids = client.set(f"<customer><name>{tenant.code}</name>{users}</customer>").ids
    statuses = [n.findtext("status") for n in client.wait(ids)]
    assert statuses == ["Provisioned", "Failed", "Failed", "Provisioned"]  # count=2 used up
    assert client.poll(ids[1]).findtext("message") == "Simulated provisioning failure"


def test_fail_next_validation_and_auth(emulator):
    assert requests.post(emulator.base + "/_emulator/fail-next", json={"match": "x"}, timeout=5).status_code == 401
    for body in ({}, {"match": ""}, {"match": "x", "count": 0}, {"match": "x", "count": "many"}):
        r = requests.post(emulator.base + "/_emulator/fail-next", json=body, auth=PARTNER, timeout=5)
        assert r.status_code == 400
    r = requests.post(emulator.base + "/_emulator/fail-next", data=b"not json", auth=PARTNER, timeout=5)
    assert r.status_code == 400


def test_control_wrong_method_and_unknown(emulator):
    assert requests.post(emulator.base + "/_emulator/stats", timeout=5).status_code == 405
    assert requests.get(emulator.base + "/_emulator/reset-stats", timeout=5).status_code == 405
    assert requests.get(emulator.base + "/_emulator/nope", timeout=5).status_code == 404
    assert requests.post(emulator.base + "/", timeout=5).status_code == 405


def test_status_page_colours_and_escaping(client, emulator):
    tenant = Tenant(client, exchange=True)
    tenant.add_user("esc", extra="<fullname>&lt;script&gt;alert('x')&lt;/script&gt; &amp; Co</fullname>")
    emulator.fail_next(f"fails_{tenant.code}")
    ids = tenant.add_user("fails", wait=False).ids
    client.wait(ids)
    page = requests.get(emulator.base + f"/?client={tenant.code}", auth=PARTNER, timeout=5)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in html
    assert tenant.fullname in html and tenant.code in html
    for status, colour in (("NotProvisioned", "grey"), ("Requested", "yellow"), ("InProgress", "orange"),
                           ("Provisioned", "green"), ("Failed", "red"), ("Pending", "blue")):
        assert f'class="badge {colour} status-{status}"' in html
    # live objects: Provisioned customer, Failed user, NotProvisioned mailbox
    section = html[html.index('id="users"'):]
    assert 'status-Provisioned' in section and 'status-Failed' in section and 'status-NotProvisioned' in section
    assert "Str0ng!Passw0rd" not in html
    # the shared emulator holds every client its worker's tests made: one page of 500 shows them all
    overview = requests.get(emulator.base + "/?per=500", auth=PARTNER, timeout=5).text
    assert f'data-code="{tenant.code}"' in overview and tenant.fullname in overview
