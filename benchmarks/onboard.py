#!/usr/bin/env python3
"""Onboarding benchmark: the role against a real emulator, fast or slow and flaky, and against a plain-Python floor.

Run with the project's venv, for example:

    .venv/bin/python benchmarks/onboard.py --users 1000                          # zero latency: role vs plain script
    .venv/bin/python benchmarks/onboard.py --users 300 --delay 0.5 --workers 4   # a slow Cortex
    .venv/bin/python benchmarks/onboard.py --users 1000 --fault-rate 0.1 --seed 7  # a flaky one
    .venv/bin/python benchmarks/onboard.py --users 300 --latency 0.1 --delay 0.5   # a real Cortex's answer time

Each run gets a fresh emulator (``--delay`` seconds of provisioning per request, ``--workers`` provisioning workers,
``--fault-rate`` of faults: 500, 503 + Retry-After, connections dropped after the write was committed, slow answers,
provisioning Failed) and onboards one kind of client: a tenant with two domains, an administrator, Hosted Exchange,
N users each with a mailbox. It prints, from the emulator's own counters:

1. the role (playbooks/onboard_client.yml): wall time, API requests by action, writes, provisioning requests made,
   **API requests per provisioning request** (writes included), and the provisioning floor
   (provisioning requests x delay / workers) with the wall time's ratio to it;
2. with faults, the runs it took to converge (the role is run again until it succeeds, at most ``--max-runs``), and a
   check that every user and mailbox exists exactly once and is Provisioned;
3. the idempotent re-run: wall time, requests, writes, changed count, against one ``cortex_user_info`` run over the
   same tenant (the best of ``--repeat`` runs of each): the ratio of the two;
4. at zero latency, a plain Python script that sends the same requests through the collection's own client classes
   (the same batches, the same poll scheduler, the same concurrency) without Ansible: the floor the role is compared to
   (the best of ``--repeat`` runs of each, the role's first runs each against a fresh emulator);
5. at zero latency, Ansible's own floor for the role: a role with the same argument specification and as many tasks
   as the first run ran, each doing nothing, given the same extra vars; with the plain script, the lowest ratio the
   role's contract (a role with an argument specification, composing the modules step by step) leaves reachable;
6. at zero latency, the first run again (fresh emulators, the best of ``--repeat``) with the users given as a CSV export
   (``client_onboarding_users_csv``), as a partner migrating thousands of users gives them: Ansible then neither
   loads them as extra vars nor validates them against the role's argument specification.

Numbers, not assertions: the targets are read here, not asserted.
"""

import argparse
import csv
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

from cortex_emulator import launcher

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
CONCURRENCY = 8
BATCH = 25


def password():
    """A password of the Cortex rule: "Pw-" and "-9a" give it 4 kinds of characters; the random part has no vowel, so it
    never holds 3 characters of a UPN or name here (each such part has one), which the rule refuses."""
    alphabet = "".join(c for c in string.ascii_letters if c.lower() not in "aeiouy") + string.digits
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
    """A fresh emulator for one measurement."""

    def __init__(self, args, faults=True):
        self.state = tempfile.mkdtemp(prefix="cortex-bench-")
        serve = ["--delay", str(args.delay), "--workers", str(args.workers), "--latency", str(args.latency)]
        if faults and args.fault_rate:
            serve += ["--fault-rate", str(args.fault_rate)]
            if args.seed is not None:
                serve += ["--seed", str(args.seed)]
        self.running = launcher.start(os.path.join(self.state, "emulator"), serve)
        self.env = self.running.connection.env()

    def stats(self):
        return self.running.stats()

    def stop(self):
        self.running.stop()
        shutil.rmtree(self.state, ignore_errors=True)


def ansible_env(emulator, progress=True):
    collections = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "collection-tree.py"), "--quiet"],
                                 check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""),
               ANSIBLE_COLLECTIONS_PATH=collections.split("/ansible_collections/")[0],
               ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_INVENTORY_UNPARSED_WARNING="False", ANSIBLE_NOCOLOR="1")
    env.update((k, v) for k, v in emulator.env.items() if k.startswith("CORTEX_"))
    return env


