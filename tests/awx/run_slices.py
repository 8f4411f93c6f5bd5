# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the fleet as AWX runs a sliced job template: each slice an ansible-runner job stream, all slices at once.

Run by tools/checks/slices.sh:

    python tests/awx/run_slices.py --collections DIR --emulator-state DIR --work DIR [--clients 12] [--slices 3]
                                   [--forks 4]

A job template with "Job Slicing" N > 1 launches a workflow of N jobs (awx/main/models/jobs.py,
JobTemplate.create_unified_job). Each job's inventory is the template's inventory cut down to its slice:
Inventory.get_script_data(slice_number=k, slice_count=N) (awx/main/models/inventory.py) takes the enabled hosts
ordered by name, and Inventory.get_sliced_hosts keeps hosts[k-1::N]; the groups keep only those hosts, so the slice's
group cortex_clients holds its clients only. The job gets it as the script inventory/hosts (write_inventory_file in
awx/main/tasks/jobs.py, from build_inventory), not as a --limit; a launch limit is passed on top with -l. On an
execution node, receptor runs `ansible-runner worker` on the job's stream (AWXReceptorJob in awx/main/tasks/receptor.py:
transmit on the controller, worker on the node, process back on the controller). What this does, the same way:

1. writes a fleet as docs/day2.md lays one out: FLEET/hosts.yml (the group cortex_clients; the hosts in no particular
   order) and FLEET/host_vars/CODE.yml per client (its cortex_client: an administrator and 2 to 4 users, some with a
   mailbox on one of two plans, passwords made here with `secrets`); imports it as an AWX inventory source from a
   project does (`ansible-inventory --list --export`, what RunInventoryUpdate runs);
2. starts an HTTPS emulator (a throw-away certificate, a random partner password, provisioning delay 0.05 s) and fills a
   "Cortex API" credential with it, injected as AWX injects it (tests/awx/run_like_awx.py): CORTEX_* variables only,
   the CA bundle as a file of env/ (its path as the node sees it);
3. per slice, a private data directory as AWX writes one: project/ (playbooks/), inventory/hosts (the slice's inventory
   script, as AWX writes it), env/extravars (AWX's meta variables), env/cmdline (the forks and the launch's limit, as
   RunJob.build_args writes them), env/settings, env/envvars;
   then, all slices at once, `ansible-runner transmit PDD -p onboard_clients.yml -i ID | ansible-runner worker
   --private-data-dir NODE_DIR | ansible-runner process PDD -i ID`, the node's answer stream kept aside;
4. asserts: every slice successful with rc 0; each slice onboarded its own clients only, and its fleet summary counts
   them only; from the emulator's counters (/_emulator/stats) and by reading Cortex (every provisioning request through
   cortex_request_info, every tenant through cortex_tenant_info): each tenant, Hosted Exchange, user and mailbox
   provisioned exactly once, no other write, no duplicate tenant code, nothing failed;
5. a user added to one tenant outside the files, whose provisioning Cortex fails (/_emulator/fail-next), and one
   client more in the inventory, not in Cortex yet; then playbooks/fleet_report.yml as one more job (the whole
   inventory, not sliced): every client with its users and mailboxes per plan as its file says, that user named as
   not Provisioned (Failed), that client as missing, nothing else; its CSV says the same;
6. the fleet launched again, with a limit naming every client and localhost (each slice gets the whole limit, mostly
   hosts of other slices): changed=0 in every slice, no write, no provisioning request, and each slice's fleet summary
   still counts its own clients (the summary play intersects the group with the limit's hosts in its inventory);
7. a slice none of whose clients a launch's limit names: it fails before any task and sends no request (what AWX
   documents: a limit that leaves a slice without hosts fails that slice);
8. no password (users', administrators', partner's) in any file of any job's directories - the controller's and the
   node's - nor in the node's answer streams, but in the jobs' inputs (env/, inventory/), where the search must find
   them all. The `env` of artifacts/ID/command and of the stream's "starting" status (ansible-runner sends the job's
   environment back) is read through AWX's masking rule (build_safe_env), as run_like_awx.py does.

--slices 1 runs the same fleet unsliced through the same machinery, --forks sets the forks of every job (for
comparisons: wall times and requests are printed, never asserted). Exit status 0 when every assertion holds.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import zipfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_like_awx as awx  # noqa: E402 - its helpers: credential type, injection, passwords, TLS certificate

BIN = os.path.dirname(sys.executable)
PLAYBOOK = "onboard_clients.yml"
REPORT_PLAYBOOK = "fleet_report.yml"
GROUP = "cortex_clients"
PLANS = ("FORFAIT_2GO", "FORFAIT_10GO")
FORKS = 4
FLEET_LINE = re.compile(r"Fleet: (\d+) client\(s\) - (\d+) onboarded or changed, (\d+) unchanged, (\d+) failed; "
                        r"objects (\d+) created, (\d+) changed, (\d+) removed")
CLIENT_LINE = re.compile(r"Client (\S+) \((.+?)\): (\d+) created, (\d+) changed, (\d+) removed, (\d+) unchanged, "
                         r"(\d+) failed")
