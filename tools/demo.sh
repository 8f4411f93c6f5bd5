#!/usr/bin/env bash
# make demo: start the emulator, onboard the example client with playbooks/onboard_client.yml, show the result,
# stop the emulator (also on failure or Ctrl-C).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
export ANSIBLE_NOCOLOR=${ANSIBLE_NOCOLOR:-0} ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False

state=$(mktemp -d "${TMPDIR:-/tmp}/cortex-demo.XXXXXX")
stop() { tools/emulator.sh stop "$state" || true; rm -rf "$state"; }
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== Starting the Cortex emulator (provisioning delay ${DEMO_DELAY:-0.3} s per request)"
eval "$(EMULATOR_DELAY=${DEMO_DELAY:-0.3} tools/emulator.sh start "$state")"
export CORTEX_URL CORTEX_USERNAME CORTEX_PASSWORD
echo "   CortexAPI $CORTEX_URL, partner login $CORTEX_USERNAME"

collections=$(python tools/collection-tree.py --quiet)
export ANSIBLE_COLLECTIONS_PATH="${collections%/ansible_collections/*}"
# Generated passwords of the example client stay out of the repository and out of the output.
export CORTEX_CREDENTIALS_DIR="$state/credentials"

echo "== Onboarding the example client (playbooks/vars/example_client.yml)"
ansible-playbook playbooks/onboard_client.yml -e @playbooks/vars/example_client.yml

echo "== Running it again: nothing should change"
ansible-playbook playbooks/onboard_client.yml -e @playbooks/vars/example_client.yml | tail -n 3

echo "== What Cortex now holds"
python - "$CORTEX_EMULATOR_BASE" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
stats = json.load(urllib.request.urlopen(base + "/_emulator/stats"))
print("   API requests: %(requests)d (%(writes)d writes); provisioning: %(provisioning)s" % stats)
PY
echo "   Status page (while the emulator runs): $CORTEX_EMULATOR_BASE/"
curl -fsS "$CORTEX_EMULATOR_BASE/" | python -c '
import html, re, sys
page = sys.stdin.read()
rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)
for row in rows[:20]:
    cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
    if any(cells):
        print("   " + " | ".join(cells))
'
if [ -n "${DEMO_KEEP:-}" ]; then
  echo "== DEMO_KEEP is set: the emulator stays up at $CORTEX_EMULATOR_BASE/ until you press Enter"
  read -r _
fi
echo "== Stopping the emulator"
