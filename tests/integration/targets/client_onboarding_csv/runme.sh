#!/usr/bin/env bash
# The role with a users' CSV file (client_onboarding_users_csv), run with -vvv from a directory of its own holding the
# files (relative paths: found in the current directory):
#  1. bad files - a missing column, a short row, rows whose password and UPN cells are not in the header's order, a
#     file without a header whose first row holds a column name, a UTF-8 file with a row in Windows-1252, a missing
#     file - refused before any write, the message naming the file, line and column (the users_csv lookup's own, not
#     "CapturedExceptionMarker"), the emulator's write counter unchanged; and a file read well whose users break the
#     plan's rules (a UPN twice, a domain not the client's), refused by the plan naming the users, nothing written;
#  2. an ansible-vault encrypted file (UTF-16, as Excel's "Unicode text") onboards its 2 users; then offboarded.
# The passwords are generated for this run: none may appear anywhere in the output.
set -eu
eval "$(python -m cortex_emulator env --from ../../integration_config.yml --format sh)"
: "${CORTEX_URL:?not set: run the targets with tools/checks/integration.sh}" "${CORTEX_PASSWORD:?}"

here=$(pwd)
config=$(cd ../.. && pwd)/integration_config.yml
work=$(mktemp -d "${OUTPUT_DIR:-${TMPDIR:-/tmp}}/cortex-csv.XXXXXX")
trap 'rm -rf "$work"' EXIT

token() { od -An -N5 -tx1 /dev/urandom | tr -d ' \n'; }
p1="Ub$(token)!Hx1"; p2="Nc$(token)@Py2"; p3="Qa$(token)#Zr3"; p4="Wv$(token)%Kj4"
printf '%s\n' "$p1" "$p2" "$p3" "$p4" "$CORTEX_PASSWORD" >"$work/needles"

cd "$work"
# a password column but no UPN column
printf 'Prénom;Nom;Mot de passe\r\nZoé;Marchand;%s\r\n' "$p1" >no-upn.csv
# the second user's row lacks its plan cell: line 3, column 5
printf 'First name;Last name;UPN;Password;Plan\nAda;Lovelace;ada@itcsv.example;%s;\nAlan;Turing;alan@itcsv.example;%s\n' \
  "$p2" "$p3" >short-row.csv
# the header has the UPN before the password, the rows the other way round: the UPN cell holds a password
printf 'Prénom;Nom;Identifiant;Mot de passe\r\nZoé;Marchand;%s;zoe@itcsv.example\r\n' "$p2" >swapped.csv
# no header line: the first row's first name is a column name ("Forfait"), its second cell a password
printf 'Forfait;%s;zoe@itcsv.example\r\nYanis;%s;yanis@itcsv.example\r\n' "$p3" "$p4" >no-header.csv
# UTF-8, but the last row was saved in Windows-1252 (H\xe9l\xe8ne): refused, not read whole as Windows-1252
printf 'Prénom;Identifiant;Mot de passe\r\nZoé;zoe@itcsv.example;%s\r\n' "$p1" >mixed.csv
printf 'H\xe9l\xe8ne;helene@itcsv.example;%s\r\n' "$p2" >>mixed.csv
# read well, but the same UPN twice and a UPN on a domain the client does not have
printf 'Prénom;Nom;Identifiant;Mot de passe\r\nZoé;Marchand;zoe@itcsv.example;%s\r\nZoé;Marchand;zoe@itcsv.example;%s\r\nYanis;Perrin;yanis@elsewhere.example;%s\r\n' \
  "$p1" "$p2" "$p3" >rules.csv
# the good file: UTF-16 with its byte order mark, then vault-encrypted
printf 'Prénom;Nom;Identifiant;Mot de passe\r\nZoé;Marchand;zoe@itcsv.example;%s\r\nYanis;Perrin;yanis@itcsv.example;"%s"\r\n' \
  "$p4" "$p1" | iconv -f utf-8 -t utf-16 >users.csv
printf '%s\n' "vault-$(token)" >vault-password
ansible-vault encrypt --vault-password-file vault-password users.csv >/dev/null
[ "$(head -c 14 users.csv)" = "\$ANSIBLE_VAULT" ] || { echo "client_onboarding_csv: users.csv is not encrypted"; exit 1; }

log="$work/output.log"
rc=0
ANSIBLE_NOCOLOR=1 ANSIBLE_ROLES_PATH="$here/.." ansible-playbook "$here/csv.yml" -vvv --vault-password-file vault-password \
  -e "@$config" >"$log" 2>&1 || rc=$?
echo "client_onboarding_csv: playbook exit $rc, $(wc -l <"$log") lines of -vvv output"
if [ "$rc" -ne 0 ]; then
  tail -n 60 "$log" | grep -v -F -f "$work/needles" || true
  exit "$rc"
fi
# The output holds what the run did (an empty or truncated capture cannot pass) ...
for expected in "no-upn.csv, line 1: no upn column (the header's columns: 1 first_name, 2 last_name, 3 password)" \
                "short-row.csv, line 3, column 5 (plan): 4 cells where the header has 5" \
                "swapped.csv, line 2, column 3 (upn): not a user principal name" \
                "no-header.csv, line 1, column 2: the header cell is not a column name" \
                "mixed.csv, line 3, column 1 (first_name): not UTF-8, while the file holds UTF-8 text (line 1)" \
                "the file 'missing.csv' was not found" "users[1] 'zoe@itcsv.example': same UPN as users[0]" \
                "users.csv: 2 user(s)" \
                "client_onboarding_csv: the vault-encrypted CSV onboarded 2 users"; do
  grep -q -F -e "$expected" "$log" || { echo "client_onboarding_csv: '$expected' missing from the output"; exit 1; }
done
# ... and not one secret.
if grep -n -F -f "$work/needles" "$log" >"$work/hits"; then
  echo "client_onboarding_csv: FAILED - a password appears in the output, on line(s): $(cut -d: -f1 "$work/hits" | tr '\n' ' ')"
  exit 1
fi
echo "client_onboarding_csv: bad CSV files refused before any write with file, line and column; the vault-encrypted" \
  "file onboarded; none of the $(wc -l <"$work/needles") passwords appears in the output"
