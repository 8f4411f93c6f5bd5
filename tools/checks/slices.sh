#!/usr/bin/env bash
# The fleet as AWX runs a sliced job template (issue "Orchestration at the speed of the wire", item 3): 12 clients
# as 3 slices, split as AWX splits them, each slice a job stream through `ansible-runner transmit | ansible-runner
# worker | ansible-runner process` (what receptor carries to an execution node and back), all three at once against
# one HTTPS emulator, the connection only as the environment the "Cortex API" credential injects.
#
# tests/awx/run_slices.py (see its docstring) writes the fleet (hosts.yml, one host_vars file per client), imports it
# as AWX imports an inventory source, builds each slice's inventory as AWX does (hosts ordered by name, slice k of N:
# hosts k, k+N, ...), runs the slices, and asserts: every slice successful; each onboards and sums up its own clients
# only; nothing done twice (the emulator's counters, and every provisioning request and tenant read back from
# Cortex); playbooks/fleet_report.yml reports the 12 clients, their users and mailboxes per plan, and names a user
# whose provisioning failed and a client Cortex lacks; a second sliced launch (limited to every client) changes
# nothing; a slice none of whose clients a limit names fails; no password in anything the jobs left, on the
# controller's side or the node's, nor in the nodes' answer streams.
# The emulator is always stopped; SLICES_KEEP=1 keeps the work directory.
source "$(dirname "$0")/common.sh"

run_like_awx slices run_slices.py
