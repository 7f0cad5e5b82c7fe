#!/usr/bin/env bash
# Prints the HPC SLURM framework's wall time and verdicts on a local cluster made busy the way production
# clusters are (issue 38's goal: within 3 minutes, no false failure): a user's exclusive 15-minute job on
# one node, two exclusive 2-node jobs of higher priority pending behind it. Then the same with a
# reservation on the other node (hpc.slurm.reservation), where the job checks run. Runs in its own state
# directory, but needs the cluster's ports, bridge and namespace names: stop the stack of `make
# stack-up` first.
# Usage: bench/hpc-slurm-busy.sh
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
# shellcheck source=bench/lib.sh
source "$CC_ROOT/bench/lib.sh"
util::no_args "$0" "$@"
cd "$CC_ROOT"

bench::hpc_must_be_down
tmp=$(mktemp -d)
bench::hpc_base "$tmp"
cfg=$(bench::hpc_nodes "$BENCH_HPC_BASE" 2)
export CC_STACK_CONFIG=$cfg SLURM_CONF=$tmp/state/hpc/etc/slurm.conf
reserved=$tmp/reserved.yaml
.venv/bin/python - "$cfg" "$reserved" <<'PY'
import sys, yaml
data = yaml.safe_load(open(sys.argv[1]))
data["hpc"]["slurm"]["reservation"] = "cc-acceptance"
yaml.safe_dump(data, open(sys.argv[2], "w"), sort_keys=False)
PY
cleanup() {
  scontrol delete reservation=cc-acceptance >/dev/null 2>&1 || true
  test-infra/local/stack down hpc >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
util::trap_add cleanup EXIT

printf 'machine: %s CPUs, %s GiB memory\n' "$(nproc)" "$(awk '/MemTotal/ {printf "%d", $2 / 1048576}' /proc/meminfo)"
bench::timed "stack up hpc, 2 nodes" test-infra/local/stack up hpc
mapfile -t nodes < <(sinfo -h -N -o '%N' | sort -u)
partition=$(sinfo -h -o '%P' | head -n 1 | tr -d '*')
hold=$(sbatch --parsable -p "$partition" -w "${nodes[0]}" --exclusive --time=15 -J user-hold -o /dev/null --wrap 'sleep 900')
for _ in $(seq 60); do [[ "$(squeue -h -j "$hold" -o %T)" == RUNNING ]] && break; sleep 0.5; done
for _ in 1 2; do
  big=$(sbatch --parsable -p "$partition" -N2 --exclusive --time=10 -J user-big -o /dev/null --wrap 'sleep 60')
  scontrol update jobid="$big" priority=4000000 || true
done
sleep 2
printf 'busy: %s\n' "$(squeue -h -o '%i %j %T %D %r' | paste -sd ';' -)"

bench::summary() {
  printf '    %s\n' "$(grep -o 'hpc-slurm: [0-9].*' "$tmp/last.log" | tail -n 1)"
  grep -E '^\[ *[0-9]+/[0-9]+\] (FAIL|ERROR)' "$tmp/last.log" | sed 's/^/    /' || true
  printf '    skipped as busy: %s\n' "$(grep -cE '^\[ *[0-9]+/[0-9]+\] SKIP .* busy: ' "$tmp/last.log" || true)"
  awk '/^check-/ && $3 + 0 >= 5 { printf "    slow: %-30s %s %s\n", $1, $2, $3 }' "$tmp/last.log"
}

BENCH_ANY_EXIT=1 bench::timed "HPC SLURM framework, every check, on the busy cluster" \
  frameworks/test-hpc-slurm-framework.sh run-tests --config "$cfg" --report-dir "$tmp/report-busy"
bench::summary

scontrol create reservation ReservationName=cc-acceptance Nodes="${nodes[1]}" StartTime=now Duration=30 \
  Users=root Flags=IGNORE_JOBS >/dev/null
BENCH_ANY_EXIT=1 bench::timed "the same in reservation cc-acceptance (${nodes[1]})" \
  frameworks/test-hpc-slurm-framework.sh run-tests --config "$reserved" --report-dir "$tmp/report-reserved"
bench::summary
