#!/usr/bin/env bash
# make demo: start the emulator, onboard the example client with playbooks/onboard_client.yml, show the result,
# stop the emulator (also on failure or Ctrl-C).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
export ANSIBLE_NOCOLOR=${ANSIBLE_NOCOLOR:-0}

state=$(mktemp -d "${TMPDIR:-/tmp}/cortex-demo.XXXXXX")
emulator() { python -m cortex_emulator "$@"; }  # the launcher (docs/emulator.md)
stop() { emulator stop --state "$state/emulator" || true; rm -rf "$state"; }
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== Starting the Cortex emulator (provisioning delay ${DEMO_DELAY:-0.3} s per request)"
# --public-status: the demo's status page needs no login (a served emulator shows a partner its own clients only)
eval "$(emulator start --state "$state/emulator" --delay "${DEMO_DELAY:-0.3}" --public-status --format sh)"
export CORTEX_URL CORTEX_USERNAME CORTEX_PASSWORD
echo "   CortexAPI $CORTEX_URL, partner login $CORTEX_USERNAME"

collections=$(python tools/collection-tree.py --quiet)
export ANSIBLE_COLLECTIONS_PATH="${collections%/ansible_collections/*}"
# Generated passwords of the example client stay out of the repository and out of the output.
export CORTEX_CREDENTIALS_DIR="$state/credentials"

# `-i localhost,`: the playbook runs on localhost (connection local), named in an inventory of its own, as README.md's
# commands do: without one, ansible-playbook warns that no inventory was parsed and that the host list is empty.
echo "== Onboarding the example client (playbooks/vars/example_client.yml)"
ansible-playbook -i localhost, playbooks/onboard_client.yml -e @playbooks/vars/example_client.yml

echo "== Running it again: nothing should change"
ansible-playbook -i localhost, playbooks/onboard_client.yml -e @playbooks/vars/example_client.yml | tail -n 3

echo "== What the emulator counted (/_emulator/stats)"
emulator stats --state "$state/emulator" | sed "s/^/   /"
echo "   Status page (while the emulator runs, no login in the demo): $CORTEX_EMULATOR_BASE/"
if [ -n "${DEMO_KEEP:-}" ]; then
  echo "== DEMO_KEEP is set: the emulator stays up at $CORTEX_EMULATOR_BASE/ until you press Enter"
  read -r _
fi
echo "== Stopping the emulator"
