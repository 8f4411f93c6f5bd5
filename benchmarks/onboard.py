#!/usr/bin/env python3
"""Onboarding benchmark: the role against a per-user loop and against a plain Python floor.

Run with the project's venv:  .venv/bin/python benchmarks/onboard.py [--users 1000] [--loop-users 100]

Each measurement gets a fresh emulator (provisioning delay 0) and onboards the same kind of client: one tenant, two
domains, an administrator, Hosted Exchange, N users each with a mailbox. It prints

1. the role (playbooks/onboard_client.yml): wall time, and the API requests it sent;
2. the same onboarding with a per-user ``loop`` of the single-object modules, run for --loop-users users and scaled
   to N (the setup steps are counted once);
3. a plain Python script sending the same requests (the role's request pattern, read from the emulator's counters)
   with the same concurrency (8) over keep-alive connections: the floor;
4. the role's idempotent re-run: wall time, requests, writes, changed count.

Numbers, not assertions: the targets (role within 2x of the floor, re-run in seconds with changed=0) are read here.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from xml.sax.saxutils import escape

import requests
from cortex_emulator import launcher

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
CONCURRENCY = 8


def password():
    alphabet = string.ascii_letters + string.digits
    return "Pw-" + "".join(secrets.choice(alphabet) for _ in range(12)) + "-9a"


def client(n_users, name="Benchmark Boulangerie"):
    return {
        "name": name,
        "contact_name": "Paul Martin",
        "contact_email": "paul@bench-boulangerie.fr",
        "address": "12 rue des Lilas",
        "city": "Lyon",
        "zip_code": "69003",
        "country": "France",
        "password_never_expires": True,
        "domains": [{"name": "bench-boulangerie.fr", "primary": True}, {"name": "bench-patisserie.com"}],
        "admin": {"upn": "admin@bench-boulangerie.fr", "first_name": "Paul", "last_name": "Martin",
                  "password": password()},
        "exchange": {"version": "2010", "customer_plan": "Default", "user_plans": ["FORFAIT_2GO", "FORFAIT_10GO"]},
        "users": [{"upn": "u%05d@bench-boulangerie.fr" % i, "first_name": "Prenom%d" % i, "last_name": "Nom%d" % i,
                   "password": password(), "plan": "FORFAIT_2GO" if i % 2 else "FORFAIT_10GO"}
                  for i in range(n_users)],
    }


class Emulator(object):
    """A fresh emulator (cortex_emulator.launcher, provisioning delay 0, 4 workers) for one measurement."""

    def __init__(self):
        self.state = tempfile.mkdtemp(prefix="cortex-bench-")
        self.running = launcher.start(os.path.join(self.state, "emulator"), ["--delay", "0", "--workers", "4"])
        self.env = self.running.connection.env()
        self.base = self.running.base

    def stats(self):
        return self.running.stats()

    def stop(self):
        self.running.stop()
        shutil.rmtree(self.state, ignore_errors=True)


def ansible_env(emulator):
    collections = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "collection-tree.py"), "--quiet"],
                                 check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""),
               ANSIBLE_COLLECTIONS_PATH=collections.split("/ansible_collections/")[0],
               ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_INVENTORY_UNPARSED_WARNING="False", ANSIBLE_NOCOLOR="1")
    env.update((k, v) for k, v in emulator.env.items() if k.startswith("CORTEX_"))
    return env


def playbook(path, extra_vars_file, env):
    start = time.monotonic()
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), path, "-e", "@" + extra_vars_file], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    elapsed = time.monotonic() - start
    if proc.returncode:
        sys.exit("%s failed:\n%s" % (path, proc.stdout[-4000:]))
    changed = re.search(r"changed=(\d+)", proc.stdout.split("PLAY RECAP")[-1])
    return elapsed, int(changed.group(1)) if changed else None


LOOP_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Tenant, domains, admin, Exchange (once)
      ansible.builtin.include_role:
        name: cloudforyou.cortex.client_onboarding
      vars:
        cortex_client: "{{ bench_client | combine({'users': []}) }}"
    - name: One user per loop iteration
      cloudforyou.cortex.cortex_user:
        tenant: "{{ client_onboarding_tenant.tenant.code }}"
        upn: "{{ item.upn }}"
        first_name: "{{ item.first_name }}"
        last_name: "{{ item.last_name }}"
        password: "{{ item.password }}"
        wait: false
      loop: "{{ bench_client.users }}"
      loop_control:
        label: "{{ item.upn }}"
      register: users
    - name: One mailbox per loop iteration
      cloudforyou.cortex.cortex_exchange:
        tenant: "{{ client_onboarding_tenant.tenant.code }}"
        user: "{{ item.upn }}"
        plan: "{{ item.plan }}"
        wait: false
      loop: "{{ bench_client.users }}"
      loop_control:
        label: "{{ item.upn }}"
      register: mailboxes
    - name: Wait once
      cloudforyou.cortex.cortex_request_info:
        ids: "{{ (users.results + mailboxes.results) | map(attribute='request_ids') | flatten }}"
        wait: true
"""


