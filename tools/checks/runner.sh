#!/usr/bin/env bash
# The onboarding run the way AWX runs it (issue 4): ansible-runner, the connection only as the environment the
# "Cortex API" credential type injects, the client only as extra vars; then no password may appear in anything
# the jobs left behind.
#
# 1. makes a throw-away TLS certificate for 127.0.0.1 and a random partner password, starts an emulator serving
#    HTTPS with that partner (tools/emulator.sh, provisioning delay 0.05 s);
# 2. tests/awx/run_like_awx.py (see its docstring) checks extensions/awx/ against AWX's rules, then runs, each in a
#    private data directory laid out as AWX lays one out: onboard_client.yml with cortex_client as extra vars (the
#    CA bundle injected as a file), its re-run (changed=0), onboard_client_survey.yml with survey answers, and a job
#    whose credential has no CA bundle (it must fail on the certificate: validation stays on); asserts status and
#    rc, the summary line, and that no password (users', administrators', partner's) is in any file the jobs wrote.
# The execution environment definition is checked by tools/checks/ee.sh.
# The emulator is always stopped; RUNNER_KEEP=1 keeps the work directory.
source "$(dirname "$0")/common.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/cortex-runner.XXXXXX")
state="$work/emulator"
cleanup() {
  "$ROOT/tools/emulator.sh" stop "$state" || true
  if [ "${RUNNER_KEEP:-0}" = 1 ]; then echo "runner: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$state"
chmod 700 "$work"

# a private collection tree: nothing shared with other checks running at the same time
collections="$work/collections"
"$PY" "$ROOT/tools/collection-tree.py" --quiet --dest "$collections" >/dev/null \
  || die "could not make the collection tree"

# a self-signed certificate for 127.0.0.1, and the partner's password: both made for this run
"$PY" - "$work" <<'EOF'
import datetime, ipaddress, json, os, secrets, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
work = sys.argv[1]
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cortex-runner-check")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
def write(path, data):
    fd = os.open(os.path.join(work, path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
write("tls.key", key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
write("tls.crt", cert.public_bytes(serialization.Encoding.PEM))
write("partner", ("Aw%s-9" % secrets.token_urlsafe(18)).encode())
EOF
partner_password=$(cat "$work/partner")

# the emulator's export lines are read, not exported: the jobs must get the connection from the injectors only
lines=$(CORTEX_USERNAME=awx-partner CORTEX_PASSWORD="$partner_password" EMULATOR_DELAY=0.05 \
  "$ROOT/tools/emulator.sh" start "$state" --partner "awx-partner:$partner_password" \
  --tls-cert "$work/tls.crt" --tls-key "$work/tls.key") || die "the emulator did not start"
url=$(printf '%s\n' "$lines" | sed -n "s/^export CORTEX_URL=//p" | tr -d "'")
case $url in https://*) ;; *) die "the emulator did not start with TLS (url: $url)" ;; esac

# the inputs of a "Cortex API" credential, as an AWX user would fill them in
"$PY" - "$work" "$url" <<'EOF'
import json, os, sys
work, url = sys.argv[1:3]
with open(os.path.join(work, "tls.crt")) as fh:
    pem = fh.read()
with open(os.path.join(work, "partner")) as fh:
    password = fh.read()
inputs = {"cortex_url": url, "cortex_username": "awx-partner", "cortex_password": password, "cortex_ca_pem": pem}
fd = os.open(os.path.join(work, "credential.json"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as fh:
    json.dump(inputs, fh)
EOF

rc=0
env -u CORTEX_URL -u CORTEX_USERNAME -u CORTEX_PASSWORD -u CORTEX_VALIDATE_CERTS -u CORTEX_CA_PATH \
  -u ANSIBLE_COLLECTIONS_PATH -u ANSIBLE_COLLECTIONS_PATHS \
  "$PY" "$ROOT/tests/awx/run_like_awx.py" --collections "$collections" --credential "$work/credential.json" \
  --work "$work/jobs" || rc=$?
if [ $rc -ne 0 ]; then
  echo "----- emulator log (last 30 lines) -----" >&2
  tail -n 30 "$state/emulator.log" >&2 || true
  echo "runner: FAILED (RUNNER_KEEP=1 keeps $work for a look)" >&2
  exit $rc
fi
