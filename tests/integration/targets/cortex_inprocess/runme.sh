#!/usr/bin/env bash
# The collection's modules run in-process on the controller when the task's connection is local, as module runs
# (AnsiballZ) otherwise, with the same results:
#  1. compare.yml runs the same tasks on inproc (local connection, an interpreter that does not exist: only an
#     in-process run can succeed) and on recorded (connection_plugins/cortex_recorded.py: the local connection under
#     another name, recording each command), and asserts the registered results are equal and right - reads, check
#     mode with --diff, warnings, refusals of the argument validation and of the module, a vaulted argument, a
#     template-looking value; with -vvv --diff, where no password may appear;
#  2. routes.yml: delegate_to a host that is not local is a module run there (its AnsiballZ in the recorded
#     commands), delegate_to the implicit localhost is in-process, a task environment means a module run;
#  3. switch.yml: CORTEX_IN_PROCESS=0 turns it off.
set -eu

# The connection of the run's emulator (ansible-test gives a runme.sh a clean environment; see
# tools/checks/integration.sh): CORTEX_URL, CORTEX_USERNAME, CORTEX_PASSWORD... for the environment fallbacks.
eval "$(python -m cortex_emulator env --from ../../integration_config.yml --format sh)"
: "${CORTEX_URL:?not set: run the targets with tools/checks/integration.sh}" "${CORTEX_PASSWORD:?}"
export CORTEX_URL CORTEX_USERNAME CORTEX_PASSWORD ANSIBLE_NOCOLOR=1

work=$(mktemp -d "${OUTPUT_DIR:-${TMPDIR:-/tmp}}/cortex-inprocess.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {  # fail WHY [LOG]: the failed tasks of LOG (or its end), without a password, then exit
  if [ -f "${2:-}" ]; then
    { grep -q 'FAILED!' "$2" && grep -A 25 'FAILED!' "$2" || tail -n 40 "$2"; } | grep -v -F -f "$work/needles" || true
  fi
  echo "cortex_inprocess: FAILED: $1"
  exit 1
}

token() { od -An -N5 -tx1 /dev/urandom | tr -d ' \n'; }
{
  echo "inproc_tenant: INPROC"
  echo "inproc_domain: inproc.example"
  echo "inproc_bad_password: 'Mallory-$(token)-Q7'"
  echo "inproc_passwords:"
  for i in 0 1 2 3 4; do echo "  - 'Ip$(token)#Kw$i'"; done
} >"$work/vars.yml"
sed -n "s/^.*'\(.*\)'$/\1/p" "$work/vars.yml" >"$work/needles"
printf '%s\n' "$CORTEX_PASSWORD" >>"$work/needles"
printf 'inprocess-target-%s\n' "$(token)" >"$work/vault-password"
ansible-vault encrypt_string --vault-password-file "$work/vault-password" --name inproc_vaulted_code INPROC \
  >"$work/vault.yml" 2>/dev/null
play() {  # play NAME PLAYBOOK [ARGS...]: -vvv output in $work/NAME.log, commands of cortex_recorded in $work/NAME.cmds
  local name=$1 playbook=$2; shift 2
  local rc=0
  CORTEX_RECORDED_LOG="$work/$name.cmds" ansible-playbook "$playbook" -i inventory.ini -vvv "$@" \
    -e @../../integration_config.yml -e "@$work/vars.yml" -e "@$work/vault.yml" \
    --vault-password-file "$work/vault-password" >"$work/$name.log" 2>&1 || rc=$?
  touch "$work/$name.cmds"
  return $rc
}
recorded() { grep -c -E "python[^ ]* [^ ]*/AnsiballZ_$2\.py" "$work/$1.cmds" || true; }  # runs of module $2
inprocess() { grep -c -F "cloudforyou.cortex.$2: running in-process on the controller" "$work/$1.log" || true; }

# 1. the same tasks both ways
play compare compare.yml --diff || fail "compare.yml" "$work/compare.log"
for module in cortex_wait cortex_tenant_info cortex_user_info cortex_client_info cortex_request_info cortex_user \
              cortex_tenant cortex_domain cortex_admin cortex_exchange; do
  [ "$(recorded compare "$module")" -gt 0 ] || fail "no module run of $module through cortex_recorded" "$work/compare.log"
  [ "$(inprocess compare "$module")" -gt 0 ] || fail "no in-process run of $module" "$work/compare.log"
done
grep -q -F '"password": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' "$work/compare.log" \
  || fail "no masked password in the invocations shown" "$work/compare.log"
if grep -n -F -f "$work/needles" "$work/compare.log" "$work/compare.cmds" >"$work/hits"; then
  echo "cortex_inprocess: FAILED - a password appears in the output, on line(s): $(cut -d: -f2 "$work/hits" | tr '\n' ' ')"
  exit 1
fi
echo "cortex_inprocess: 10 modules, in-process and as module runs: equal results, no password in the -vvv --diff output"

# 2. delegation and environment
play routes routes.yml || fail "routes.yml" "$work/routes.log"
[ "$(recorded routes cortex_tenant_info)" = 1 ] || fail "delegate_to a host that is not local: no module run there" \
  "$work/routes.log"
[ "$(inprocess routes cortex_request_info)" = 1 ] || fail "delegate_to the implicit localhost: not in-process" \
  "$work/routes.log"
! grep -q -F "AnsiballZ_cortex_request_info" "$work/routes.log" "$work/routes.cmds" \
  || fail "delegate_to the implicit localhost: a module run" "$work/routes.log"
grep -q -F "cloudforyou.cortex.cortex_tenant_info: a module run (the task sets environment variables)" "$work/routes.log" \
  || fail "a task environment: not a module run" "$work/routes.log"
echo "cortex_inprocess: delegate_to a host that is not local runs the module there, to localhost in-process"

# 3. the switch
CORTEX_IN_PROCESS=0 play switch switch.yml || fail "switch.yml" "$work/switch.log"
grep -q -F "cloudforyou.cortex.cortex_user_info: a module run (CORTEX_IN_PROCESS=0)" "$work/switch.log" \
  || fail "CORTEX_IN_PROCESS=0: not a module run" "$work/switch.log"
echo "cortex_inprocess: CORTEX_IN_PROCESS=0 runs the modules as module runs"
