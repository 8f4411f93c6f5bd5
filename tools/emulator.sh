#!/usr/bin/env bash
# Start or stop a Cortex emulator in the background, for the checks, the demo and molecule.
#
#   eval "$(tools/emulator.sh start STATE_DIR [extra 'serve' arguments...])"
#   ...
#   tools/emulator.sh stop STATE_DIR
#
# start: runs `python -m cortex_emulator serve` on 127.0.0.1 (a free port unless EMULATOR_PORT is set) with its
#   database, ready file, log and pid file in STATE_DIR; waits for the ready file (EMULATOR_TIMEOUT seconds,
#   default 30); prints shell `export` lines on stdout:
#     CORTEX_URL CORTEX_USERNAME CORTEX_PASSWORD CORTEX_EMULATOR_BASE CORTEX_EMULATOR_PYTHON CORTEX_EMULATOR_STATE
#   On failure it prints the emulator's log on stderr, stops what it started and exits non-zero.
# stop: stops the emulator of STATE_DIR (its whole process group: the workers too); SIGKILL after 10 s. Quiet,
#   and succeeds when nothing runs.
# env: prints the export lines of a running emulator again.
# Knobs: EMULATOR_PORT (0), EMULATOR_DELAY (0.05 s), EMULATOR_WORKERS (4), EMULATOR_TIMEOUT (30),
#   EMULATOR_PYTHON (the project's .venv python), CORTEX_USERNAME / CORTEX_PASSWORD (the demo partner).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${EMULATOR_PYTHON:-$ROOT/.venv/bin/python}

usage() { echo "usage: $0 start|stop|env STATE_DIR [serve args...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1 state=$2
shift 2

pid_of() {  # the emulator's pid, from the pid file (written at start) - empty when none
  [ -f "$state/emulator.pid" ] && cat "$state/emulator.pid" || true
}

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

show_log() {
  echo "----- emulator log ($state/emulator.log) -----" >&2
  tail -n 200 "$state/emulator.log" >&2 2>/dev/null || echo "(no log)" >&2
  echo "----- end of emulator log -----" >&2
}

do_stop() {
  local pid target
  pid=$(pid_of)
  [ -n "$pid" ] || return 0
  # started with setsid: the emulator leads its own process group, which holds its workers too
  if [ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ]; then target=-$pid; else target=$pid; fi
  if alive "$pid"; then
    kill -TERM -- "$target" 2>/dev/null || true
    for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      echo "emulator.sh: pid $pid still running 10 s after SIGTERM; sending SIGKILL" >&2
      kill -KILL -- "$target" 2>/dev/null || true
    fi
  fi
  # workers left behind by a supervisor that died first
  [ "$target" = "-$pid" ] && kill -KILL -- "$target" 2>/dev/null || true
  rm -f "$state/emulator.pid"
}

print_env() {
  "$PY" - "$state/ready.json" "$PY" "$state" <<'EOF'
import json, shlex, sys
ready_path, python, state = sys.argv[1:4]
import os
with open(ready_path, encoding='utf-8') as fh:
    ready = json.load(fh)
port = int(ready['port'])
env = {
    'CORTEX_URL': ready['url'],
    'CORTEX_USERNAME': os.environ.get('CORTEX_USERNAME') or 'demo-partner',
    'CORTEX_PASSWORD': os.environ.get('CORTEX_PASSWORD') or 'DemoPartner2026',
    'CORTEX_EMULATOR_BASE': 'http://127.0.0.1:%d' % port,
    'CORTEX_EMULATOR_PYTHON': python,
    'CORTEX_EMULATOR_STATE': state,
}
for key, value in env.items():
    print('export %s=%s' % (key, shlex.quote(str(value))))
EOF
}

case $cmd in
  start)
    mkdir -p "$state"
    state=$(cd "$state" && pwd)
    if alive "$(pid_of)"; then echo "emulator.sh: already running in $state (pid $(pid_of))" >&2; exit 1; fi
    rm -f "$state/ready.json" "$state/emulator.pid"
    [ -x "$PY" ] || { echo "emulator.sh: $PY missing: run 'make venv'" >&2; exit 1; }
    launcher=()
    command -v setsid >/dev/null && launcher=(setsid)
    # stdin from /dev/null, so no terminal signal reaches it; a script's background job is no process group leader,
    # so setsid makes the emulator (this very pid) the leader of a new group
    "${launcher[@]}" "$PY" -m cortex_emulator serve --host 127.0.0.1 --port "${EMULATOR_PORT:-0}" \
      --db "$state/cortex.db" --delay "${EMULATOR_DELAY:-0.05}" --workers "${EMULATOR_WORKERS:-4}" \
      --ready-file "$state/ready.json" "$@" </dev/null >"$state/emulator.log" 2>&1 &
    echo $! >"$state/emulator.pid"
    deadline=$(( $(date +%s) + ${EMULATOR_TIMEOUT:-30} ))
    while :; do
      if [ -s "$state/ready.json" ] && out=$(print_env 2>/dev/null); then
        printf '%s\n' "$out"
        exit 0
      fi
      if ! alive "$(pid_of)"; then
        echo "emulator.sh: the emulator exited before it was ready" >&2
        show_log; do_stop; exit 1
      fi
      if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "emulator.sh: no ready file $state/ready.json after ${EMULATOR_TIMEOUT:-30} s" >&2
        show_log; do_stop; exit 1
      fi
      sleep 0.1
    done
    ;;
  stop) [ -d "$state" ] && do_stop; exit 0 ;;
  env) print_env ;;
  *) usage ;;
esac
