# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the onboarding and offboarding playbooks through ansible-runner the way AWX runs a job; look for leaked passwords.

Run by tools/checks/runner.sh:

    python tests/awx/run_like_awx.py --collections build/collections --emulator-state DIR --work DIR
    python tests/awx/run_like_awx.py --collections build/collections --credential CRED.json --work DIR

With --emulator-state, it makes a throw-away TLS certificate for 127.0.0.1 and a random partner password, starts
an emulator serving HTTPS with that partner (cortex_emulator.launcher, state in DIR, provisioning delay 0.05 s,
stopped at the end) and fills the credential's inputs as an AWX user would. CRED.json instead holds the inputs of a
"Cortex API" credential for a running Cortex (cortex_url, cortex_username, cortex_password and, for HTTPS,
cortex_ca_pem). What this does, as AWX does it:

1. checks extensions/awx/credential_type_cortex.yml against AWX's rules for a custom credential type (input field
   keys and types, only the documented `format`, injector kinds, environment variable names, templates that use only
   defined fields) and each survey spec of extensions/awx/ (survey_onboard_client.json, survey_offboard_client.json,
   survey_day2_user.json) against AWX's rules for a survey spec;
2. for each job, builds a private data directory: project/ (a copy of playbooks/), inventory/hosts (localhost),
   env/envvars holding only what the credential type injects (rendered with AWX's semantics: a Jinja sandbox, unset
   string inputs undefined, the CA bundle written by the `file` injector into env/) plus ANSIBLE_COLLECTIONS_PATH,
   env/extravars holding the client (cortex_client, or the survey's answers as AWX passes them);
3. runs ansible_runner.run(private_data_dir=..., playbook=...) and asserts status successful and rc 0 (or, for the
   job whose credential lacks the CA bundle, a failure on the certificate: validation is on by default); on the
   survey-onboarded client, day2_user_survey.yml runs with the day-2 survey's answers (a user added with a mailbox
   and a password, its password reset, its plan changed, its account disabled, its removal refused without the
   confirmation, then done), and the client is offboarded through offboard_client_survey.yml with the offboarding
   survey's answers: first with a confirmation that is not its code (the job must fail and remove nothing), then
   confirmed;
