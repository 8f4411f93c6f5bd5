#!/usr/bin/env bash
# The emulator's status page at scale, in a real headless browser: an emulator with a client of 1,000 users with
# mailboxes (made through the CortexAPI, a few failed on purpose), then Chromium (--headless --dump-dom and
# --screenshot, logged in as the partner) on the clients overview and the client's paged, filtered and sorted user
# list; the dumped DOM must hold the counts per status, the filter links and the pager, and the screenshot must be
# written; a second emulator with a long provisioning delay checks the automatic refresh (tools/checks/statuspage.py).
# Installs Chromium when it is missing (the Debian package `chromium`, with apt-get: as root, or with sudo -n).
# STATUSPAGE_KEEP=DIR keeps the dumps and the screenshot there.
source "$(dirname "$0")/common.sh"

find_browser() {
  local name
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  done
  return 1
}

if ! browser=$(find_browser); then
  echo "statuspage: installing chromium (apt-get install -y chromium)" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); else sudo=(); fi
  command -v apt-get >/dev/null 2>&1 || die "statuspage: no chromium and no apt-get to install it: install Chromium"
  run_logged "apt-get update" "${sudo[@]}" apt-get update -qq || die "statuspage: apt-get update failed"
  run_logged "apt-get install chromium" "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
    || die "statuspage: could not install chromium (run as root, or install it yourself)"
  browser=$(find_browser) || die "statuspage: chromium was installed but is not on PATH"
fi

exec "$PY" "$ROOT/tools/checks/statuspage.py" --browser "$browser" "$@"
