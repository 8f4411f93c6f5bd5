#!/usr/bin/env bash
# No password - of a tenant administrator, of bulk users, nor the partner's - may appear anywhere in the output of
# a playbook run with -vvv and --diff, including a task refused for a bad password, a provisioning failure, and
# wait: false + cortex_request_info; with the modules in-process, then as module runs (CORTEX_IN_PROCESS=0). The
# passwords are generated for this run, so any occurrence is a leak.
set -eu

# The connection and emulator settings (ansible-test gives a runme.sh a clean environment; see
# tools/checks/integration.sh): CORTEX_URL, CORTEX_USERNAME, CORTEX_PASSWORD, CORTEX_EMULATOR_BASE...
eval "$(python -m cortex_emulator env --from ../../integration_config.yml --format sh)"
: "${CORTEX_URL:?not set: run the targets with tools/checks/integration.sh}" "${CORTEX_PASSWORD:?}"

work=$(mktemp -d "${OUTPUT_DIR:-${TMPDIR:-/tmp}}/cortex-secrets.XXXXXX")
trap 'rm -rf "$work"' EXIT

token() { od -An -N5 -tx1 /dev/urandom | tr -d ' \n'; }
# Every secret: upper, lower, digit and other characters, and nothing from the UPNs or display names.
admin_password="Qa$(token)#Zr7"
admin_new_password="Wv$(token)%Kj4"
bad_password="Sz$(token)-mallory"  # contains a token of its UPN: refused before any write
{
  echo "secrets_admin_password: '$admin_password'"
  echo "secrets_admin_new_password: '$admin_new_password'"
  echo "secrets_bad_password: '$bad_password'"
  echo "secrets_user_passwords:"
  for i in $(seq 0 11); do echo "  - 'Ub$(token)!Hx$i'"; done
  echo "secrets_user_new_passwords:"
  for i in $(seq 0 11); do echo "  - 'Nc$(token)@Py$i'"; done
} >"$work/secrets.yml"
# The values to look for, one a line (quotes stripped), the partner's password included.
sed -n "s/^.*'\(.*\)'$/\1/p" "$work/secrets.yml" >"$work/needles"
printf '%s\n' "$CORTEX_PASSWORD" >>"$work/needles"
[ "$(wc -l <"$work/needles")" -eq 28 ] || { echo "cortex_secrets: expected 28 secrets, got $(wc -l <"$work/needles")"; exit 1; }

# Twice: the modules in-process on the controller (the local connection's default), then as module runs (AnsiballZ).
for mode in in-process module-run; do
  log="$work/output-$mode.log"
  if [ "$mode" = in-process ]; then
    switch=1 marker='cloudforyou.cortex.cortex_request_info: running in-process on the controller'
  else
    switch=0 marker='AnsiballZ_cortex_request_info.py'
  fi
  rc=0
  CORTEX_IN_PROCESS=$switch ANSIBLE_NOCOLOR=1 ansible-playbook secrets.yml -vvv --diff -e @../../integration_config.yml \
    -e "@$work/secrets.yml" >"$log" 2>&1 || rc=$?
  echo "cortex_secrets ($mode): playbook exit $rc, $(wc -l <"$log") lines of -vvv --diff output"
  if [ "$rc" -ne 0 ]; then
    # the playbook asserts its own results; show its end without the secrets
    tail -n 60 "$log" | grep -v -F -f "$work/needles" || true
    exit "$rc"
  fi

  # The output must hold what the run did (so an empty or truncated capture cannot pass) ...
  for expected in 'mallory@itsec.example' 'refused before any write' 'Simulated failure of a user for the secrets test' \
                  "password: '********'" "$marker" '"Provisioned": 12'; do
    grep -q -F -e "$expected" "$log" || { echo "cortex_secrets ($mode): '$expected' missing from the output"; exit 1; }
  done
  # ... and not one secret.
  if grep -n -F -f "$work/needles" "$log" >"$work/hits"; then
    lines=$(cut -d: -f1 "$work/hits" | tr '\n' ' ')
    echo "cortex_secrets ($mode): FAILED - a password appears in the output, on line(s): $lines"
    exit 1
  fi
  echo "cortex_secrets ($mode): none of the $(wc -l <"$work/needles") passwords appears in the output"
done
