#!/usr/bin/env python3
"""Fleet benchmark: many clients onboarded at once by playbooks/onboard_clients.yml, one fork and then many.

Run with the project's venv, for example:

    .venv/bin/python benchmarks/fleet.py                                   # 50 clients x 10 users, forks 1 then 10
    .venv/bin/python benchmarks/fleet.py --clients 20 --users 5 --forks 1 4 8
    .venv/bin/python benchmarks/fleet.py --delay 0.5 --workers 4           # a slow Cortex
    .venv/bin/python benchmarks/fleet.py --clients 16 --users 3 --forks 4  # the no-op re-run in module runs per client
    .venv/bin/python benchmarks/fleet.py --forks 10 --latency 0.1 --delay 0.5 --workers 4 --no-rerun  # wall vs floor

The fleet is an inventory directory as docs/day2.md lays one out: hosts.yml with the group cortex_clients, and one
host_vars/CODE.yml per client holding its cortex_client (a tenant with one domain, an administrator, Hosted Exchange
and N users, each with a mailbox). For each --forks value, a fresh emulator (``--delay`` seconds of provisioning per
request, ``--workers`` provisioning workers) and one run of

    ansible-playbook playbooks/onboard_clients.yml -i FLEET --forks N

printing, from the emulator's own counters: wall time, API requests (by action), writes and provisioning requests,
the fleet summary line the playbook ends with, and the speed-up over the first --forks value. Then, on the emulator of
the last run, the idempotent re-run: wall time, requests, writes and the changed count of the play recap.

Numbers, not assertions: nothing here checks a time.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import yaml
from cortex_emulator import launcher
from onboard import password  # benchmarks/onboard.py, beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
PLAYBOOK = os.path.join(ROOT, "playbooks", "onboard_clients.yml")


def client(index, n_users):
    code = "FLT%03d" % index
    domain = "fleet%03d.example" % index
    return code, {
        "name": "Fleet Client %03d" % index,
        "code": code,
        "contact_name": "Paul Martin",
        "contact_email": "paul@" + domain,
        "address": "%d rue des Lilas" % index,
        "city": "Lyon",
        "zip_code": "69003",
        "country": "France",
        "domains": [{"name": domain, "primary": True}],
        "admin": {"upn": "admin@" + domain, "first_name": "Paul", "last_name": "Martin", "password": password()},
        "exchange": {"version": "2010", "customer_plan": "Default", "user_plans": ["FORFAIT_2GO", "FORFAIT_10GO"]},
        "users": [{"upn": "u%03d@%s" % (i, domain), "first_name": "Prenom%d" % i, "last_name": "Nom%d" % i,
                   "password": password(), "plan": "FORFAIT_2GO" if i % 2 else "FORFAIT_10GO"}
                  for i in range(n_users)],
    }


def write_fleet(directory, n_clients, n_users):
    """hosts.yml and host_vars/CODE.yml, one per client (mode 0600: they hold passwords)."""
    os.makedirs(os.path.join(directory, "host_vars"))
    codes = []
    for index in range(1, n_clients + 1):
        code, description = client(index, n_users)
        codes.append(code)
        path = os.path.join(directory, "host_vars", code + ".yml")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as fh:
            yaml.safe_dump({"cortex_client": description}, fh, sort_keys=False)
    with open(os.path.join(directory, "hosts.yml"), "w") as fh:
        yaml.safe_dump({"cortex_clients": {"hosts": dict((code, None) for code in codes)}}, fh)
    return codes


def ansible_env(emulator):
    collections = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "collection-tree.py"), "--quiet"],
                                 check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""),
               ANSIBLE_COLLECTIONS_PATH=collections.split("/ansible_collections/")[0],
               ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_NOCOLOR="1", ANSIBLE_HOST_KEY_CHECKING="False")
    env.update((k, v) for k, v in emulator.connection.env().items() if k.startswith("CORTEX_"))
    return env


ONE_MODULE_RUN = """---
# One module run per client: the cost a no-op fleet run is compared to.
- name: One module run per client
  hosts: cortex_clients
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Read the client's users
      cloudforyou.cortex.cortex_user_info:
        tenant: "{{ cortex_client.code }}"