RECAP_LINE = re.compile(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
FIRST_NAMES = ("Claire", "Marc", "Julie", "Karim", "Sophie", "Hugo", "Lina", "Yanis")
LAST_NAMES = ("Dubois", "Petit", "Moreau", "Benali", "Laurent", "Girard", "Fontaine", "Roussel")


class CheckFailed(awx.CheckFailed):
    pass


def log(msg):
    print("slices: %s" % msg, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# the fleet: files as docs/day2.md lays them out, imported as AWX imports an inventory source

def fleet_codes(count):
    """Tenant codes whose order in hosts.yml is not their order by name (AWX slices by name)."""
    numbers = [(17 + 29 * index) % 97 for index in range(count)]
    return ["SL%02d" % n for n in numbers]


def fleet_client(index, code, secret_values):
    domain = "%s.slices.example" % code.lower()
    admin_upn = "admin@" + domain
    admin_password = awx.make_password(admin_upn, "Lea Faure", code)
    secret_values["administrator password of %s" % code] = admin_password
    users = []
    for number in range(2 + index % 3):  # 2 to 4 users
        first, last = FIRST_NAMES[(index + number) % len(FIRST_NAMES)], LAST_NAMES[number]
        upn = "%s.%s@%s" % (first.lower(), last.lower(), domain)
        password = awx.make_password(upn, first, last)
        secret_values["password of %s" % upn] = password
        user = {"upn": upn, "first_name": first, "last_name": last, "password": password}
        if number % 4 != 3:  # the fourth user has no mailbox
            user["plan"] = PLANS[(index + number) % 2]
        users.append(user)
    return {
        "name": "Slice Client %s" % code[2:], "code": code, "contact_name": "Lea Faure",
        "contact_email": "lea@" + domain, "address": "%d rue des Tanneurs" % (index + 1), "city": "Grenoble",
        "zip_code": "38000", "country": "France",
        "domains": [{"name": domain, "primary": True}],
        "admin": {"upn": admin_upn, "first_name": "Lea", "last_name": "Faure", "password": admin_password},
        "exchange": {"version": "2010", "customer_plan": "Default", "user_plans": list(PLANS)},
        "users": users,
    }


def write_fleet(directory, count, secret_values):
    """FLEET/hosts.yml and FLEET/host_vars/CODE.yml (mode 0600: they hold passwords). Returns {code: cortex_client}."""
    os.makedirs(os.path.join(directory, "host_vars"))
    clients = {}
    for index, code in enumerate(fleet_codes(count)):
        clients[code] = fleet_client(index, code, secret_values)
        path = os.path.join(directory, "host_vars", code + ".yml")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as fh:
            fh.write("---\n")
            yaml.safe_dump({"cortex_client": clients[code]}, fh, sort_keys=False, allow_unicode=True)
    with open(os.path.join(directory, "hosts.yml"), "w", encoding="utf-8") as fh:
        fh.write("---\n")
        yaml.safe_dump({GROUP: {"hosts": dict((code, None) for code in clients)}}, fh, sort_keys=False)
    return clients


def import_inventory(fleet, env):
    """What an AWX inventory source "Sourced from a Project" stores: `ansible-inventory -i FLEET/hosts.yml --list
    --export` (host_vars/ beside it come with it), as {'hosts': {name: {id, enabled, variables}}, 'groups': {name:
    {hosts, children, variables}}, 'variables': all's}."""
    proc = subprocess.run([os.path.join(BIN, "ansible-inventory"), "-i", os.path.join(fleet, "hosts.yml"), "--list",
                           "--export", "--playbook-dir", fleet], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, check=False)
    if proc.returncode:
        raise CheckFailed("ansible-inventory could not read the fleet (%d): %s" % (proc.returncode, proc.stderr[-2000:]))
    data = json.loads(proc.stdout)
    hostvars = data.get("_meta", {}).get("hostvars", {})
    hosts = {}
    for index, name in enumerate(hostvars):
        hosts[name] = {"id": 1000 + index, "enabled": True, "variables": hostvars[name]}
    groups = {}
    for name, group in data.items():
        if name in ("_meta", "all", "ungrouped"):
            continue
        groups[name] = {"hosts": list(group.get("hosts", [])), "children": list(group.get("children", [])),
                        "variables": group.get("vars", {})}
    return {"hosts": hosts, "groups": groups, "variables": data.get("all", {}).get("vars", {})}


def sliced_hosts(inventory, slice_number, slice_count):
    """Inventory.get_sliced_hosts over the enabled hosts ordered by name (get_script_data's queryset)."""
    names = sorted(name for name, host in inventory["hosts"].items() if host["enabled"])
    if slice_count > 1 and slice_number > 0:
        names = names[slice_number - 1::slice_count]
    return names


def script_data(inventory, slice_number, slice_count):
    """Inventory.get_script_data(hostvars=True, towervars=True, slice_number, slice_count): what the job's inventory
    script prints."""
    names = sliced_hosts(inventory, slice_number, slice_count)
    data = {"all": {}}
    if inventory["variables"]:
        data["all"]["vars"] = inventory["variables"]
    grouped = set()
    for group_name, group in sorted(inventory["groups"].items()):
        info = {}
        members = [name for name in group["hosts"] if name in names]  # a host not in this slice is left out
        grouped.update(members)
        if members:
            info["hosts"] = members
        if group["children"]:
            info["children"] = group["children"]
        if group["variables"]:
            info["vars"] = group["variables"]
        if info:
            data[group_name] = info
    data["all"]["hosts"] = [name for name in names if name not in grouped]
    if inventory["groups"]:
        data["all"]["children"] = sorted(inventory["groups"])
    data["_meta"] = {"hostvars": {}}
    for name in names:
        host = inventory["hosts"][name]
        variables = dict(host["variables"])
        for prefix in ("host", "tower"):
            variables["remote_%s_enabled" % prefix] = str(host["enabled"]).lower()
            variables["remote_%s_id" % prefix] = host["id"]
        data["_meta"]["hostvars"][name] = variables
    return data


# ---------------------------------------------------------------------------------------------------------------
# jobs: private data directories as AWX writes them, run as receptor runs them

def write_private(path, text, mode=0o600):
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, mode)


class Job(object):
    """One AWX job: its private data directory on the controller (transmit, then process), the node's (worker)."""

    def __init__(self, work, name, ident, playbook, inventory_data, extravars, credential, ctype, collections, forks,
                 limit=None):
        self.name, self.ident, self.playbook = name, ident, playbook
        self.hosts = sorted((inventory_data.get(GROUP) or {}).get("hosts", []))  # the slice's clients
        self.targets = [h for h in self.hosts if limit is None or h in limit.split(",")]  # those the limit keeps
        self.path = os.path.join(work, name, "controller")
        self.node = os.path.join(work, name, "node")
        self.stream = os.path.join(work, name, "node-answer.stream")
        os.makedirs(os.path.join(self.path, "env"), mode=0o700)
        os.makedirs(os.path.join(self.path, "inventory"))
        shutil.copytree(awx.PLAYBOOKS, os.path.join(self.path, "project"),
                        ignore=shutil.ignore_patterns(".cache", "*.retry"))
        # the inventory script, as write_inventory_file writes it
        write_private(os.path.join(self.path, "inventory", "hosts"),
                      "#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n" % json.dumps(inventory_data),
                      0o700)
        env = awx.inject_credential(ctype, credential, self.path)
        # the file injector's path as the node sees it (AWX: get_incontainer_path; the node unpacks env/ in its dir)
        env = dict((key, value.replace(self.path, self.node)) for key, value in env.items())
        awx.write_env(self.path, "envvars", dict(env, ANSIBLE_COLLECTIONS_PATH=collections))
        awx.write_env(self.path, "extravars", extravars)
        awx.write_env(self.path, "settings", {"job_timeout": 0, "suppress_ansible_output": True,
                                              # AWX suppresses the stdout file; kept here to search it too
                                              "suppress_output_file": False})
        args = ["-u", "root", "--forks=%d" % forks] + (["-l", limit] if limit else [])
        write_private(os.path.join(self.path, "env", "cmdline"), " ".join(args))
        self.status = self.rc = None
        self.stdout = ""
        self.elapsed = 0.0

    def start(self, env):
        # On an execution node AWX adds --delete (the node's directory goes when the job ends): kept here, searched.
        runner = shlex.quote(os.path.join(BIN, "ansible-runner"))
        path, node, stream = shlex.quote(self.path), shlex.quote(self.node), shlex.quote(self.stream)
        values = (runner, path, self.playbook, self.ident, runner, node, stream, runner, path, self.ident)
        pipeline = ("set -o pipefail; %s transmit %s -p %s -i %s | %s worker --private-data-dir %s | tee %s | "
                    "%s process %s -i %s" % values)
        self.started = time.monotonic()
        self.log = open(os.path.join(os.path.dirname(self.path), "pipeline.log"), "w", encoding="utf-8")
        self.proc = subprocess.Popen(["bash", "-c", pipeline], env=env, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def wait(self):
        code = self.proc.wait()
        self.elapsed = time.monotonic() - self.started
        self.log.close()
        artifacts = os.path.join(self.path, "artifacts", str(self.ident))
        try:
            with open(os.path.join(artifacts, "status"), encoding="utf-8") as fh:
                self.status = fh.read().strip()
            with open(os.path.join(artifacts, "rc"), encoding="utf-8") as fh:
                self.rc = int(fh.read().strip())
            with open(os.path.join(artifacts, "stdout"), encoding="utf-8", errors="replace") as fh:
                self.stdout = fh.read()
        except (OSError, ValueError) as exc:
            with open(os.path.join(os.path.dirname(self.path), "pipeline.log"), encoding="utf-8", errors="replace") as fh:
                tail = fh.read()[-3000:]
            raise CheckFailed("job %s: no result in %s (%s; the pipeline exited %d):\n%s"
                              % (self.name, artifacts, exc.__class__.__name__, code, tail))
        if code != 0 and self.status == "successful":
            raise CheckFailed("job %s: the transmit | worker | process pipeline exited %d" % (self.name, code))

    def events(self):
        directory = os.path.join(self.path, "artifacts", str(self.ident), "job_events")
        found = []
        for name in sorted(os.listdir(directory)):
            with open(os.path.join(directory, name), encoding="utf-8") as fh:
                found.append(json.load(fh))
        return found

    def tail(self, lines=40):
        return "\n".join(self.stdout.splitlines()[-lines:])

    def expect_success(self):
        if self.status != "successful" or self.rc != 0:
            raise CheckFailed("job %s: status %s, rc %s (expected successful, 0); end of its stdout:\n%s"
                              % (self.name, self.status, self.rc, self.tail()))


def run_together(jobs, env):
    """Start every job, then wait for all: the slices of one launch run at the same time. The jobs get the collection
    from their env/envvars only, as from their execution environment."""
    env = dict((k, v) for k, v in env.items() if k not in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS"))
    started = time.monotonic()
    for job in jobs:
        job.start(env)
    for job in jobs:
        job.wait()
    return time.monotonic() - started


def meta_vars(job_id, name, workflow=None):
    """AWX's meta variables (UnifiedJob.awx_meta_vars / Job.awx_meta_vars), as each job's extra vars."""
    data = {}
    for prefix in ("awx", "tower"):
        data.update({"%s_job_id" % prefix: job_id, "%s_job_launch_type" % prefix: "manual",
                     "%s_job_template_name" % prefix: name, "%s_job_template_id" % prefix: 7,
                     "%s_user_name" % prefix: "operator", "%s_inventory_name" % prefix: "Cortex clients"})
        if workflow:
            data.update({"%s_workflow_job_id" % prefix: workflow, "%s_workflow_job_name" % prefix: name,
                         "%s_workflow_job_launch_type" % prefix: "manual"})
    return data


def sliced_run(work, label, inventory, slice_count, forks, credential, ctype, collections, env, first_id, limit=None):
    """One launch of the fleet template: slice_count jobs (one job when 1), all at once, each with the launch's limit
    on top of its slice (-l in env/cmdline, as RunJob.build_args passes it). Returns (jobs, wall time)."""
    jobs = []
    for number in range(1, slice_count + 1):
        job_id = first_id + number
        data = script_data(inventory, number, slice_count)
        workflow = first_id if slice_count > 1 else None
        jobs.append(Job(work, "%s-slice%d" % (label, number), job_id, PLAYBOOK, data,
                        meta_vars(job_id, "Onboard clients (fleet)", workflow), credential, ctype, collections, forks,
                        limit))
    return jobs, run_together(jobs, env)


# ---------------------------------------------------------------------------------------------------------------
# what each slice did

def check_slice(job, clients, first):
    """The slice onboarded (first) or left unchanged its own clients (those of them the launch's limit keeps) and no
    other, and its fleet summary counts those only."""
    job.expect_success()
    summaries = dict((m[0], [int(n) for n in m[2:]]) for m in CLIENT_LINE.findall(job.stdout))
    if sorted(summaries) != job.targets:
        raise CheckFailed("job %s: client summaries for %s, expected %s" % (job.name, sorted(summaries), job.targets))
    recap = dict((host, (int(changed), int(unreachable), int(failed)))
                 for host, changed, unreachable, failed in RECAP_LINE.findall(job.stdout))
    if sorted(recap) != sorted(job.targets + ["localhost"]):
        raise CheckFailed("job %s: play recap for %s, expected %s and localhost" % (job.name, sorted(recap), job.targets))
    outside = set(e.get("event_data", {}).get("host") for e in job.events()) - {None, ""} - set(job.targets)
    if outside - {"localhost"}:
        raise CheckFailed("job %s: events of hosts it should not touch: %s" % (job.name, sorted(outside)))
    count = len(job.targets)
    if first:
        made = 0
        for code in job.targets:
            client = clients[code]
            objects = 3 + len(client["users"]) + sum(1 for u in client["users"] if u.get("plan"))  # tenant, admin, HE
            if summaries[code][0] < objects or summaries[code][1:] != [0, 0, 0, 0]:
                raise CheckFailed("job %s: client %s: %s (at least %d created, nothing else expected)"
                                  % (job.name, code, summaries[code], objects))
            made += summaries[code][0]
        expected = [count, count, 0, 0, made, 0, 0]
    else:
        expected = [count, 0, count, 0, 0, 0, 0]
        changed = sorted(host for host, (changed_h, _u, failed_h) in recap.items() if changed_h or failed_h)
        if changed:
            raise CheckFailed("job %s: the re-run changed or failed on %s" % (job.name, ", ".join(changed)))
    found = FLEET_LINE.findall(job.stdout)
    if len(found) != 1 or [int(n) for n in found[0]] != expected:
        raise CheckFailed("job %s: fleet summary %s, expected %s for its %d client(s)"
                          % (job.name, FLEET_LINE.findall(job.stdout), expected, count))
    return FLEET_LINE.search(job.stdout).group(0)


# ---------------------------------------------------------------------------------------------------------------
# reading Cortex

def stats_delta(after, before):
    return {"requests": after["requests"] - before["requests"], "writes": after["writes"] - before["writes"],
            "by_action": dict((k, v - before["by_action"].get(k, 0)) for k, v in after["by_action"].items()
                              if v - before["by_action"].get(k, 0)),
            "provisioning": dict((k, v - before["provisioning"].get(k, 0)) for k, v in after["provisioning"].items()
                                 if v - before["provisioning"].get(k, 0))}


def read_cortex_then_stray(ctx, env, total_requests):
    """Every provisioning request and every tenant, read through the collection's info modules (a fresh emulator
    numbers its requests from cortex_emulator.store.FIRST_REQUEST_ID, as a real server numbers them from its own);
    then, in the same playbook, a user added to the first tenant outside the files, whose provisioning Cortex fails
    (POST /_emulator/fail-next first): the fleet report must show it; not in a client file, the fleet's runs leave it
    alone. Returns (what was read, (code, upn) of the stray user)."""
    import urllib.request
    from cortex_emulator import launcher
    from cortex_emulator.store import FIRST_REQUEST_ID

    code = sorted(ctx.clients)[0]
    upn = "stray.user@" + ctx.clients[code]["domains"][0]["name"]
    conn = ctx.emulator.connection
    request = urllib.request.Request(conn.base + "/_emulator/fail-next", method="POST", data=json.dumps(
        {"match": "stray.user_" + code, "count": 5, "message": "Mailbox database offline"}).encode(),
        headers={"Authorization": conn.basic(), "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10, context=launcher._context(conn.base)) as answer:  # noqa: S310
        json.load(answer)
    variables = os.path.join(ctx.work, "stray.json")
    # in no job's files: not searched for
    write_private(variables, json.dumps({"stray_password": awx.make_password(upn, "Stray User")}))
    playbook = os.path.join(ctx.work, "read_cortex.yml")
    out = os.path.join(ctx.work, "cortex.json")
    with open(playbook, "w", encoding="utf-8") as fh:
        yaml.safe_dump([{
            "name": "Read what Cortex holds", "hosts": "localhost", "connection": "local", "gather_facts": False,
            "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "tasks": [
                {"name": "Every provisioning request", "cloudforyou.cortex.cortex_request_info": {
                    "ids": list(range(FIRST_REQUEST_ID, FIRST_REQUEST_ID + total_requests))}, "register": "requests"},
                {"name": "Every tenant", "cloudforyou.cortex.cortex_tenant_info": {}, "register": "tenants"},
                {"name": "Keep them", "ansible.builtin.copy": {
                    "content": "{{ {'requests': requests.requests, 'tenants': tenants.tenants} | to_json }}",
                    "dest": out, "mode": "0600"}},
                {"name": "A user outside the files, whose provisioning fails", "cloudforyou.cortex.cortex_user": {
                    "tenant": code, "upn": upn, "first_name": "Stray", "last_name": "User",
                    "password": "{{ stray_password }}", "provisioning_retries": 0},
                 "register": "stray", "failed_when": "not stray.failed"},
            ]}], fh)
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), playbook, "-e", "@" + variables], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    if proc.returncode:
        raise CheckFailed("reading Cortex, or failing a stray user, failed:\n%s"
                          % "\n".join(proc.stdout.splitlines()[-30:]))
    with open(out, encoding="utf-8") as fh:
        return json.load(fh), (code, upn)


def request_key(request):
    """What a provisioning request provisions: (object type, tenant code, user login or Hosted Exchange service).
    A service request names its object in its description ("Provision HE to NAME" for a tenant's, "... to NAME
    (LOGIN)" for a user's mailbox)."""
    kind, name = request.get("object_type"), request.get("object_name")
    if kind == "User Service":
        match = re.search(r"\((\S+)\)$", request.get("description") or "")
        name = match.group(1) if match else None
    elif kind == "Customer Service":
        name = "%s to %s" % (name, re.sub(r"^\S+ \S+ to ", "", request.get("description") or ""))
    return kind, request.get("type"), name


def expected_requests(clients):
    """One provisioning of each tenant, its Hosted Exchange, its administrator and users, their mailboxes."""
    expected = {}
    for code, client in clients.items():
        expected[("Customer", "Object Provision", code)] = 1
        expected[("Customer Service", "Object Provision", "HE to %s" % client["name"])] = 1
        for user in [client["admin"]] + client["users"]:
            login = "%s_%s" % (user["upn"].split("@")[0], code)
            expected[("User", "Object Provision", login)] = 1
            if user.get("plan"):
                expected[("User Service", "Object Provision", login)] = 1
    return expected


# ---------------------------------------------------------------------------------------------------------------
# passwords

def scan_text(text, secret_values):
    found = []
    for label, secret in secret_values.items():
        if secret in text or json.dumps(secret, ensure_ascii=True)[1:-1] in text:
            found.append(label)
    return found


def masked_env(env):
    """What AWX keeps of a job's environment (build_safe_env)."""
    return dict((k, "**********" if awx.SAFE_ENV_HIDDEN.search(k) and not k.startswith("ANSIBLE_") else v)
                for k, v in (env or {}).items())


def scan_tree(top, secret_values, skip=("env", "inventory")):
    """[(file, label)] for the files under top (the job's inputs, `skip`, excepted). artifacts/ID/command is read
    without its `env` member, which is read through AWX's masking rule instead."""
    hits, files = [], 0
    for dirpath, dirnames, filenames in os.walk(top):
        if dirpath == top:
            dirnames[:] = [d for d in dirnames if d not in skip]
        for filename in filenames:
            full = os.path.join(dirpath, filename)
            files += 1
            with open(full, "rb") as fh:
                text = fh.read().decode("utf-8", errors="replace")
            parts = os.path.relpath(full, top).split(os.sep)
            if len(parts) == 3 and parts[0] == "artifacts" and parts[2] == "command":
                command = json.loads(text)
                env = command.pop("env", {})
                text = json.dumps(command, ensure_ascii=False) + json.dumps(masked_env(env), ensure_ascii=False)
            hits += [(os.path.relpath(full, top), label) for label in scan_text(text, secret_values)]
    return hits, files


def scan_stream(path, secret_values):
    """The node's answer (worker to process): JSON lines - status, events - and each artifact directory as a zip file
    in base64 (searched member by member, artifacts/ID/command as in scan_tree). The "starting" status carries the
    job's environment: read through AWX's masking rule. Returns ([label], lines and members read)."""
    hits, read = [], 0
    with open(path, "rb") as fh:
        while True:
            line = fh.readline()
            if not line:
                break
            read += 1
            data = json.loads(line)
            if "zipfile" in data:
                encoded = fh.read(4 * ((int(data["zipfile"]) + 2) // 3))
                with zipfile.ZipFile(io.BytesIO(base64.b64decode(encoded))) as archive:
                    for member in archive.infolist():
                        if member.is_dir():
                            continue
                        read += 1
                        text = archive.read(member).decode("utf-8", errors="replace")
                        if os.path.basename(member.filename) == "command":
                            command = json.loads(text)
                            env = command.pop("env", {})
                            text = json.dumps(command, ensure_ascii=False) + json.dumps(masked_env(env), ensure_ascii=False)
                        hits += scan_text(text, secret_values)
                continue
            if data.get("status") == "starting" and "env" in data:
                data["env"] = masked_env(data["env"])
            hits += scan_text(json.dumps(data, ensure_ascii=False), secret_values)
    return hits, read


def check_no_passwords(jobs, secret_values, streams_only=False):
    # the search must find every password where it belongs: in the jobs' inputs
    found = set()
    for job in jobs:
        for sub in ("env", "inventory"):
            hits, _n = scan_tree(os.path.join(job.path, sub), secret_values, skip=())
            found.update(label for _f, label in hits)
    if found != set(secret_values):
        raise CheckFailed("the search misses passwords in the jobs' inputs: %s" % sorted(set(secret_values) - found))
    leaks, files, lines = [], 0, 0
    for job in jobs:
        for top, where in ((job.path, "controller"), (job.node, "node")):
            hits, n = scan_tree(top, secret_values)
            files += n
            leaks += ["%s: %s %s holds the %s" % (job.name, where, f, label) for f, label in hits]
        hits, n = scan_stream(job.stream, secret_values)
        lines += n
        leaks += ["%s: the node's answer stream holds the %s" % (job.name, label) for label in hits]
    if leaks:
        raise CheckFailed("passwords found (%d):\n  %s" % (len(leaks), "\n  ".join(sorted(set(leaks)))))
    return files, lines


# ---------------------------------------------------------------------------------------------------------------

def report_job(ctx, missing):
    """fleet_report.yml as one job over the fleet's whole inventory (not sliced), with one more client in the files,
    `missing`, that is not in Cortex yet (added since the fleet's run)."""
    inventory = dict(ctx.inventory, hosts=dict(ctx.inventory["hosts"]), groups=dict(ctx.inventory["groups"]))
    inventory["hosts"][missing] = {"id": 2000, "enabled": True, "variables": {}}
    inventory["groups"][GROUP] = dict(inventory["groups"][GROUP], hosts=inventory["groups"][GROUP]["hosts"] + [missing])
    data = script_data(inventory, 1, 1)
    path = os.path.join(ctx.work, "fleet_report.csv")
    job = Job(ctx.work, "fleet-report", 200, REPORT_PLAYBOOK, data,
              dict(meta_vars(200, "Fleet report"), fleet_report_path=path), ctx.credential, ctx.ctype,
              ctx.collections, ctx.forks)
    elapsed = run_together([job], ctx.env)
    job.expect_success()
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return job, rows, elapsed


def check_report(job, rows, clients, stray, missing):
    """fleet_report.yml: every client with its users and mailboxes per plan as its file says, all Provisioned but the
    stray user (code, upn), which Cortex failed, and the client `missing`, which Cortex does not hold."""
    lines = []
    for event in job.events():
        if event.get("event") == "runner_on_ok" and event["event_data"].get("task") == "Fleet report":
            lines = event["event_data"]["res"]["msg"]
    if not lines:
        raise CheckFailed("job fleet-report: no 'Fleet report' task result in its events:\n%s" % job.tail())
    users = dict((code, 1 + len(c["users"]) + (code == stray[0])) for code, c in clients.items())
    plans, mine = {}, {}
    for code, client in clients.items():
        mine[code] = {}
        for user in client["users"]:
            if user.get("plan"):
                plans[user["plan"]] = plans.get(user["plan"], 0) + 1
                mine[code][user["plan"]] = mine[code].get(user["plan"], 0) + 1
    written = os.path.realpath(os.path.join(os.path.dirname(os.path.dirname(job.path)), "fleet_report.csv"))
    expected = ["Fleet report: %d client(s), %d user(s), %d mailbox(es) (%s); 1 object(s) not Provisioned, "
                "1 client(s) missing; written to %s" % (len(clients), sum(users.values()), sum(plans.values()),
                                                        ", ".join("%s: %d" % kv for kv in sorted(plans.items())),
                                                        written)]
    for code, client in sorted(clients.items()):
        expected.append("%s (%s): Provisioned, Exchange Provisioned, %d user(s), mailboxes %s" % (
            code, client["name"], users[code], ", ".join("%s: %d" % kv for kv in sorted(mine[code].items()))))
    expected += ["NOT PROVISIONED %s user %s: Failed" % stray, "MISSING %s: not in Cortex" % missing]
    if lines != expected:
        raise CheckFailed("job fleet-report: its lines differ from the fleet's:\n  got:      %s\n  expected: %s"
                          % ("\n            ".join(lines), "\n            ".join(expected)))
    wanted = []
    for code, client in sorted(clients.items()):
        wanted += [(code, client["name"], "tenant", code, "Provisioned", "", ""),
                   (code, client["name"], "exchange", "HE", "Provisioned", "", ""),
                   (code, client["name"], "users", "", "", "", str(users[code]))]
        wanted += [(code, client["name"], "mailboxes", "", "", plan, str(n)) for plan, n in sorted(mine[code].items())]
        if code == stray[0]:
            wanted.append((code, client["name"], "user", stray[1], "Failed", "", ""))
    wanted.append((missing, "", "tenant", missing, "Missing", "", ""))
    got = [tuple(r[k] for k in ("tenant_code", "tenant_name", "object", "name", "status", "plan", "count")) for r in rows]
    if got != wanted:
        raise CheckFailed("job fleet-report: its CSV differs from the fleet's:\n  got:      %s\n  expected: %s"
                          % (got, wanted))
    return lines[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--collections", required=True, help="directory holding ansible_collections/")
    parser.add_argument("--emulator-state", required=True, metavar="DIR", help="start an HTTPS emulator there")
    parser.add_argument("--work", required=True, help="directory for the fleet and the jobs (emptied)")
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--slices", type=int, default=3, help="job slice count (1: one unsliced job, for comparison)")
    parser.add_argument("--forks", type=int, default=FORKS, help="the template's forks, per slice job")
    args = parser.parse_args()
    leaked_env = sorted(k for k in os.environ if k.startswith("CORTEX_"))
    if leaked_env:
        raise CheckFailed("the environment already holds %s: the jobs must get the credential from the injectors only"
                          % ", ".join(leaked_env))
    with open(awx.CREDENTIAL_TYPE, encoding="utf-8") as fh:
        ctype = yaml.safe_load(fh)
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work, mode=0o700)
    secret_values = {}
    clients = write_fleet(os.path.join(work, "fleet"), args.clients, secret_values)
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=os.path.abspath(args.collections), ANSIBLE_LOCALHOST_WARNING="False")
    inventory = import_inventory(os.path.join(work, "fleet"), env)
    if sorted(inventory["hosts"]) != sorted(clients) or sorted(inventory["groups"].get(GROUP, {}).get("hosts", [])) \
            != sorted(clients):
        raise CheckFailed("the imported inventory holds %s" % sorted(inventory["hosts"]))
    emulator = start_emulator(os.path.abspath(args.emulator_state))
    try:
        secret_values["partner password (CORTEX_PASSWORD)"] = emulator.credential["cortex_password"]
        run(Context(args, work, clients, inventory, emulator, ctype, env), secret_values)
    finally:
        emulator.stop()


class Context(object):
    """What every job of the run shares."""

    def __init__(self, args, work, clients, inventory, emulator, ctype, env):
        self.work, self.clients, self.inventory, self.emulator, self.ctype, self.env = (
            work, clients, inventory, emulator, ctype, env)
        self.forks = args.forks
        self.slice_count = min(args.slices, len(inventory["hosts"]))  # JobTemplate.get_effective_slice_ct
        self.collections = os.path.abspath(args.collections)
        self.credential = emulator.credential

    def launch(self, label, first_id, limit=None):
        """One launch of the fleet template, its slices at once: (jobs, wall time, what the emulator counted)."""
        before = self.emulator.stats()
        jobs, elapsed = sliced_run(self.work, label, self.inventory, self.slice_count, self.forks, self.credential,
                                   self.ctype, self.collections, self.env, first_id, limit)
        return jobs, elapsed, stats_delta(self.emulator.stats(), before)


def start_emulator(state):
    """An HTTPS emulator with a partner made for this run (provisioning delay 0.05 s); .credential: the inputs of its
    "Cortex API" credential."""
    from cortex_emulator import launcher

    os.makedirs(state, mode=0o700, exist_ok=True)
    cert, key = awx.tls_certificate(state)
    password = awx.make_password("slices-partner")
    emulator = launcher.start(state, ["--partner", "slices-partner:" + password, "--tls-cert", cert, "--tls-key", key,
                                      "--delay", "0.05"])
    with open(cert, encoding="utf-8") as fh:
        emulator.credential = {"cortex_url": emulator.url, "cortex_username": "slices-partner",
                               "cortex_password": password, "cortex_ca_pem": fh.read()}
    return emulator


def run(ctx, secret_values):
    clients, inventory, count = ctx.clients, ctx.inventory, ctx.slice_count
    slices = [sliced_hosts(inventory, n, count) for n in range(1, count + 1)]
    log("%d clients (%d users with the administrators, %d mailboxes) as %d slice(s) of %s client(s), forks %d each, "
        "one emulator" % (len(clients), sum(1 + len(c["users"]) for c in clients.values()),
                          sum(1 for c in clients.values() for u in c["users"] if u.get("plan")), count,
                          ", ".join(str(len(s)) for s in slices), ctx.forks))
    all_jobs = []
    passed = 0

    # 1. the first launch: every client onboarded, each by its slice
    jobs, elapsed, sent = ctx.launch("run1", 100)
    all_jobs += jobs
    for job in jobs:
        line = check_slice(job, clients, first=True)
        log("%s (%s): successful in %.1fs - %s" % (job.name, ",".join(job.targets), job.elapsed, line))
        passed += 1
    log("run 1: %d job(s) at once in %.1fs; %d API requests %s, %d writes, provisioning %s"
        % (len(jobs), elapsed, sent["requests"], sent["by_action"], sent["writes"], sent["provisioning"]))

    # 2. what Cortex holds: each object provisioned once, nothing else
    conn_env = dict(ctx.env, CORTEX_URL=ctx.credential["cortex_url"], CORTEX_USERNAME=ctx.credential["cortex_username"],
                    CORTEX_PASSWORD=ctx.credential["cortex_password"], CORTEX_CA_PATH=os.path.join(ctx.work, "ca.pem"))
    write_private(conn_env["CORTEX_CA_PATH"], ctx.credential["cortex_ca_pem"])
    cortex, stray = read_cortex_then_stray(ctx, conn_env, sum(ctx.emulator.stats()["provisioning"].values()))
    expected = expected_requests(clients)
    seen = {}
    for request in cortex["requests"]:
        seen[request_key(request)] = seen.get(request_key(request), 0) + 1
    if seen != expected:
        twice = sorted("%s %s: %d" % (k[0], k[2], n) for k, n in seen.items() if n != expected.get(k))
        missing = sorted("%s %s" % (k[0], k[2]) for k in expected if k not in seen)
        raise CheckFailed("provisioning requests not one per object: %s; missing: %s" % (twice, missing))
    statuses = sorted(set(r.get("status") for r in cortex["requests"]))
    if statuses != ["Provisioned"]:
        raise CheckFailed("provisioning requests of statuses %s, expected all Provisioned" % statuses)
    if sent["provisioning"] != {"Provisioned": sum(expected.values())}:
        raise CheckFailed("the emulator counted provisioning %s, expected %d Provisioned"
                          % (sent["provisioning"], sum(expected.values())))
    codes = [t["code"] for t in cortex["tenants"]]
    if sorted(codes) != sorted(clients) or len(set(codes)) != len(codes):
        raise CheckFailed("Cortex holds the tenants %s, expected the fleet's %s once each" % (sorted(codes), sorted(clients)))
    kinds = {}
    for kind, _type, _name in expected:
        kinds[kind] = kinds.get(kind, 0) + 1
    log("Cortex: %d tenants (codes unique), %d provisioning requests, one per object: %s"
        % (len(codes), len(cortex["requests"]), ", ".join("%s %d" % kv for kv in sorted(kinds.items()))))
    passed += 1

    # 3. the fleet report, one job over the whole inventory (and one client more in the files, not in Cortex yet):
    # it must name that client, and the stray user whose provisioning failed
    missing = "SL99"
    report, rows, report_elapsed = report_job(ctx, missing)
    all_jobs.append(report)
    log("%s: successful in %.1fs - %s; names the failed %s of %s and the missing %s"
        % (report.name, report_elapsed, check_report(report, rows, clients, stray, missing), stray[1], stray[0],
           missing))
    passed += 1

    # 4. the fleet again, launched with a limit naming every client and localhost: each slice gets the whole limit (-l,
    # as RunJob.build_args passes it), most of it hosts of other slices; nothing to do, and each slice's fleet summary
    # still counts its own clients only (groups intersected with the limit's hosts in the slice's inventory)
    limit = ",".join(sorted(clients, reverse=True) + ["localhost"])
    jobs, elapsed, sent = ctx.launch("run2", 300, limit)
    all_jobs += jobs
    for job in jobs:
        line = check_slice(job, clients, first=False)
        log("%s (%s): successful in %.1fs - %s" % (job.name, ",".join(job.targets), job.elapsed, line))
        passed += 1
    if sent["writes"] or sent["provisioning"]:
        raise CheckFailed("the re-run wrote: %d writes, provisioning %s" % (sent["writes"], sent["provisioning"]))
    log("run 2 (limit: every client and localhost): %d job(s) at once in %.1fs, changed=0 everywhere; %d API requests "
        "%s, no write" % (len(jobs), elapsed, sent["requests"], sent["by_action"]))

    # 5. a slice none of whose clients the launch's limit names fails before any task (AWX: a limit that leaves a slice
    # without hosts fails that slice, and the workflow) - localhost in the limit does not save it
    if count > 1:
        limit = "%s,localhost" % slices[0][0]
        before = ctx.emulator.stats()
        job = Job(ctx.work, "limited-slice%d" % count, 400 + count, PLAYBOOK, script_data(inventory, count, count),
                  meta_vars(400 + count, "Onboard clients (fleet)", 400), ctx.credential, ctx.ctype, ctx.collections,
                  ctx.forks, limit)
        run_together([job], ctx.env)
        sent = stats_delta(ctx.emulator.stats(), before)
        if job.status != "failed" or not job.rc or "no hosts to target" not in job.stdout or sent["requests"]:
            raise CheckFailed("job %s (limit %s): expected a failure before any request, got status %s, rc %s, %d "
                              "request(s):\n%s" % (job.name, limit, job.status, job.rc, sent["requests"], job.tail()))
        log("%s (limit %s, none of its clients): failed as expected in %.1fs, no request sent"
            % (job.name, limit, job.elapsed))
        all_jobs.append(job)
        passed += 1

    # 6. no password in what the jobs left, on either side, nor on the wire back
    files, lines = check_no_passwords(all_jobs, secret_values)
    log("no password (%d searched) in %d files of %d jobs (controller and node directories) nor in the nodes' answer "
        "streams (%d lines and files)" % (len(secret_values), files, len(all_jobs), lines))
    passed += 1
    print("slices: %d passed, 0 failed" % passed)


if __name__ == "__main__":
    try:
        main()
    except awx.CheckFailed as exc:
        print("slices: FAILED: %s" % exc, file=sys.stderr)
        sys.exit(1)