4. searches every file under each private data directory but env/ (the job's inputs) - artifacts/<id>/stdout,
   job_events/*.json, command, status, rc... - for every password: the users', the administrators' and the
   partner's. ansible-runner copies the whole environment into artifacts/<id>/command (AWX stores its job_env
   through build_safe_env instead): that member is checked apart, through AWX's masking rule.

Passwords are generated here with `secrets`; none is ever printed. Exit status 0 when every assertion holds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import stat
import string
import sys
import tempfile
import time

import yaml
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CREDENTIAL_TYPE = os.path.join(ROOT, "extensions", "awx", "credential_type_cortex.yml")
SURVEYS = {"onboard": os.path.join(ROOT, "extensions", "awx", "survey_onboard_client.json"),
           "offboard": os.path.join(ROOT, "extensions", "awx", "survey_offboard_client.json"),
           "day2": os.path.join(ROOT, "extensions", "awx", "survey_day2_user.json")}
PLAYBOOKS = os.path.join(ROOT, "playbooks")
SUMMARY_LINE = re.compile(r"Client (\S+) \((.+?)\): (\d+) created, (\d+) changed, (?:\d+) removed, (\d+) unchanged, "
                          r"(\d+) failed")

# AWX's rules (awx/main/fields.py, awx/main/models/credential.py, awx/api/views survey validation), as data
FIELD_KEYS = {"id", "label", "type", "format", "choices", "help_text", "multiline", "secret", "ask_at_runtime", "default"}
STRING_ONLY_KEYS = ("choices", "multiline", "format", "secret")
# the only `format` the AWX and Tower documentation gives for a custom credential type field (AWX's schema has
# accepted `url` too since AWX 5.0.0 only)
DOCUMENTED_FORMATS = ("ssh_private_key",)
ENV_BLOCKLIST = {"VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID", "INVENTORY_UPDATE_ID",
                 "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES", "CALLBACK_QUEUE",
                 "CALLBACK_CONNECTION", "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS", "AWX_HOST", "PROJECT_REVISION",
                 "SUPERVISOR_CONFIG_PATH"}
SURVEY_TYPES = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str,
                "integer": int, "float": float}
SAFE_ENV_HIDDEN = re.compile(r"API|TOKEN|KEY|SECRET|PASS", re.I)  # build_safe_env: what AWX shows as **********


class CheckFailed(Exception):
    pass


def log(msg):
    print("runner: %s" % msg, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# the credential type, as AWX validates and injects it

class _Namespace(object):
    """AWX's `tower` namespace: tower.filename is the path of the file the `file` injector wrote."""

    def __init__(self, filename=None):
        self.filename = filename


def credential_type_problems(ctype):
    problems = []
    inputs, injectors = ctype.get("inputs") or {}, ctype.get("injectors") or {}
    if ctype.get("kind") not in ("cloud", "net"):
        problems.append("kind must be cloud (or net) for a custom type a job template can use")
    if set(inputs) - {"fields", "required"}:
        problems.append("inputs: unknown keys %s" % sorted(set(inputs) - {"fields", "required"}))
    ids = []
    for field in inputs.get("fields") or []:
        fid = field.get("id")
        if not fid or not re.match(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$", fid) or fid == "tower":
            problems.append("field id %r is invalid" % fid)
        if fid in ids:
            problems.append("field id %s twice" % fid)
        ids.append(fid)
        if "label" not in field:
            problems.append("field %s has no label" % fid)
        if set(field) - FIELD_KEYS:
            problems.append("field %s: keys AWX refuses: %s" % (fid, sorted(set(field) - FIELD_KEYS)))
        ftype = field.get("type", "string")
        if ftype not in ("string", "boolean"):
            problems.append("field %s: type %s (string or boolean only)" % (fid, ftype))
        if "format" in field and field["format"] not in DOCUMENTED_FORMATS:
            problems.append("field %s: format %r is not one AWX documents (%s)" % (fid, field["format"], ", ".join(DOCUMENTED_FORMATS)))
        for key in STRING_ONLY_KEYS:
            if key in field and ftype != "string":
                problems.append("field %s: %s is not allowed for a %s" % (fid, key, ftype))
        if "default" in field and not isinstance(field["default"], {"string": str, "boolean": bool}[ftype]):
            problems.append("field %s: default is not a %s" % (fid, ftype))
        if "choices" in field and field.get("default", field["choices"][0]) not in field["choices"]:
            problems.append("field %s: default is not among its choices" % fid)
    for name in inputs.get("required") or []:
        if name not in ids:
            problems.append("required field %s is not defined" % name)
    if set(injectors) - {"file", "env", "extra_vars"}:
        problems.append("injectors: unknown kinds %s" % sorted(set(injectors) - {"file", "env", "extra_vars"}))
    files = injectors.get("file") or {}
    for key in files:
        if not re.match(r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$", key):
            problems.append("file injector key %s is invalid" % key)
    for var, value in (injectors.get("env") or {}).items():
        if not re.match(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$", var) or var.startswith("ANSIBLE_") or var in ENV_BLOCKLIST:
            problems.append("env var %s is not allowed" % var)
        if not isinstance(value, str) or not re.match(r"^[\x00-\x7F]*$", value):
            problems.append("env var %s: the template must be an ASCII string" % var)
    # every template renders with every field defined ('EXAMPLE') and nothing else (StrictUndefined)
    namespace = dict((fid, "EXAMPLE") for fid in ids)
    namespace["tower"] = _Namespace("EXAMPLE_FILENAME" if "template" in files else None)
    sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for kind in ("file", "env", "extra_vars"):
        for key, tmpl in (injectors.get(kind) or {}).items():
            try:
                sandbox.from_string(tmpl).render(namespace)
            except (UndefinedError, TemplateSyntaxError) as exc:
                problems.append("%s injector %s: %s" % (kind, key, exc))
    return problems


def inject_credential(ctype, inputs, private_data_dir):
    """The environment AWX injects for a credential of this type (CredentialType.inject_credential)."""
    fields = ctype["inputs"]["fields"]
    namespace = {}
    for field in fields:
        value = inputs.get(field["id"])
        if isinstance(value, bool):
            namespace[field["id"]] = value
        elif value:  # AWX leaves an unset or empty string input out: it renders as ''
            namespace[field["id"]] = value
        elif field.get("type") == "boolean":
            namespace[field["id"]] = False  # AWX: a boolean input the credential lacks is False, whatever its default
    sandbox = ImmutableSandboxedEnvironment()
    tower = _Namespace()
    for label, tmpl in (ctype["injectors"].get("file") or {}).items():
        data = sandbox.from_string(tmpl).render(**namespace)
        fd, path = tempfile.mkstemp(dir=os.path.join(private_data_dir, "env"))
        with os.fdopen(fd, "w") as fh:
            fh.write(data)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        if "." in label:
            if not isinstance(tower.filename, _Namespace):
                tower.filename = _Namespace()
            setattr(tower.filename, label.split(".", 1)[1], path)
        else:
            tower.filename = path
    namespace["tower"] = tower
    env = {}
    for var, tmpl in (ctype["injectors"].get("env") or {}).items():
        env[var] = sandbox.from_string(tmpl).render(**namespace)
    return env


# ---------------------------------------------------------------------------------------------------------------
# the survey, as AWX validates its spec and turns answers into extra vars

def _choices(question):
    choices = question.get("choices", "")
    return [c for c in (choices.splitlines() if isinstance(choices, str) else choices) if c.strip()]


def survey_problems(spec):
    problems = []
    for key, kind in (("name", str), ("description", str), ("spec", list)):
        if not isinstance(spec.get(key), kind):
            problems.append("survey: %s missing or not a %s" % (key, kind.__name__))
    seen = set()
    for index, question in enumerate(spec.get("spec") or []):
        where = "survey question %d (%s)" % (index, question.get("variable"))
        for key in ("type", "question_name", "variable", "required"):
            if key not in question:
                problems.append("%s: %s missing" % (where, key))
        if not isinstance(question.get("required"), bool):
            problems.append("%s: required must be a boolean" % where)
        if question.get("variable") in seen:
            problems.append("%s: variable twice" % where)
        seen.add(question.get("variable"))
        qtype = question.get("type")
        if qtype not in SURVEY_TYPES:
            problems.append("%s: type %s unknown" % (where, qtype))
            continue
        if "default" in question and not isinstance(question["default"], SURVEY_TYPES[qtype]):
            problems.append("%s: default is not a %s" % (where, SURVEY_TYPES[qtype].__name__))
        if qtype == "password" and question.get("default"):
            problems.append("%s: a password question must not ship a default" % where)
        for key in ("min", "max"):
            if question.get(key) is not None and not isinstance(question[key], int):
                problems.append("%s: %s must be an integer" % (where, key))
        if qtype in ("multiplechoice", "multiselect"):
            choices = _choices(question)
            if not choices:
                problems.append("%s: no choices" % where)
            defaults = [d for d in str(question.get("default", "")).splitlines() if d]
            if qtype == "multiplechoice" and len(defaults) > 1:
                problems.append("%s: one default only" % where)
            if set(defaults) - set(choices):
                problems.append("%s: default %s not among the choices" % (where, sorted(set(defaults) - set(choices))))
    return problems


def survey_extra_vars(spec, answers):
    """The extra vars of a job launched with these answers (the rest from the defaults), checked as AWX checks them."""
    extra = {}
    for question in spec["spec"]:
        var, qtype = question["variable"], question["type"]
        value = answers.get(var)
        if value is None:
            default = question.get("default", "")
            if qtype == "multiselect":
                value = [d for d in default.splitlines() if d]
            else:
                value = default
        if question["required"] and value in ("", [], None):
            raise CheckFailed("survey: %s is required" % var)
        if qtype in ("text", "textarea", "password") and value != "":
            low, high = question.get("min"), question.get("max")
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                raise CheckFailed("survey: the answer to %s is not %s to %s characters long" % (var, low, high))
        if qtype == "multiplechoice" and value not in _choices(question):
            raise CheckFailed("survey: %s is not among the choices of %s" % (value, var))
        if qtype == "multiselect" and set(value) - set(_choices(question)):
            raise CheckFailed("survey: %s not among the choices of %s" % (sorted(set(value) - set(_choices(question))), var))
        extra[var] = value
    unknown = set(answers) - set(extra)
    if unknown:
        raise CheckFailed("survey: answers to no question: %s" % sorted(unknown))
    return extra


# ---------------------------------------------------------------------------------------------------------------
# test data: clients and passwords

def _tokens(*texts):
    return [t.casefold() for text in texts for t in re.split(r"[^0-9A-Za-z]+", text or "") if len(t) >= 3]


def make_password(*texts):
    """A password meeting the Cortex rule (>= 8 characters, 4 classes here) that holds no token of texts."""
    alphabet = string.ascii_letters + string.digits + "!#%*+-=?@_"
    forbidden = _tokens(*texts)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _index in range(20))
        classes = [any(c.isupper() for c in candidate), any(c.islower() for c in candidate),
                   any(c.isdigit() for c in candidate), any(not c.isalnum() for c in candidate)]
        if all(classes) and not any(t in candidate.casefold() for t in forbidden):
            return candidate


SURVEY_DOMAIN = "fromagerie-survey.fr"  # the primary domain of the client the survey onboards
PEOPLE = [("Claire", "Dubois", "FORFAIT_2GO"), ("Marc", "Petit", "FORFAIT_10GO"), ("Julie", "Moreau", "FORFAIT_2GO"),
          ("Karim", "Benali", "FORFAIT_10GO"), ("Sophie", "Laurent", "")]


def cli_client(secret_values):
    """cortex_client of the first job: an administrator and 5 users (one without a mailbox)."""
    domain, other = "atelier-runner.fr", "runner-boutique.com"
    admin_upn = "admin@" + domain
    admin_password = make_password(admin_upn, "Anne Leroy", "admin_ARS")
    secret_values["administrator password (cortex_client)"] = admin_password
    users = []
    for index, (first, last, plan) in enumerate(PEOPLE):
        upn = "%s.%s@%s" % (first.lower(), last.lower(), domain if index % 2 == 0 else other)
        password = make_password(upn, first, last)
        secret_values["password of %s (cortex_client)" % upn] = password
        user = {"upn": upn, "first_name": first, "last_name": last, "password": password}
        if plan:
            user["plan"] = plan
        users.append(user)
    return {
        "name": "Atelier Runner SAS", "code": "ARS", "contact_name": "Anne Leroy", "contact_email": "anne@" + domain,
        "address": "3 quai des Tanneurs", "city": "Strasbourg", "zip_code": "67000", "country": "France",
        "password_never_expires": False,
        "domains": [{"name": domain, "primary": True}, {"name": other}],
        "admin": {"upn": admin_upn, "first_name": "Anne", "last_name": "Leroy", "password": admin_password},
        "exchange": {"version": "2013", "customer_plan": "Default", "user_plans": ["FORFAIT_2GO", "FORFAIT_10GO"]},
        "users": users,
    }


def progress_job(work, ctype, credential, collections, secret_values):
    """onboard_client.yml for a client of 40 users with client_onboarding_progress_interval=1: the progress lines the
    action plugins print while waiting must be in the job's events (what AWX shows as job output). Returns
    (name, private data dir)."""
    client = cli_client({})  # its shape only: the passwords it drew are replaced below and are in no job
    admin_upn = "admin@atelier-progress.fr"
    client.update(name="Atelier Progress SAS", code="APS", contact_email="anne@atelier-progress.fr",
                  domains=[{"name": "atelier-progress.fr", "primary": True}])
    client["admin"] = dict(client["admin"], upn=admin_upn, password=make_password(admin_upn, "Anne Leroy", "APS"))
    client["users"] = []
    for index in range(40):
        upn = "progress%02d@atelier-progress.fr" % index
        password = make_password(upn, "Pro", "Gress%d" % index)
        secret_values["password of %s (progress job)" % upn] = password
        client["users"].append({"upn": upn, "first_name": "Pro", "last_name": "Gress%d" % index,
                                "password": password, "plan": "FORFAIT_2GO"})
    secret_values["administrator password (progress job)"] = client["admin"]["password"]
    path, runner, stdout, env, elapsed = run_job(work, "progress", "onboard_client.yml", ctype, credential,
                                                 collections, {"cortex_client": client,
                                                               "client_onboarding_progress_interval": 1})
    line = expect_success("progress", runner, stdout)[0]
    pattern = re.compile(r"APS: \d+/\d+ provisioned, \d+ in progress, \d+ failed")
    events = []
    events_dir = os.path.join(path, "artifacts", "job", "job_events")
    for name in sorted(os.listdir(events_dir)):
        with open(os.path.join(events_dir, name), encoding="utf-8") as fh:
            event = json.load(fh)
        if pattern.search(event.get("stdout") or ""):
            events.append(event.get("event"))
    if not events:
        raise CheckFailed("job progress: no progress line in the job events (what AWX shows); stdout has %d"
                          % len(pattern.findall(stdout)))
    log("job %-14s successful in %4.1fs: %d progress line(s) in the job events (%s); %s"
        % ("progress", elapsed, len(events), ", ".join(sorted(set(events))), line))
    return ("progress", path)


def survey_answers(secret_values):
    """Answers to the survey for a second client: 5 users as CSV text, one initial password for them all."""
    domain = SURVEY_DOMAIN
    rows = ["%s;%s;%s.%s@%s;%s" % (first, last, first.lower(), last.lower(), domain, plan) for first, last, plan in PEOPLE]
    texts = [domain, "Louis Garnier"] + ["%s %s %s.%s" % (first, last, first, last) for first, last, _plan in PEOPLE]
    admin_password = make_password("gerant@" + domain, "Louis Garnier", *texts)
    users_password = make_password(*texts)
    secret_values["administrator password (survey)"] = admin_password
    secret_values["users' initial password (survey)"] = users_password
    return {
        "survey_client_name": "Fromagerie Survey",
        "survey_contact_name": "Louis Garnier",
        "survey_contact_email": "louis@" + domain,
        "survey_address": "8 rue du Marché",
        "survey_city": "Annecy",
        "survey_zip_code": "74000",
        "survey_country": "France",
        "survey_domains": domain + ", fromagerie-survey.com",
        "survey_admin_upn": "gerant@" + domain,
        "survey_admin_first_name": "Louis",
        "survey_admin_last_name": "Garnier",
        "survey_admin_password": admin_password,
        "survey_exchange_version": "2010",
        "survey_user_plans": ["FORFAIT_2GO", "FORFAIT_10GO"],
        "survey_users_csv": "\n".join(rows) + "\n",  # no header line: the playbook adds it
        "survey_users_password": users_password,
    }


# ---------------------------------------------------------------------------------------------------------------
# jobs

def private_data_dir(work, name, env, extravars):
    """A private data directory laid out as AWX lays one out for ansible-runner."""
    path = os.path.join(work, name)
    os.makedirs(os.path.join(path, "env"), mode=0o700)
    os.makedirs(os.path.join(path, "inventory"))
    shutil.copytree(PLAYBOOKS, os.path.join(path, "project"), ignore=shutil.ignore_patterns(".cache", "*.retry"))
    with open(os.path.join(path, "inventory", "hosts"), "w") as fh:
        fh.write("localhost ansible_connection=local\n")
    return path


def write_env(path, name, data):
    target = os.path.join(path, "env", name)
    with open(target, "w") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False)  # JSON is YAML: ansible-runner reads either
    os.chmod(target, stat.S_IRUSR | stat.S_IWUSR)


def run_job(work, name, playbook, ctype, credential, collections, extravars):
    import ansible_runner  # noqa: E402 - only when a job runs (the validation above needs no runner)

    path = private_data_dir(work, name, {}, extravars)
    env = inject_credential(ctype, credential, path)
    envvars = dict(env, ANSIBLE_COLLECTIONS_PATH=collections)
    write_env(path, "envvars", envvars)
    write_env(path, "extravars", extravars)
    started = time.monotonic()
    runner = ansible_runner.run(private_data_dir=path, playbook=playbook, ident="job", quiet=True)
    elapsed = time.monotonic() - started
    stdout_path = os.path.join(path, "artifacts", "job", "stdout")
    with open(stdout_path, encoding="utf-8", errors="replace") as fh:
        stdout = fh.read()
    return path, runner, stdout, env, elapsed


def expect_success(name, runner, stdout):
    if runner.status != "successful" or runner.rc != 0:
        tail = "\n".join(stdout.splitlines()[-40:])
        raise CheckFailed("job %s: status %s, rc %s (expected successful, 0); end of its stdout:\n%s"
                          % (name, runner.status, runner.rc, tail))
    match = SUMMARY_LINE.search(stdout)
    if not match:
        raise CheckFailed("job %s: no onboarding summary line in its stdout" % name)
    created, changed, unchanged, failed = (int(n) for n in match.groups()[2:])
    return match.group(0), created, changed, unchanged, failed


def scan_for_secrets(path, secret_values, skip_env=True):
    """Files under path (env/ excepted) holding one of the secrets: [(file, label)]. `command` is read without its
    `env` member, which is checked through AWX's masking rule instead."""
    hits = []
    for dirpath, dirnames, filenames in os.walk(path):
        rel_dir = os.path.relpath(dirpath, path)
        if skip_env and (rel_dir == "env" or rel_dir.startswith("env" + os.sep)):
            dirnames[:] = []
            continue
        for filename in filenames:
            full = os.path.join(dirpath, filename)
            with open(full, "rb") as fh:
                data = fh.read().decode("utf-8", errors="replace")
            texts = [data]
            if filename == "command" and os.path.basename(dirpath) == "job":
                command = json.loads(data)
                env = command.pop("env", {}) or {}
                texts = [json.dumps(command, ensure_ascii=False)]
                # what AWX would keep of that environment (build_safe_env) must hold no secret either
                texts.append(json.dumps(dict((k, "**********" if SAFE_ENV_HIDDEN.search(k) and not k.startswith("ANSIBLE_")
                                              else v) for k, v in env.items()), ensure_ascii=False))
            for text in texts:
                # JSON files escape non-ASCII and some punctuation: compare with both forms
                for label, secret in secret_values.items():
                    escaped = json.dumps(secret, ensure_ascii=True)[1:-1]
                    if secret in text or escaped in text:
                        hits.append((os.path.relpath(full, path), label))
    return sorted(set(hits))


def tls_certificate(directory):
    """A self-signed certificate (its own CA) for 127.0.0.1, made for this run: (certificate path, key path)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cortex-runner-check")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    paths = os.path.join(directory, "tls.crt"), os.path.join(directory, "tls.key")
    write_private(paths[0], cert.public_bytes(serialization.Encoding.PEM))
    write_private(paths[1], key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    return paths


def write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def start_emulator(state):
    """An HTTPS emulator with a partner made for this run; (the launcher's Emulator, the credential's inputs)."""
    from cortex_emulator import launcher

    os.makedirs(state, mode=0o700, exist_ok=True)
    cert, key = tls_certificate(state)
    password = "Aw%s-9" % secrets.token_urlsafe(18)
    emulator = launcher.start(state, ["--partner", "awx-partner:" + password, "--tls-cert", cert, "--tls-key", key,
                                      "--delay", "0.2"])
    if not emulator.url.startswith("https://"):
        emulator.stop()
        raise CheckFailed("the emulator did not start with TLS (url: %s)" % emulator.url)
    with open(cert, encoding="utf-8") as fh:
        pem = fh.read()
    return emulator, {"cortex_url": emulator.url, "cortex_username": "awx-partner", "cortex_password": password,
                      "cortex_ca_pem": pem}


def day2_jobs(work, ctype, credential, collections, survey, code, domain, secret_values):
    """day2_user_survey.yml with the day-2 survey's answers on a user of the tenant `code`, each job checked by the
    summary line it prints. Returns [(name, private data dir)]."""
    first, last = "Nina", "Roche"
    upn = "%s.%s@%s" % (first.lower(), last.lower(), domain)
    passwords = [make_password(upn, first, last, "%s %s" % (first, last)) for _index in range(2)]
    secret_values["password of %s (day-2 survey, add)" % upn] = passwords[0]
    secret_values["password of %s (day-2 survey, reset)" % upn] = passwords[1]
    user = {"survey_tenant": code, "survey_user_upn": upn}
    steps = [
        ("day2-add", dict(user, survey_operation="add", survey_first_name=first, survey_last_name=last,
                          survey_plan="FORFAIT_10GO", survey_user_password=passwords[0]),
         "add - account created, mailbox created on FORFAIT_10GO"),
        ("day2-reset", dict(user, survey_operation="reset-password", survey_user_password=passwords[1],
                            survey_change_password_at_next_logon="no"),
         "reset-password - account password reset"),
        ("day2-plan", dict(user, survey_operation="change-plan", survey_plan="FORFAIT_2GO"),
         "change-plan - account unchanged, mailbox moved to FORFAIT_2GO"),
        ("day2-disable", dict(user, survey_operation="disable"), "disable - account disabled"),
        ("day2-refused", dict(user, survey_operation="remove", survey_confirm_upn="other." + upn), None),
        ("day2-remove", dict(user, survey_operation="remove", survey_confirm_upn=upn),
         "remove - account removed, mailbox deprovisioned"),
    ]
    jobs = []
    for name, answers, expected in steps:
        extra = survey_extra_vars(survey, answers)
        path, runner, stdout, _env, elapsed = run_job(work, name, "day2_user_survey.yml", ctype, credential,
                                                      collections, extra)
        tail = "\n".join(stdout.splitlines()[-20:])
        if expected is None:  # refused before any write
            if runner.status != "failed" or "refusing to remove %s" % upn not in stdout or "changed=0" not in stdout:
                raise CheckFailed("job %s: expected a refusal that changes nothing, got status %s:\n%s"
                                  % (name, runner.status, tail))
            log("job %-14s failed as expected in %4.1fs: a removal without the UPN confirmed removes nothing"
                % (name, elapsed))
        else:
            line = "User %s of %s: %s" % (upn, code, expected)
            if runner.status != "successful" or runner.rc != 0 or line not in stdout:
                raise CheckFailed("job %s: expected status successful and %r, got status %s, rc %s:\n%s"
                                  % (name, line, runner.status, runner.rc, tail))
            log("job %-14s successful in %4.1fs: %s" % (name, elapsed, line))
        jobs.append((name, path))
    return jobs


def offboard_jobs(work, ctype, credential, collections, survey, code):
    """offboard_client_survey.yml with the offboarding survey's answers, on the tenant `code`: refused when the
    confirmation is not the code, then done. Returns [(name, private data dir)]."""
    jobs = []
    wrong = code[:-1] + ("X" if code[-1] != "X" else "Y")
    extra = survey_extra_vars(survey, {"survey_client_code": code, "survey_confirm_code": wrong})
    path, runner, stdout, _env, elapsed = run_job(work, "offboard-refused", "offboard_client_survey.yml", ctype,
                                                  credential, collections, extra)
    if runner.status != "failed" or "refusing to offboard tenant %s" % code not in stdout or "changed=0" not in stdout:
        raise CheckFailed("job offboard-refused: expected a refusal that changes nothing, got status %s:\n%s"
                          % (runner.status, "\n".join(stdout.splitlines()[-20:])))
    log("job %-14s failed as expected in %4.1fs: a confirmation that is not the code removes nothing"
        % ("offboard-refused", elapsed))
    jobs.append(("offboard-refused", path))
    extra = survey_extra_vars(survey, {"survey_client_code": code, "survey_confirm_code": code})
    path, runner, stdout, _env, elapsed = run_job(work, "offboard", "offboard_client_survey.yml", ctype, credential,
                                                  collections, extra)
    if runner.status != "successful" or runner.rc != 0:
        raise CheckFailed("job offboard: status %s, rc %s (expected successful, 0); end of its stdout:\n%s"
                          % (runner.status, runner.rc, "\n".join(stdout.splitlines()[-40:])))
    removed = re.search(r"Tenant %s removed: [^\n\"]*" % re.escape(code), stdout)
    if not removed:
        raise CheckFailed("job offboard: no 'Tenant %s removed' report in its stdout" % code)
    log("job %-14s successful in %4.1fs: %s" % ("offboard", elapsed, " ".join(removed.group(0).split())))
    jobs.append(("offboard", path))
    return jobs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--collections", required=True, help="directory holding ansible_collections/")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--emulator-state", metavar="DIR", help="start an HTTPS emulator there for the jobs")
    source.add_argument("--credential", help="JSON file: the inputs of a Cortex API credential")
    parser.add_argument("--work", required=True, help="directory for the private data directories (emptied)")
    args = parser.parse_args()

    leaked_env = sorted(k for k in os.environ if k.startswith("CORTEX_"))
    if leaked_env:
        raise CheckFailed("the environment already holds %s: the jobs must get the credential from the injectors only"
                          % ", ".join(leaked_env))
    with open(CREDENTIAL_TYPE, encoding="utf-8") as fh:
        ctype = yaml.safe_load(fh)
    surveys = {}
    for kind, path in SURVEYS.items():
        with open(path, encoding="utf-8") as fh:
            surveys[kind] = json.load(fh)
    problems = credential_type_problems(ctype)
    for kind, spec in sorted(surveys.items()):
        problems += ["%s: %s" % (os.path.basename(SURVEYS[kind]), problem) for problem in survey_problems(spec)]
    if problems:
        raise CheckFailed("AWX would refuse these definitions:\n  " + "\n  ".join(problems))
    log("credential type and survey specs are valid for AWX (%s survey questions)"
        % ", ".join("%s: %d" % (kind, len(spec["spec"])) for kind, spec in sorted(surveys.items())))
    if args.credential:
        with open(args.credential, encoding="utf-8") as fh:
            run_jobs(args, ctype, surveys, json.load(fh))
        return
    emulator, credential = start_emulator(os.path.abspath(args.emulator_state))
    try:
        run_jobs(args, ctype, surveys, credential)
    finally:
        emulator.stop()


def run_jobs(args, ctype, surveys, credential):
    """The jobs against the Cortex of ``credential``, then the search for passwords in what they left."""
    secret_values = {"partner password (CORTEX_PASSWORD)": credential["cortex_password"]}
    collections = os.path.abspath(args.collections)
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    jobs = []

    # 1. onboard_client.yml, the client as extra vars (a job template without survey); then its re-run
    client = cli_client(secret_values)
    for name in ("onboard", "onboard-rerun"):
        path, runner, stdout, env, elapsed = run_job(work, name, "onboard_client.yml", ctype, credential, collections,
                                                     {"cortex_client": client})
        line, created, changed, unchanged, failed = expect_success(name, runner, stdout)
        if failed or (name == "onboard" and created < 8):
            raise CheckFailed("job %s: unexpected summary: %s" % (name, line))
        if name == "onboard-rerun" and (created or changed or not re.search(r"localhost\s*:.*changed=0 ", stdout)):
            raise CheckFailed("job %s: the re-run changed something: %s" % (name, line))
        log("job %-14s successful in %4.1fs: %s" % (name, elapsed, line))
        jobs.append((name, path))
    injected = sorted(env)
    if credential.get("cortex_ca_pem") and not os.path.isfile(env.get("CORTEX_CA_PATH", "")):
        raise CheckFailed("CORTEX_CA_PATH does not name the CA file the file injector wrote")

    # 1b. a larger client, waited for with a progress line every second: the lines must reach AWX's job events
    progress = progress_job(work, ctype, credential, collections, secret_values)
    jobs.append(progress)

    # 2. onboard_client_survey.yml with the survey's answers
    extra = survey_extra_vars(surveys["onboard"], survey_answers(secret_values))
    path, runner, stdout, env, elapsed = run_job(work, "survey", "onboard_client_survey.yml", ctype, credential,
                                                 collections, extra)
    line, created, changed, unchanged, failed = expect_success("survey", runner, stdout)
    if failed or created < 8:
        raise CheckFailed("job survey: unexpected summary: %s" % line)
    log("job %-14s successful in %4.1fs: %s" % ("survey", elapsed, line))
    jobs.append(("survey", path))
    code = SUMMARY_LINE.search(line).group(1)
    jobs += day2_jobs(work, ctype, credential, collections, surveys["day2"], code, SURVEY_DOMAIN, secret_values)
    jobs += offboard_jobs(work, ctype, credential, collections, surveys["offboard"], code)

    # 3. HTTPS without the CA bundle in the credential: certificates are still checked (cortex_validate_certs unset)
    if credential.get("cortex_ca_pem"):
        bare = dict((k, v) for k, v in credential.items() if k not in ("cortex_ca_pem", "cortex_validate_certs"))
        path, runner, stdout, env, elapsed = run_job(work, "no-ca", "onboard_client.yml", ctype, bare, collections,
                                                     {"cortex_client": client})
        if runner.status != "failed" or env.get("CORTEX_VALIDATE_CERTS") != "true" or env.get("CORTEX_CA_PATH"):
            raise CheckFailed("job no-ca: expected a failure on the certificate, got status %s (validate_certs %r)"
                              % (runner.status, env.get("CORTEX_VALIDATE_CERTS")))
        if not re.search(r"(?i)certificate|TLS|SSL", stdout):
            raise CheckFailed("job no-ca: failed, but not on the certificate:\n%s" % "\n".join(stdout.splitlines()[-20:]))
        log("job %-14s failed as expected in %4.1fs: the certificate is checked without a CA bundle" % ("no-ca", elapsed))
        jobs.append(("no-ca", path))

    # 4. no password anywhere in what the jobs left (env/ excepted: it is their input). First, the search itself must
    # find the passwords where they are meant to be: in the inputs of the jobs
    found = set()
    for _name, path in jobs:
        found.update(label for _file, label in scan_for_secrets(os.path.join(path, "env"), secret_values, skip_env=False))
    if found != set(secret_values):
        raise CheckFailed("the search misses passwords in the jobs' inputs: %s" % sorted(set(secret_values) - found))
    leaks = []
    scanned = 0
    for name, path in jobs:
        for dirpath, _dirs, files in os.walk(os.path.join(path, "artifacts")):
            scanned += len(files)
        leaks += [(name, f, label) for f, label in scan_for_secrets(path, secret_values)]
    if leaks:
        raise CheckFailed("passwords found in the jobs' files (%d):\n  %s" % (
            len(leaks), "\n  ".join("%s: %s holds the %s" % leak for leak in leaks)))
    log("no password (%d searched) in %d artifact files of %d jobs; injected: %s"
        % (len(secret_values), scanned, len(jobs), ", ".join(injected)))
    print("runner: %d passed, 0 failed" % (len(jobs) + 2))


if __name__ == "__main__":
    try:
        main()
    except CheckFailed as exc:
        print("runner: FAILED: %s" % exc, file=sys.stderr)
        sys.exit(1)
