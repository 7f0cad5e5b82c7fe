#!/usr/bin/env bash
# make test: the e2e files in two lanes at once, beside lint, pytest, the bats unit tests and the
# fixture-only e2e file (06). Run one after another the e2e files took 50 minutes of CI (3029 s at
# 7be0187), over its 45-minute budget, while about half of the two CPUs sat idle: guests boot, SLURM
# and the kubelet keep their timers, checks wait. The lanes share no part of the local stack, so
# neither breaks what the other tests: one takes MLOps and Kubernetes (04, 05, 12, after building the
# cluster and KServe: stack build k8s kserve), the other SLURM and then libvirt (07, 09, 11, 01, 02,
# 03, 10). What needs parts of both (08: libvirt, MLOps and SLURM), and any file no lane names, runs
# after them, alone. The unit tests run niced: they fill the CPU the lanes leave idle instead of
# slowing a guest's boot or a load generator's schedule. The pytest tests marked `timing` judge
# figures that need a CPU not busy elsewhere (a load generator keeping its schedule): they run alone
# first. Each lane's output is kept apart and printed when it ends; the e2e failures are repeated at
# the end, where CI's log tail shows them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=test-infra/lib/log.sh
source test-infra/lib/log.sh

unit_log=$(mktemp "${TMPDIR:-/tmp}/cc-unit.XXXXXX")
prebuild_log=$(mktemp "${TMPDIR:-/tmp}/cc-k8s-build.XXXXXX")
lane_a_log=$(mktemp "${TMPDIR:-/tmp}/cc-e2e-a.XXXXXX")
e2e_log=$(mktemp "${TMPDIR:-/tmp}/cc-e2e.XXXXXX")
export prebuild_log
unit_pid='' lane_a_pid='' stack_stopped=''

# The lanes, by the parts of the local stack their files use (each file's setup_file brings up its own).
LANE_A=(04-mlops 05-inference 12-kubernetes-local)
LANE_B=(07-hpc-slurm 09-hpc-runtime 11-gpu-node 01-interrupt 02-cloud-vm 03-broken-target 10-pcie-passthrough)
# needs no part of the stack (recorded API objects on fixture servers of its own): the unit lane's
UNIT_E2E=06-kubernetes

# Each part runs whatever the one before did; the lane fails when any part failed.
# shellcheck disable=SC2016  # expanded by the lane's own bash
unit_lane='rc=0
make -s --no-print-directory lint || rc=1
.venv/bin/python -m pytest -q -m "not timing" tests/python || rc=1
bats tests/bats || rc=1
bats --timing "tests/e2e/$UNIT_E2E.bats" || rc=1
exit "$rc"'
export UNIT_E2E

# shellcheck disable=SC2016  # expanded by the lane's own bash
lane_a='test-infra/local/stack build k8s kserve >"$prebuild_log" 2>&1 ||
  echo "stack build k8s kserve failed (the Kubernetes e2e file builds them): $(tail -n 1 "$prebuild_log")"
exec tests/e2e/run-all.sh --keep-stack "$@"'

# shellcheck disable=SC2317 # called by the EXIT trap
run_all::stop_group() {
  [[ -n "$1" ]] || return 0
  kill -TERM -- "-$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# shellcheck disable=SC2317 # called by the EXIT trap
run_all::end() {
  run_all::stop_group "$unit_pid"
  run_all::stop_group "$lane_a_pid"
  # interrupted before the last file (whose run stops the stack): the lanes kept it up
  [[ -n "$stack_stopped" ]] || test-infra/local/stack down >/dev/null 2>&1 || true
  rm -f "$unit_log" "$e2e_log" "$lane_a_log" "$prebuild_log"
}

# Each failed e2e test's TAP block: its `not ok` line and the `#` lines under it - the first 12 (where
# it failed) and the last 28 (what the test printed last: a failed check's own log), 40 at most.
run_all::e2e_failures() {
  awk 'function flush(  i) {
         for (i = 1; i <= n; i++) if (i <= 13 || i > n - 28) print b[i]; else if (i == 14) print "# [...]"
         n = 0
       }
       /^not ok / {flush(); keep = 1; b[++n] = $0; next}
       /^ok / {flush(); keep = 0; next}
       keep && /^#/ {b[++n] = $0}
       END {flush()}' "$@"
}

# run_all::files NAME...: the e2e files of those names
run_all::files() {
  local n
  for n in "$@"; do printf 'tests/e2e/%s.bats\n' "$n"; done
}

# run_all::rest: the e2e files neither lane nor the unit lane runs (08, and any file added since)
run_all::rest() {
  local f n
  for f in tests/e2e/*.bats; do
    n=${f##*/}
    n=${n%.bats}
    [[ " ${LANE_A[*]} ${LANE_B[*]} $UNIT_E2E " == *" $n "* ]] || echo "$f"
  done
}

trap 'run_all::end' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

timing_rc=0
log::info "make test: the pytest tests marked timing, alone"
.venv/bin/python -m pytest -q -m timing tests/python || timing_rc=$?

# setsid: each background lane is a process group of its own, so that an interrupt stops pytest, bats
# and what they started with it.
setsid nice -n 10 bash -c "$unit_lane" >"$unit_log" 2>&1 &
unit_pid=$!
mapfile -t files_a < <(run_all::files "${LANE_A[@]}")
setsid bash -c "$lane_a" lane-a "${files_a[@]}" >"$lane_a_log" 2>&1 &
lane_a_pid=$!
log::info "make test: lint, pytest and bats unit tests (pid $unit_pid, niced); e2e lane A: ${LANE_A[*]} (pid $lane_a_pid); lane B here: ${LANE_B[*]}"

e2e_rc=0
mapfile -t files_b < <(run_all::files "${LANE_B[@]}")
tests/e2e/run-all.sh --keep-stack "${files_b[@]}" 2>&1 | tee "$e2e_log" || e2e_rc=$?
wait "$lane_a_pid" || e2e_rc=1
lane_a_pid=''
echo "--- e2e lane A: ${LANE_A[*]} ---"
cat "$lane_a_log"
cat "$lane_a_log" >>"$e2e_log"
mapfile -t rest < <(run_all::rest)
log::info "make test: e2e, alone: ${rest[*]##*/}"
stack_stopped=1 # this run stops the stack at its end, however it ends
tests/e2e/run-all.sh "${rest[@]}" 2>&1 | tee -a "$e2e_log" || e2e_rc=$?

unit_rc=0
wait "$unit_pid" || unit_rc=$?
unit_pid=''
echo "--- lint, pytest, bats unit tests ---"
cat "$unit_log"
echo "--- e2e wall time by file ---"
grep -E '^ *[0-9]+ s  ' "$e2e_log" || true
if ((e2e_rc != 0)); then
  echo "--- e2e tests that failed ---"
  run_all::e2e_failures "$e2e_log"
fi
((timing_rc == 0)) || log::error "make test: the pytest tests marked timing failed (exit $timing_rc, before the e2e files)"
((unit_rc == 0)) || log::error "make test: lint, pytest or the bats unit tests failed (above)"
((e2e_rc == 0)) || log::error "make test: the e2e tests failed (exit $e2e_rc)"
((timing_rc == 0 && unit_rc == 0 && e2e_rc == 0))
