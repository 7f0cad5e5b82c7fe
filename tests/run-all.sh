#!/usr/bin/env bash
# make test: lint, pytest, the bats unit tests and the fixture-only e2e file (06) beside the other e2e
# files. These need no part of the local target, and the first e2e files (cloud VMs) leave about half of the two CPUs idle while
# guests boot and checks wait (vmstat during CI), so running both at once takes about 4 minutes off
# `make test`. The unit tests' output is kept apart and printed when they end, not interleaved; after
# them the lane builds the local Kubernetes cluster and KServe (stack build k8s kserve, about 90 s from
# Go's caches, and KServe's images) off the e2e lane's critical path. The pytest tests marked `timing` judge figures that need a CPU not
# busy elsewhere (a load generator keeping its schedule): they run alone first. The e2e failures are repeated at the end, where CI's log
# tail shows them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=test-infra/lib/log.sh
source test-infra/lib/log.sh

unit_log=$(mktemp "${TMPDIR:-/tmp}/cc-unit.XXXXXX")
prebuild_log=$(mktemp "${TMPDIR:-/tmp}/cc-k8s-build.XXXXXX")
export prebuild_log
e2e_log=$(mktemp "${TMPDIR:-/tmp}/cc-e2e.XXXXXX")
unit_pid=

# Each part runs whatever the one before did; the lane fails when any part failed.
# shellcheck disable=SC2016  # expanded by the lane's own bash
unit_lane='rc=0
make -s --no-print-directory lint || rc=1
.venv/bin/python -m pytest -q -m "not timing" tests/python || rc=1
bats tests/bats || rc=1
# the e2e file that needs no part of the local target (recorded API objects on fixture servers of its
# own ports): here, beside the e2e lane, instead of on its critical path (2.5 minutes of CI)
bats --timing tests/e2e/06-kubernetes.bats || rc=1
# then the local Kubernetes cluster and KServe are built, off the e2e lane: their file, the last, finds them built
test-infra/local/stack build k8s kserve >"$prebuild_log" 2>&1 || echo "stack build k8s kserve failed (the Kubernetes e2e file builds them): $(tail -n 1 "$prebuild_log")"
exit "$rc"'

run_all::stop_unit() {
  if [[ -n "$unit_pid" ]]; then
    kill -TERM -- "-$unit_pid" 2>/dev/null || true
    wait "$unit_pid" 2>/dev/null || true
  fi
  rm -f "$unit_log" "$e2e_log" "$prebuild_log"
}

# Each failed e2e test's TAP block: its `not ok` line and the `#` lines under it, at most 40 of them.
run_all::e2e_failures() {
  awk '/^not ok /{n = 41} /^ok /{n = 0} n > 0 && (/^not ok / || /^#/) {print; n--}' "$1"
}
trap 'run_all::stop_unit' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

timing_rc=0
log::info "make test: the pytest tests marked timing, alone"
.venv/bin/python -m pytest -q -m timing tests/python || timing_rc=$?

# setsid: the lane is a process group of its own, so that an interrupt stops pytest and bats with it.
setsid bash -c "$unit_lane" >"$unit_log" 2>&1 &
unit_pid=$!
log::info "make test: lint, pytest and bats unit tests running beside the e2e files (pid $unit_pid)"

e2e_rc=0
# every e2e file but the one the unit lane runs
e2e_files=()
for f in tests/e2e/*.bats; do [[ "$f" == */06-kubernetes.bats ]] || e2e_files+=("$f"); done
tests/e2e/run-all.sh "${e2e_files[@]}" 2>&1 | tee "$e2e_log" || e2e_rc=$?

unit_rc=0
wait "$unit_pid" || unit_rc=$?
unit_pid=
echo "--- lint, pytest, bats unit tests ---"
cat "$unit_log"
sed -n '/^--- e2e wall time by file ---$/,$p' "$e2e_log"
if ((e2e_rc != 0)); then
  echo "--- e2e tests that failed ---"
  run_all::e2e_failures "$e2e_log"
fi
((timing_rc == 0)) || log::error "make test: the pytest tests marked timing failed (exit $timing_rc, before the e2e files)"
((unit_rc == 0)) || log::error "make test: lint, pytest or the bats unit tests failed (above)"
((e2e_rc == 0)) || log::error "make test: the e2e tests failed (exit $e2e_rc)"
((timing_rc == 0 && unit_rc == 0 && e2e_rc == 0))
