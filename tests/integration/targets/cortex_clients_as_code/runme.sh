#!/usr/bin/env bash
# Clients as code over their life, against an emulator of its own:
#  1. three clients (one host_vars file each) onboarded in parallel by playbooks/onboard_clients.yml, then re-run
#     unchanged, with the fleet summary;
#  2. day 2 on ITCA1 without the passwords of the users that exist, one plan changed, one user added;
#  3. prune: in check mode (named, nothing removed), for real, then unchanged; the safety limit refuses more than
#     client_onboarding_prune_max, removing nothing;
#  4. export ITCA3 (playbooks/export_client.yml), re-apply it: unchanged, also with --check --diff;
#  5. the inventory plugin lists the tenants with their host variables and groups, and a play against a tenant host
#     runs a module with the Python that runs Ansible; its cache is per URL and account: a second partner account of
#     the emulator is served its own tenants, a wrong password fails, the cache files are 0600 and hold no password;
#  6. playbooks/usage_report.yml writes the mailboxes per plan as CSV.
set -eu
eval "$(python -m cortex_emulator env --from ../../integration_config.yml --format sh)"
emulator=("${CORTEX_EMULATOR_PYTHON:?not set: run the targets with tools/checks/integration.sh}" -m cortex_emulator)
state=$(mktemp -d "${OUTPUT_DIR:-${TMPDIR:-/tmp}}/cortex-clients.XXXXXX")
cleanup() { "${emulator[@]}" stop --state "$state/emulator" || true; rm -rf "$state"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# two partner accounts: the first runs everything; the second is the other account of the inventory's cache (5.)
token() { od -An -N6 -tx1 /dev/urandom | tr -d ' \n'; }
first_password="Dp$(token)!Qa1"; second_password="Op$(token)!Wz2"
(umask 077; printf 'partners:\n  - {login: demo-partner, password: "%s"}\n  - {login: other-partner, password: "%s"}\n' \
  "$first_password" "$second_password" >"$state/partners.yml")
"${emulator[@]}" start --state "$state/emulator" --delay 0.05 --format none --partners-file "$state/partners.yml"
eval "$("${emulator[@]}" env --state "$state/emulator" --format sh)"
export CORTEX_URL CORTEX_USERNAME CORTEX_PASSWORD ANSIBLE_NOCOLOR=1

fail() { [ -f "${2:-}" ] && tail -n 60 "$2"; echo "cortex_clients_as_code: FAILED: $1"; exit 1; }
play() {  # play NAME ARGS...: ansible-playbook ARGS, output in $state/NAME.log; returns its status
  local name=$1; shift
  local rc=0
  ansible-playbook "$@" >"$state/$name.log" 2>&1 || rc=$?
  return $rc
}
expect() {  # expect NAME REGEX: the output of NAME matches REGEX
  grep -qE "$2" "$state/$1.log" || fail "$1: no line matching /$2/" "$state/$1.log"
}
changed() { sed -n 's/^localhost .* changed=\([0-9]*\) .*/\1/p' "$state/$1.log" | tail -n 1; }

# 1. the fleet, in parallel, then again
play fleet cloudforyou.cortex.onboard_clients -i clients/ --forks 3 || fail "fleet" "$state/fleet.log"
expect fleet 'Fleet: 3 client\(s\) - 3 onboarded or changed, 0 unchanged, 0 failed; objects 33 created'
play fleet-again cloudforyou.cortex.onboard_clients -i clients/ --forks 3 || fail "fleet again" "$state/fleet-again.log"
expect fleet-again 'Fleet: 3 client\(s\) - 0 onboarded or changed, 3 unchanged, 0 failed; objects 0 created'
[ "$(grep -cE '^ITCA[123] .*changed=0 ' "$state/fleet-again.log")" = 3 ] || fail "fleet re-run changed something" \
  "$state/fleet-again.log"
echo "cortex_clients_as_code: 3 clients onboarded in parallel (forks 3), re-run unchanged"

# 2. day 2 without the passwords of existing users: one plan changed, one user added
play day2 cloudforyou.cortex.onboard_client -e @day2.yml || fail "day 2" "$state/day2.log"
expect day2 'Client ITCA1 \(Integration Client 1\): 2 created, 1 changed, 0 removed, [0-9]+ unchanged, 0 failed'
! grep -q 'in Cortex but not in the description' "$state/day2.log" || fail "day 2 names a user it should not" \
  "$state/day2.log"
echo "cortex_clients_as_code: day 2 without passwords - erin and her mailbox created, bob's plan changed"

# 3. prune: check mode names dave, removes nothing; then for real; then unchanged
play undescribed cloudforyou.cortex.onboard_client -e @pruned.yml || fail "without prune" "$state/undescribed.log"
expect undescribed "in Cortex but not in the description \(kept; client_onboarding_prune removes them\): dave@itca1.example"
play prune-check cloudforyou.cortex.onboard_client -e @pruned.yml -e client_onboarding_prune=true --check --diff \
  || fail "prune in check mode" "$state/prune-check.log"
expect prune-check 'users: 1 would be removed'
expect prune-check 'dave@itca1.example'
play prune cloudforyou.cortex.onboard_client -e @pruned.yml -e client_onboarding_prune=true || fail "prune" "$state/prune.log"
expect prune 'Client ITCA1 \(Integration Client 1\): 0 created, 0 changed, 2 removed'
play prune-again cloudforyou.cortex.onboard_client -e @pruned.yml -e client_onboarding_prune=true \
  || fail "prune again" "$state/prune-again.log"
[ "$(changed prune-again)" = 0 ] || fail "prune re-run changed something" "$state/prune-again.log"
rc=0
play prune-limit cloudforyou.cortex.onboard_client -e @tooshort.yml -e client_onboarding_prune=true \
  -e client_onboarding_prune_max=2 || rc=$?
[ "$rc" -ne 0 ] || fail "the prune safety limit did not refuse" "$state/prune-limit.log"
expect prune-limit 'more than client_onboarding_prune_max=2; nothing was removed: bob@itca2.example, carol@itca2-bis.example, dave@itca2.example'
echo "cortex_clients_as_code: prune - named in check mode, then removed (user and mailbox), then unchanged; the limit refused"

# 4. export, then re-apply unchanged (also in check mode with a diff)
play export cloudforyou.cortex.export_client -e export_tenant=ITCA3 -e "export_path=$state/ITCA3.yml" \
  || fail "export" "$state/export.log"
grep -qE '^ *-? *password:' "$state/ITCA3.yml" && fail "the export holds a password" "$state/ITCA3.yml"
play reapply-check cloudforyou.cortex.onboard_client -e "@$state/ITCA3.yml" --check --diff \
  || fail "re-apply in check mode" "$state/reapply-check.log"
[ "$(changed reapply-check)" = 0 ] || fail "the exported description changes something (check mode)" "$state/reapply-check.log"
play reapply cloudforyou.cortex.onboard_client -e "@$state/ITCA3.yml" || fail "re-apply" "$state/reapply.log"
[ "$(changed reapply)" = 0 ] || fail "the exported description changes something" "$state/reapply.log"
expect reapply 'Client ITCA3 \(Integration Client 3\): 0 created, 0 changed, 0 removed, 11 unchanged, 0 failed'
echo "cortex_clients_as_code: ITCA3 exported and re-applied: changed=0, also with --check --diff"

# 5. the inventory plugin
ansible-inventory -i cortex.yml --graph >"$state/inventory.txt" 2>&1 || fail "inventory" "$state/inventory.txt"
play inventory-check -i cortex.yml inventory_check.yml || fail "inventory content" "$state/inventory-check.log"
echo "cortex_clients_as_code: the inventory lists ITCA1-3 with their host variables and groups; a play against ITCA3" \
  "ran a module with ansible_playbook_python"
# its cache, per URL and account: the same configuration file read by two accounts, then with a wrong password
mkdir -p "$state/cached"
printf 'plugin: cloudforyou.cortex.cortex\ncache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n' \
  "$state/inventory-cache" >"$state/cached/cortex.yml"
hosts() {  # hosts NAME: the hosts of the cached inventory, one a line, in $state/NAME.txt
  ansible-inventory -i "$state/cached/cortex.yml" --list >"$state/$1.json" 2>"$state/$1.err" || fail "$1" "$state/$1.err"
  python -c 'import json, sys; print("\n".join(sorted(json.load(sys.stdin)["_meta"]["hostvars"])))' \
    <"$state/$1.json" >"$state/$1.txt"
}
hosts cache-first
[ "$(grep -c '^ITCA[123]$' "$state/cache-first.txt")" = 3 ] || fail "first account: not ITCA1-3" "$state/cache-first.txt"
CORTEX_USERNAME=other-partner CORTEX_PASSWORD=$second_password hosts cache-second
! grep -q '^ITCA' "$state/cache-second.txt" || fail "the second account was served the first one's tenants" \
  "$state/cache-second.txt"
hosts cache-again
cmp -s "$state/cache-first.txt" "$state/cache-again.txt" || fail "first account again" "$state/cache-again.txt"
rc=0
CORTEX_PASSWORD="wrong-$first_password" ansible-inventory -i "$state/cached/cortex.yml" --list \
  >"$state/cache-wrong.json" 2>"$state/cache-wrong.err" || rc=$?
! grep -q 'ITCA' "$state/cache-wrong.json" || fail "a wrong password was served the cached tenants" "$state/cache-wrong.json"
grep -q 'authentication failed' "$state/cache-wrong.err" || fail "a wrong password: no authentication failure" \
  "$state/cache-wrong.err"
files=$(find "$state/inventory-cache" -type f | wc -l)
[ "$files" = 2 ] || fail "$files cache files, not one per account"
loose=$(find "$state/inventory-cache" -type f ! -perm 600)
[ -z "$loose" ] || fail "cache files readable by others: $loose"
if grep -l -F -e "$first_password" -e "$second_password" -r "$state/inventory-cache" "$state"/cache-*.json \
  "$state"/cache-*.err; then
  fail "a password is in the inventory's cache or output"
fi
echo "cortex_clients_as_code: the inventory's cache - one file (0600, no password) per account; the other account" \
  "read its own tenants; a wrong password refused"

# 6. the usage report
play usage cloudforyou.cortex.usage_report -e "usage_report_path=$state/usage.csv" || fail "usage report" "$state/usage.log"
grep -qx 'ITCA1,Integration Client 1,FORFAIT_10GO,2' "$state/usage.csv" || fail "usage report content" "$state/usage.csv"
grep -qx 'ITCA3,Integration Client 3,FORFAIT_2GO,3' "$state/usage.csv" || fail "usage report content" "$state/usage.csv"
echo "cortex_clients_as_code: usage report: $(($(wc -l <"$state/usage.csv") - 1)) rows"
echo "cortex_clients_as_code: passed"
