#!/usr/bin/env bash
# The onboarding run the way AWX runs it (issue 4): ansible-runner, the connection only as the environment the
# "Cortex API" credential type injects, the client only as extra vars; then no password may appear in anything
# the jobs left behind.
#
# 1. tests/awx/run_like_awx.py makes a throw-away TLS certificate for 127.0.0.1 and a random partner password and
#    starts an emulator serving HTTPS with that partner (cortex_emulator.launcher, provisioning delay 0.05 s);
# 2. it (see its docstring) checks extensions/awx/ against AWX's rules, then runs, each in a
#    private data directory laid out as AWX lays one out: onboard_client.yml with cortex_client as extra vars (the
#    CA bundle injected as a file), its re-run (changed=0), onboard_client_survey.yml with survey answers, the day-2
#    user operations of day2_user_survey.yml on that client (add with a password, reset, change plan, disable,
#    remove refused then done), its offboarding, and a job whose credential has no CA bundle (it must fail on the
#    certificate: validation stays on); asserts status and rc, the summary lines, and that no password (users',
#    administrators', partner's) is in any file the jobs wrote.
# The execution environment definition is checked by tools/checks/ee.sh.
# The emulator is always stopped; RUNNER_KEEP=1 keeps the work directory.
source "$(dirname "$0")/common.sh"

run_like_awx runner run_like_awx.py
