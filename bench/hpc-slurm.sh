#!/usr/bin/env bash
# Prints the HPC SLURM issue's figures on this machine: the node-health suite's wall time with 1, 2, 4
# and 8 local compute nodes (it fans out through one srun per check, so it should stay about flat), the
# warm `stack up hpc` time (provisioned, daemons stopped), and the HPC SLURM framework's e2e wall time.
# Runs in its own state directory, so the stack of `make stack-up` is not touched - but it needs the
# cluster's ports, bridge and namespace names: stop that stack first.
# Usage: bench/hpc-slurm.sh [NODE_COUNTS...]   (default: 1 2 4 8)
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
# shellcheck source=bench/lib.sh
source "$CC_ROOT/bench/lib.sh"
for arg in "$@"; do
  case $arg in
    -h | --help) util::header "$0"; exit 0 ;;
    *) [[ "$arg" =~ ^[1-9][0-9]{0,1}$ && "$arg" -le 64 ]] ||
      log::die "$(basename "$0"): NODE_COUNTS are whole numbers from 1 to 64 (hpc.local.compute_nodes), got '$arg' (see: $0 --help)" ;;
  esac
done
cd "$CC_ROOT"

bench::hpc_must_be_down
counts=("$@")
((${#counts[@]})) || counts=(1 2 4 8)

tmp=$(mktemp -d)
bench::hpc_base "$tmp"
base=$BENCH_HPC_BASE
cleanup() {
  CC_STACK_CONFIG=$base test-infra/local/stack down hpc >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
util::trap_add cleanup EXIT

printf 'machine: %s CPUs, %s GiB memory\n' "$(nproc)" "$(awk '/MemTotal/ {printf "%d", $2 / 1048576}' /proc/meminfo)"
for n in "${counts[@]}"; do
  cfg=$(bench::hpc_nodes "$base" "$n")
  export CC_STACK_CONFIG=$cfg
  bench::timed "stack up hpc, $n node(s) (incl. ansible)" test-infra/local/stack up hpc
  bench::timed "node-health suite, $n node(s)" frameworks/test-hpc-slurm-framework.sh run-tests --suite node-health \
    --config "$cfg" --report-dir "$tmp/report-$n"
  printf '    %s; fan-out per check: %s\n' "$(grep -o 'hpc-slurm: [0-9].*' "$tmp/last.log" | tail -n 1)" \
    "$(grep -ho '"name":"[a-z]*_fanout","value":"[0-9.]*"' "$tmp/report-$n"/artifacts/*/metrics.jsonl 2>/dev/null |
      sed 's/"name":"\([a-z]*\)_fanout","value":"\([0-9.]*\)"/\1 \2 s/' | paste -sd, -)"
  bench::timed "stack down hpc, $n node(s)" test-infra/local/stack down hpc
done

cfg=$(bench::hpc_nodes "$base" 2)
export CC_STACK_CONFIG=$cfg
test-infra/local/stack up hpc >/dev/null 2>&1
test-infra/local/stack down hpc >/dev/null 2>&1
bench::timed "stack up hpc warm (provisioned, daemons stopped), 2 nodes" test-infra/local/stack up hpc
test-infra/local/stack down hpc >/dev/null 2>&1
bench::timed "HPC SLURM framework e2e (up, every check, down), 2 nodes" frameworks/test-hpc-slurm-framework.sh e2e \
  --config "$cfg" --report-dir "$tmp/report-e2e"
printf '    %s\n' "$(grep -o 'hpc-slurm: [0-9].*' "$tmp/last.log" | tail -n 1)"
awk '/^check-/ && $3 + 0 >= 2 { printf "    %-30s %s\n", $1, $3 }' "$tmp/last.log"
