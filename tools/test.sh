#!/usr/bin/env bash
# Runs the project's checks (all of them by default, or those named) and prints one summary line each.
# Each check is tools/checks/<name>.sh, run from the repository root with .venv/bin first on PATH.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$ROOT/.venv/bin:$PATH"
export PYTHONDONTWRITEBYTECODE=1

ALL=(emulator statuspage unit sanity integration molecule runner slices ee lint docs docsite changelog galaxy)
checks=("$@")
[ ${#checks[@]} -eq 0 ] && checks=("${ALL[@]}")

declare -a summary
failed=0
for name in "${checks[@]}"; do
  script="tools/checks/$name.sh"
  if [ ! -x "$script" ]; then
    summary+=("FAIL  $name (no $script)")
    failed=1
    continue
  fi
  echo "===== $name ====="
  start=$(date +%s)
  if "$script"; then status=ok; else status=FAIL; failed=1; fi
  summary+=("$(printf '%-4s  %-12s %4ss' "$status" "$name" "$(( $(date +%s) - start ))")")
done

echo
echo "===== summary ====="
printf '%s\n' "${summary[@]}"
exit $failed