"""


def run_fleet(fleet, forks, env, playbook=PLAYBOOK):
    start = time.monotonic()
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), playbook, "-i", fleet, "--forks", str(forks)],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    elapsed = time.monotonic() - start
    recap = proc.stdout.split("PLAY RECAP")[-1]
    changed = [int(n) for n in re.findall(r"changed=(\d+)", recap)]
    failed = [int(n) for n in re.findall(r"failed=(\d+)", recap)]
    summary = re.search(r"Fleet: [^\"]*", proc.stdout)
    return dict(time=elapsed, rc=proc.returncode, changed=sum(changed), failed_hosts=sum(1 for n in failed if n),
                summary=summary.group(0).strip() if summary else None, output=proc.stdout)


def delta(after, before):
    made = sum(after["provisioning"].values()) - sum(before["provisioning"].values())
    by_action = dict((k, v - before["by_action"].get(k, 0)) for k, v in after["by_action"].items()
                     if v - before["by_action"].get(k, 0))
    return dict(requests=after["requests"] - before["requests"], writes=after["writes"] - before["writes"],
                provisioning=made, by_action=by_action)


def report(label, result, sent):
    print("%s: %.1f s, rc=%d, %d API requests %s, %d writes, %d provisioning requests"
          % (label, result["time"], result["rc"], sent["requests"], sent["by_action"], sent["writes"],
             sent["provisioning"]))
    print("   %s" % (result["summary"] or "no fleet summary line"))
    if result["rc"]:
        print("   end of its output:\n" + "\n".join(result["output"].splitlines()[-25:]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--users", type=int, default=10, help="users per client, each with a mailbox")
    parser.add_argument("--forks", type=int, nargs="+", default=[1, 10], help="one run per value, in this order")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds of provisioning per request")
    parser.add_argument("--workers", type=int, default=4, help="provisioning workers of the emulator")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds every API request takes (IIS + SQL)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the re-run and of its baseline (the best kept)")
    parser.add_argument("--no-rerun", action="store_true", help="skip the idempotent re-run")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="cortex-fleet-")
    try:
        fleet = os.path.join(work, "fleet")
        write_fleet(fleet, args.clients, args.users)
        baseline = os.path.join(work, "one_module_run.yml")
        with open(baseline, "w") as fh:
            fh.write(ONE_MODULE_RUN)
        print("Fleet benchmark: %d clients x %d users with mailboxes (%d users with the administrators, %d "
              "mailboxes); emulator delay %s s, %d workers, latency %s s; %d core(s)"
              % (args.clients, args.users, args.clients * (args.users + 1), args.clients * args.users, args.delay,
                 args.workers, args.latency, os.cpu_count() or 1))
        first = None
        for position, forks in enumerate(args.forks):
            emulator = launcher.start(os.path.join(work, "emulator-%d" % position),
                                      ["--delay", str(args.delay), "--workers", str(args.workers),
                                       "--latency", str(args.latency)])
            try:
                env = ansible_env(emulator)
                before = emulator.stats()
                result = run_fleet(fleet, forks, env)
                sent = delta(emulator.stats(), before)
                report("forks %-3d" % forks, result, sent)
                provisioning_floor = sent["provisioning"] * args.delay / max(args.workers, 1)
                chain_floor = sent["requests"] * args.latency / max(min(forks, args.clients), 1)
                floor = max(provisioning_floor, chain_floor)
                if floor:
                    print("   floor: provisioning %.1f s (%d x %s s / %d workers), chains %.1f s (%d requests x %s s / "
                          "%d forks): wall / floor = %.2f (target: at most 1.3)"
                          % (provisioning_floor, sent["provisioning"], args.delay, args.workers, chain_floor,
                             sent["requests"], args.latency, min(forks, args.clients), result["time"] / floor))
                if first is None:
                    first = result
                else:
                    print("   speed-up over forks %d: %.2fx" % (args.forks[0], first["time"] / result["time"]))
                if position == len(args.forks) - 1 and not args.no_rerun:
                    reruns, baselines = [], []
                    for dummy in range(max(args.repeat, 1)):
                        mark = emulator.stats()
                        reruns.append((run_fleet(fleet, forks, env), delta(emulator.stats(), mark)))
                        mark = emulator.stats()
                        baselines.append((run_fleet(fleet, forks, env, baseline), delta(emulator.stats(), mark)))
                    again, sent = min(reruns, key=lambda pair: pair[0]["time"])
                    report("idempotent re-run, forks %d (best of %d: %s)" % (
                        forks, len(reruns), ", ".join("%.1f" % r["time"] for r, dummy in reruns)), again, sent)
                    print("   changed=%d in the play recap (%d clients and localhost)" % (again["changed"], args.clients))
                    one, one_sent = min(baselines, key=lambda pair: pair[0]["time"])
                    print("one module run per client (cortex_user_info, in-process), forks %d: %.1f s (best of %d: %s), "
                          "%d API requests" % (forks, one["time"], len(baselines), ", ".join(
                              "%.1f" % r["time"] for r, dummy in baselines), one_sent["requests"]))
                    ansiballz = [run_fleet(fleet, forks, dict(env, CORTEX_IN_PROCESS="0"), baseline)
                                 for dummy in range(max(args.repeat, 1))]
                    module_run = min(ansiballz, key=lambda r: r["time"])
                    print("one module run per client (cortex_user_info as a module run, AnsiballZ), forks %d: %.1f s "
                          "(best of %d: %s)" % (forks, module_run["time"], len(ansiballz),
                                                ", ".join("%.1f" % r["time"] for r in ansiballz)))
                    print("   no-op re-run / one module run per client = %.2f module runs per client (target: at most "
                          "2.0, aim 1.0); against the same task in-process: %.2f; API requests per client %.1f"
                          % (again["time"] / module_run["time"], again["time"] / one["time"],
                             sent["requests"] / float(args.clients)))
            finally:
                emulator.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