class PlainClient(object):
    """The same HTTP requests as the role, from hand-written XML, CONCURRENCY at a time over keep-alive."""

    def __init__(self, url, username, password):
        self.url = url
        self.session = requests.Session()
        self.session.auth = (username, password)
        # As the collection's client does: the environment's proxy settings read once, not on every request.
        self.session.proxies = requests.utils.get_environ_proxies(url)
        self.session.trust_env = False
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=CONCURRENCY)
        self.session.mount("http://", adapter)
        self.count = 0

    def call(self, action, body):
        self.count += 1
        xml = '<?xml version="1.0" encoding="utf-8"?><request action="%s" version="1.0">%s</request>' % (action, body)
        response = self.session.post(self.url, data=xml.encode("utf-8"), timeout=60)
        response.raise_for_status()
        return response.text

    def ids(self, text):
        return [int(i) for i in re.findall(r"<request>\s*<id>(\d+)</id>", text)]

    def wait(self, ids):
        pending = list(ids)
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            while pending:
                answers = pool.map(lambda i: (i, self.call("GET", "<request><id>%d</id></request>" % i)), pending)
                pending = [i for i, text in answers if re.search(r"<status>(Requested|InProgress)</status>", text)]
                if pending:
                    time.sleep(0.05)

    def onboard(self, c):
        e = escape
        code_filter = "<customer><fullname>%s</fullname></customer>" % e(c["name"])
        self.call("FIND", code_filter)
        ids = self.ids(self.call("SET", (
            "<customer><fullname>{n}</fullname><contactname>{cn}</contactname><contactemail>{ce}</contactemail>"
            "<primarydomain>{d}</primarydomain><address>{a}</address><password><allowneverexpires>True"
            "</allowneverexpires></password><properties><property><name>City</name><value>{city}</value></property>"
            "<property><name>ZipCode</name><value>{z}</value></property><property><name>Country</name>"
            "<value>{co}</value></property></properties></customer>").format(
                n=e(c["name"]), cn=e(c["contact_name"]), ce=e(c["contact_email"]), d=c["domains"][0]["name"],
                a=e(c["address"]), city=e(c["city"]), z=c["zip_code"], co=c["country"])))
        code = re.search(r"<name>(\w+)</name>", self.call("FIND", code_filter)).group(1)
        self.wait(ids)
        customer = "<customer><name>%s</name>%%s</customer>" % code
        self.call("GET", customer % "<properties />")
        domains = "".join("<domain>%s</domain>" % d["name"] for d in c["domains"])
        pending = self.ids(self.call("SET", customer % ("<domains>%s</domains>" % domains)))
        admin = c["admin"]
        self.call("GET", customer % "<properties />")
        self.call("FIND", customer % ("<user><upn>%s</upn></user>" % admin["upn"]))
        pending += self.ids(self.call("SET", customer % (
            "<user><name>admin</name><upn>{u}</upn><firstname>{f}</firstname><lastname>{l}</lastname>"
            "<fullname>{f} {l}</fullname><password><password>{p}</password></password><roles><role>Customer "
            "Administrator</role></roles></user>").format(u=admin["upn"], f=admin["first_name"],
                                                         l=admin["last_name"], p=e(admin["password"]))))
        self.call("GET", customer % "<properties />")
        self.wait(pending)  # the Exchange service needs the tenant Provisioned again
        self.call("GET", customer % "<service><name>HE</name></service>")
        x = c["exchange"]
        self.wait(self.ids(self.call("SET", customer % (
            "<service><name>HE</name><version>{v}</version><package><name>{cp}</name><enabled>True</enabled>"
            "</package>{ups}</service>").format(v=x["version"], cp=x["customer_plan"], ups="".join(
                "<userpackage><name>%s</name><enabled>True</enabled></userpackage>" % p for p in x["user_plans"])))))
        self.call("GET", customer % "<properties />")
        self.call("FIND", customer % "<user />")

        def create_user(u):
            return self.ids(self.call("SET", customer % (
                "<user><name>{login}</name><upn>{upn}</upn><firstname>{f}</firstname><lastname>{l}</lastname>"
                "<fullname>{f} {l}</fullname><password><password>{p}</password></password></user>").format(
                    login=u["upn"].split("@")[0], upn=u["upn"], f=u["first_name"], l=u["last_name"],
                    p=e(u["password"]))))

        def create_mailbox(u):
            login = "%s_%s" % (u["upn"].split("@")[0], code)
            return self.ids(self.call("SET", customer % (
                "<user><name>%s</name><service><name>HE</name><userpackage><name>%s</name></userpackage></service>"
                "</user>" % (login, u["plan"]))))

        with ThreadPoolExecutor(CONCURRENCY) as pool:
            user_ids = [i for ids in pool.map(create_user, c["users"]) for i in ids]
            self.call("GET", customer % "<properties />")
            self.call("GET", customer % "<service><name>HE</name></service>")
            self.call("FIND", customer % "<user><service><name>HE</name></service></user>")
            mailbox_ids = [i for ids in pool.map(create_mailbox, c["users"]) for i in ids]
        self.wait(user_ids + mailbox_ids)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--loop-users", type=int, default=100)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="cortex-bench-vars-")
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work):
    n = args.users
    print("Onboarding benchmark: %d users with mailboxes, emulator delay 0, concurrency %d" % (n, CONCURRENCY))
    big = os.path.join(work, "client.json")
    with open(big, "w") as fh:
        json.dump({"cortex_client": client(n)}, fh)

    emulator = Emulator()
    try:
        env = ansible_env(emulator)
        before = emulator.stats()
        role_time, dummy = playbook(os.path.join(ROOT, "playbooks", "onboard_client.yml"), big, env)
        after = emulator.stats()
        role_requests = after["requests"] - before["requests"]
        print("1. role, %d users: %.1f s, %d API requests (%s)" % (n, role_time, role_requests, after["by_action"]))
        rerun_time, changed = playbook(os.path.join(ROOT, "playbooks", "onboard_client.yml"), big, env)
        again = emulator.stats()
        rerun = (again["requests"] - after["requests"], again["writes"] - after["writes"])
    finally:
        emulator.stop()

    small = os.path.join(work, "loop.json")
    with open(small, "w") as fh:
        json.dump({"bench_client": client(args.loop_users)}, fh)
    loop_playbook = os.path.join(work, "loop.yml")
    with open(loop_playbook, "w") as fh:
        fh.write(LOOP_PLAYBOOK)
    empty = os.path.join(work, "setup.json")
    with open(empty, "w") as fh:
        json.dump({"bench_client": client(0)}, fh)
    emulator = Emulator()
    try:
        env = ansible_env(emulator)
        setup_time, dummy = playbook(loop_playbook, empty, env)
    finally:
        emulator.stop()
    emulator = Emulator()
    try:
        env = ansible_env(emulator)
        loop_time, dummy = playbook(loop_playbook, small, env)
    finally:
        emulator.stop()
    per_user = (loop_time - setup_time) / args.loop_users
    print("2. per-user loop of single-object modules: %.1f s for %d users, %.2f s per user -> %.0f s scaled to %d"
          % (loop_time, args.loop_users, per_user, setup_time + per_user * n, n))

    emulator = Emulator()
    try:
        plain = PlainClient(emulator.env["CORTEX_URL"], emulator.env["CORTEX_USERNAME"],
                            emulator.env["CORTEX_PASSWORD"])
        start = time.monotonic()
        plain.onboard(client(n))
        floor = time.monotonic() - start
    finally:
        emulator.stop()
    print("3. plain Python script, same requests, concurrency %d: %.1f s, %d API requests" % (CONCURRENCY, floor,
                                                                                           plain.count))
    print("   role / floor = %.2f (target: at most 2)" % (role_time / floor))
    print("4. idempotent re-run of the role: %.1f s, %d API requests, %d writes, changed=%s"
          % (rerun_time, rerun[0], rerun[1], changed))


if __name__ == "__main__":
    main()