USER_INFO = """---
- name: One cortex_user_info run over the client's tenant
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Read every user of the tenant
      cloudforyou.cortex.cortex_user_info:
        tenant: "{{ tenant }}"
"""


def playbook(path, extra_vars_file, env, show_progress=False):
    start = time.monotonic()
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", path, "-e", "@" + extra_vars_file],
                          env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    elapsed = time.monotonic() - start
    recap = proc.stdout.split("PLAY RECAP")[-1]
    changed = re.search(r"changed=(\d+)", recap)
    progress = [line for line in proc.stdout.splitlines() if re.search(r": \d+/\d+ provisioned", line)]
    if show_progress and progress:
        print("   progress lines printed: %d, e.g. %r" % (len(progress), progress[len(progress) // 2].strip()))
    summary = re.search(r"Client \S+ \([^)]*\): [^\"]*", proc.stdout)
    return dict(time=elapsed, rc=proc.returncode, changed=int(changed.group(1)) if changed else None,
                summary=summary.group(0) if summary else None, output=proc.stdout, progress=len(progress))


def csv_vars(work, described):
    """Extra vars with the client's users in a CSV export beside them (client_onboarding_users_csv)."""
    path = os.path.join(work, "users.csv")
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["upn", "first_name", "last_name", "password", "plan"])
        for user in described["users"]:
            writer.writerow([user["upn"], user["first_name"], user["last_name"], user["password"], user["plan"]])
    path_vars = os.path.join(work, "client_csv.json")
    with open(path_vars, "w") as fh:
        json.dump({"cortex_client": dict((k, v) for k, v in described.items() if k != "users"),
                   "client_onboarding_users_csv": path}, fh)
    return path_vars


def ansible_floor(work, extra_vars_file, tasks, repeat=3):
    """Seconds ansible-playbook takes to run a role with the onboarding role's argument specification and defaults,
    and ``tasks`` tasks that do nothing, with the same extra vars: what Ansible costs before the role does any work."""
    source = os.path.join(ROOT, "roles", "client_onboarding")
    role = os.path.join(work, "floor", "roles", "floor")
    for part in ("meta", "defaults"):
        shutil.copytree(os.path.join(source, part), os.path.join(role, part), dirs_exist_ok=True)
    with open(os.path.join(role, "meta", "main.yml"), "w") as fh:
        fh.write("---\ndependencies: []\n")
    os.makedirs(os.path.join(role, "tasks"), exist_ok=True)
    with open(os.path.join(role, "tasks", "main.yml"), "w") as fh:
        fh.write("---\n" + "".join("- name: Task %d\n  ansible.builtin.debug:\n    msg: nothing\n" % i
                                    for i in range(tasks)))
    play = os.path.join(work, "floor", "floor.yml")
    with open(play, "w") as fh:
        fh.write("- name: Floor\n  hosts: localhost\n  connection: local\n  gather_facts: false\n"
                 "  roles:\n    - role: floor\n")
    times = []
    for dummy in range(repeat):
        result = playbook(play, extra_vars_file, dict(os.environ, ANSIBLE_LOCALHOST_WARNING="False"))
        if result["rc"]:
            raise SystemExit("the floor playbook failed:\n" + result["output"][-2000:])
        times.append(result["time"])
    return times


def delta(after, before):
    made = sum(after["provisioning"].values()) - sum(before["provisioning"].values())
    by_action = dict((k, v - before["by_action"].get(k, 0)) for k, v in after["by_action"].items())
    return dict(requests=after["requests"] - before["requests"], writes=after["writes"] - before["writes"],
                provisioning=made, by_action=by_action)


def verify(emulator, n_users):
    """Every user and mailbox exists exactly once, and is Provisioned (read from the API, not the role's output)."""
    from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexClient
    from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import CortexAPI
    env = emulator.env
    api = CortexAPI(CortexClient(env["CORTEX_URL"], env["CORTEX_USERNAME"], env["CORTEX_PASSWORD"]))
    tenants = [t for t in api.find_tenants(name="Benchmark Boulangerie")]
    if len(tenants) != 1:
        return "%d tenants named Benchmark Boulangerie" % len(tenants)
    users = api.find_users(tenants[0]["code"], with_exchange=True) or []
    upns = [u["upn"] for u in users]
    problems = []
    if len(upns) != len(set(upns)):
        problems.append("%d duplicate UPNs" % (len(upns) - len(set(upns))))
    if len(users) != n_users + 1:
        problems.append("%d users instead of %d" % (len(users), n_users + 1))
    bad = [u["upn"] for u in users if u["status"] != "Provisioned"]
    no_mailbox = [u["upn"] for u in users if u["upn"].startswith("u") and (u.get("exchange") or {}).get("status")
                  != "Provisioned"]
    if bad:
        problems.append("%d users not Provisioned" % len(bad))
    if no_mailbox:
        problems.append("%d mailboxes not Provisioned" % len(no_mailbox))
    return "; ".join(problems) or "ok: %d users and %d mailboxes, each once, all Provisioned" % (
        len(users), len(users) - 1)


def plain_floor(emulator, c):
    """The role's requests, sent by a plain script through the collection's client classes, without Ansible."""
    from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexClient
    from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_poll import Job, Scheduler
    from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import CortexAPI
    from concurrent.futures import ThreadPoolExecutor
    env = emulator.env
    api = CortexAPI(CortexClient(env["CORTEX_URL"], env["CORTEX_USERNAME"], env["CORTEX_PASSWORD"],
                                 pool_size=CONCURRENCY))
    pool = ThreadPoolExecutor(CONCURRENCY)

    def parallel(function, items):
        return list(pool.map(function, items))

    def wait(jobs):
        scheduler = Scheduler(api, concurrency=CONCURRENCY, parallel=parallel)
        scheduler.add(jobs)
        scheduler.run(time.time() + 3600)

    def job(kind, rid, **ref):
        return Job(dict(ref, kind=kind, tenant=code), rid)

    api.find_tenants(name=c["name"])  # the preflight's reads, as the role makes them
    tenant = dict((k, c[k]) for k in ("name", "contact_name", "contact_email", "address", "city", "zip_code",
                                      "country", "password_never_expires"))
    tenant.update(primary_domain=c["domains"][0]["name"], domains=[d["name"] for d in c["domains"]])
    ids = api.create_tenant(tenant)
    code = api.find_tenants(name=c["name"])[0]["code"]
    wait([job("tenant", i) for i in ids])
    api.get_tenant(code)
    admin = c["admin"]
    admin_ids = api.create_user(code, "admin", dict(upn=admin["upn"], first_name=admin["first_name"],
                                                   last_name=admin["last_name"], password=admin["password"],
                                                   roles=["Customer Administrator"]))
    api.get_tenant(code)
    api.get_tenant_exchange(code)
    x = c["exchange"]
    wait([job("exchange", i) for i in api.set_tenant_exchange(code, x["version"], x["customer_plan"], x["user_plans"])])
    api.get_tenant(code)
    api.find_users(code)
    users = c["users"]
    batches = [users[i:i + BATCH] for i in range(0, len(users), BATCH)]
    user_ids = [i for ids, dummy in parallel(lambda batch: api.set_users(code, [
        (u["upn"].split("@")[0], dict(upn=u["upn"], first_name=u["first_name"], last_name=u["last_name"],
                                      display_name="%s %s" % (u["first_name"], u["last_name"]),
                                      password=u["password"], roles=[])) for u in batch]), batches) for i in ids]
    api.get_tenant(code)
    api.get_tenant_exchange(code)
    api.find_users(code, with_exchange=True)
    mailbox_ids = [i for ids, dummy in parallel(lambda batch: api.set_mailboxes(code, [
        ("%s_%s" % (u["upn"].split("@")[0], code), u["plan"]) for u in batch]), batches) for i in ids]
    wait([job("user", i) for i in admin_ids + user_ids] + [job("mailbox", i) for i in mailbox_ids])
    pool.shutdown()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds of provisioning per request")
    parser.add_argument("--workers", type=int, default=4, help="provisioning workers of the emulator")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds every API request takes (IIS + SQL)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the re-run and of its baseline (the best kept)")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--max-runs", type=int, default=5, help="with faults: runs allowed to converge")
    parser.add_argument("--no-floor", action="store_true", help="skip the plain-script floor")
    args = parser.parse_args()
    collection_parent = os.path.join(ROOT, "build", "unit")
    link = os.path.join(collection_parent, "ansible_collections", "cloudforyou", "cortex")
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    sys.path.insert(0, collection_parent)
    work = tempfile.mkdtemp(prefix="cortex-bench-vars-")
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work):
    n = args.users
    print("Onboarding benchmark: %d users with mailboxes; emulator delay %s s, %d workers, latency %s s, fault rate %s%s"
          % (n, args.delay, args.workers, args.latency, args.fault_rate,
             "" if args.seed is None else ", seed %d" % args.seed))
    big = os.path.join(work, "client.json")
    with open(big, "w") as fh:
        json.dump({"cortex_client": client(n)}, fh)

    emulator = Emulator(args)
    try:
        env = ansible_env(emulator)
        before = emulator.stats()
        runs, first = [], None
        while len(runs) < (args.max_runs if args.fault_rate else 1):
            runs.append(playbook(os.path.join(ROOT, "playbooks", "onboard_client.yml"), big, env,
                                 show_progress=not runs))
            if first is None:
                first = delta(emulator.stats(), before)
            if runs[-1]["rc"] == 0:
                break
        after = emulator.stats()
        made = first["provisioning"]
        floor = made * args.delay / max(args.workers, 1)
        role = runs[0]
        print("1. role, first run: %.1f s, rc=%d, %d API requests %s, %d writes, %d provisioning requests"
              % (role["time"], role["rc"], first["requests"], first["by_action"], first["writes"], made))
        print("   API requests per provisioning request, writes included: %.2f (target: at most 0.25)"
              % (first["requests"] / float(made or 1)))
        if args.delay:
            print("   provisioning floor %d x %s s / %d workers = %.1f s; wall time / floor = %.2f (target: at most 1.2)"
                  % (made, args.delay, args.workers, floor, role["time"] / floor))
        print("   %s" % role["summary"])
        failed = [line.strip().strip('",') for line in role["output"].splitlines() if '"FAILED ' in line]
        for line in failed[:10]:
            print("   first run: %s" % line[:400])
        if args.fault_rate:
            total = delta(after, before)
            print("2. runs to converge: %d (%s); faults applied: %s; all runs together: %d requests for %d "
                  "provisioning requests" % (len(runs), ", ".join("rc=%d %.0fs" % (r["rc"], r["time"]) for r in runs),
                                             after.get("faults"), total["requests"], total["provisioning"]))
            if runs[-1]["rc"]:
                print("   last run's end:\n" + "\n".join(runs[-1]["output"].splitlines()[-25:]))
        print("   check by the API: %s" % verify(emulator, n))
        code = re.search(r"Client (\S+) \(", role["summary"] or "")
        info = os.path.join(work, "user_info.yml")
        with open(info, "w") as fh:
            fh.write(USER_INFO)
        tenant_vars = os.path.join(work, "tenant.json")
        with open(tenant_vars, "w") as fh:
            json.dump({"tenant": code.group(1) if code else "BB"}, fh)
        reruns, infos = [], []
        for dummy in range(max(args.repeat, 1)):
            mark = emulator.stats()
            reruns.append((playbook(os.path.join(ROOT, "playbooks", "onboard_client.yml"), big, env),
                           delta(emulator.stats(), mark)))
            mark = emulator.stats()
            infos.append((playbook(info, tenant_vars, env), delta(emulator.stats(), mark)))
        rerun, again = min(reruns, key=lambda pair: pair[0]["time"])
        print("3. idempotent re-run: %.1f s (best of %d: %s), rc=%d, %d API requests %s, %d writes, changed=%s"
              % (rerun["time"], len(reruns), ", ".join("%.1f" % r["time"] for r, dummy in reruns), rerun["rc"],
                 again["requests"], again["by_action"], again["writes"], rerun["changed"]))
        one, one_sent = min(infos, key=lambda pair: pair[0]["time"])
        print("   one cortex_user_info run over the tenant (in-process): %.1f s (best of %d: %s), rc=%d, %d API requests"
              % (one["time"], len(infos), ", ".join("%.1f" % r["time"] for r, dummy in infos), one["rc"],
                 one_sent["requests"]))
        module_runs = [playbook(info, tenant_vars, dict(env, CORTEX_IN_PROCESS="0")) for dummy in infos]
        module_run = min(module_runs, key=lambda r: r["time"])
        print("   one cortex_user_info run over the tenant (a module run, AnsiballZ): %.1f s (best of %d: %s)"
              % (module_run["time"], len(module_runs), ", ".join("%.1f" % r["time"] for r in module_runs)))
        print("   re-run / one cortex_user_info run = %.2f (target: at most 2.0); against it in-process: %.2f"
              % (rerun["time"] / module_run["time"], rerun["time"] / one["time"]))
    finally:
        emulator.stop()

    if args.delay or args.fault_rate or args.no_floor:
        return
    # The machine's times vary from run to run: each first run below is made --repeat times, each against a fresh
    # emulator, and the best kept, as the re-runs above.
    repeat = max(args.repeat, 1)
    firsts = [role["time"]] + [fresh_first_run(args, big) for dummy in range(repeat - 1)]
    plains = []
    for dummy in range(repeat):
        emulator = Emulator(args, faults=False)
        try:
            before = emulator.stats()
            start = time.monotonic()
            plain_floor(emulator, client(n))
            plains.append(time.monotonic() - start)
            sent = delta(emulator.stats(), before)
        finally:
            emulator.stop()
    elapsed, first = min(plains), min(firsts)
    print("4. plain Python script, the role's requests through the collection's classes, concurrency %d: %.1f s "
          "(best of %d: %s), %d API requests %s" % (CONCURRENCY, elapsed, len(plains), listed(plains),
                                                    sent["requests"], sent["by_action"]))
    print("   role's first run: %.1f s (best of %d: %s); role / plain script = %.2f (target: at most 2)"
          % (first, len(firsts), listed(firsts), first / elapsed))
    tasks = len([line for line in re.findall(r"^TASK \[.*", role["output"], re.M) if "Validating arguments" not in line])
    ansible = ansible_floor(work, big, tasks)
    print("5. Ansible's own floor: a role with the same argument specification and %d tasks doing nothing, the same "
          "extra vars: %.1f s (best of %d: %s)" % (tasks, min(ansible), len(ansible), listed(ansible)))
    print("   (Ansible's floor + plain script) / plain script = %.2f: the lowest role / plain script ratio reachable; "
          "the role spends %.1f s beyond both" % ((min(ansible) + elapsed) / elapsed, first - min(ansible) - elapsed))
    from_csv = [fresh_first_run(args, csv_vars(work, client(n))) for dummy in range(repeat)]
    print("6. role, first run, the users from a CSV export (client_onboarding_users_csv): %.1f s (best of %d: %s)"
          % (min(from_csv), len(from_csv), listed(from_csv)))
    print("   role / plain script = %.2f (target: at most 2)" % (min(from_csv) / elapsed))


def listed(times):
    return ", ".join("%.1f" % t for t in times)


def fresh_first_run(args, extra_vars_file):
    """Seconds of a first run of the role against a fresh emulator; the run must succeed and leave every user and
    mailbox Provisioned."""
    emulator = Emulator(args, faults=False)
    try:
        result = playbook(os.path.join(ROOT, "playbooks", "onboard_client.yml"), extra_vars_file, ansible_env(emulator))
        checked = verify(emulator, args.users)
    finally:
        emulator.stop()
    if result["rc"] or not checked.startswith("ok"):
        raise SystemExit("a first run failed (rc=%d, %s):\n%s" % (result["rc"], checked, result["output"][-2000:]))
    return result["time"]


if __name__ == "__main__":
    main()
