#!/usr/bin/env bash
# Prints the HPC runtime issue's figures on this machine: the HPC runtime framework's e2e wall time
# (budget: 4 minutes) with its slowest checks, and the PCIe passthrough framework's e2e wall time.
# Both bring up and take down what they need (the SLURM cluster; libvirt and the cloud cluster), so
# the local stack must be down: they use its fixed ports and names.
# Usage: bench/hpc-runtime.sh
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
util::no_args "$0" "$@"
cd "$CC_ROOT"

if test-infra/local/stack status hpc >/dev/null 2>&1 || ip link show cc-slurm0 >/dev/null 2>&1; then
  log::die "bench: the local SLURM cluster is up; stop it first (make stack-down)" 2
fi
tmp=$(mktemp -d)
util::trap_add "rm -rf '$tmp'" EXIT

# bench::e2e FRAMEWORK: run its e2e, print the wall time and its three slowest checks.
bench::e2e() {
  local fw=$1 start rc=0 elapsed
  start=$(util::now)
  NO_COLOR=1 "frameworks/test-$fw-framework.sh" e2e --report-dir "$tmp/$fw" >"$tmp/$fw.log" 2>&1 || rc=$?
  elapsed=$(util::elapsed "$start")
  printf '%-40s %6.1f s  (exit %d)  %s\n' "$fw e2e" "$elapsed" "$rc" "$(grep -o "$fw: [0-9].*" "$tmp/$fw.log" | tail -n 1)"
  awk '$2 ~ /^(PASSED|FAILED|SKIPPED|ERROR)$/ && $3 ~ /s$/ { t = $3; sub(/s$/, "", t); print t, $1 }' "$tmp/$fw.log" |
    sort -rn | head -n 3 | awk '{ printf "    %-36s %6.1f s\n", $2, $1 }'
  ((rc == 0)) || tail -n 5 "$tmp/$fw.log"
}

printf 'machine: %s CPUs, %s GiB memory\n' "$(nproc)" "$(awk '/MemTotal/ {printf "%d", $2 / 1048576}' /proc/meminfo)"
bench::e2e hpc-runtime
bench::e2e pcie-passthrough
