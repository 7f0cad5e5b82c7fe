#!/usr/bin/env bash
# Check: every expected node is registered with the CPUs, memory and GRES GPUs the config expects, and
# answers: a node that is down, not responding or badly registered fails naming its state and SLURM's
# reason; one out of service on purpose (drained, maintenance) is named with its reason
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mapfile -t nodes < <(slurm::partition_nodes)
check::metric nodes_registered "${#nodes[@]}" nodes
slurm::usable_nodes
for entry in "${SLURM_FAULT[@]}"; do check::note_failure "${entry%% *} is not usable ${entry#* }"; done
for entry in "${SLURM_OUT[@]}"; do log::warn "${entry%% *} is out of service ${entry#* }"; done
check::expect_eq "nodes in partition $CC_HPC_SLURM_PARTITION (${nodes[*]})" "${#nodes[@]}" "$CC_HPC_SLURM_NODES"
: >"$CC_ARTIFACT_DIR/nodes.tsv"
for node in "${nodes[@]}"; do
  # one scontrol call per node, four fields from it
  line=$(scontrol -o show node "$node" 2>/dev/null || true)
  field() { slurm::record_field "$line" "$1"; }
  cpus=$(field CPUTot) mem=$(field RealMemory) gres=$(field Gres) state=$(field State)
  gpus=0
  [[ "$gres" =~ gpu(:[^:,]+)?:([0-9]+) ]] && gpus=${BASH_REMATCH[2]}
  printf '%s\tcpus=%s\tmemory_mib=%s\tgres=%s\tstate=%s\n' "$node" "$cpus" "$mem" "$gres" "$state" >>"$CC_ARTIFACT_DIR/nodes.tsv"
  problems=()
  [[ -z "${CC_HPC_SLURM_CPUS_PER_NODE:-}" || "$cpus" == "$CC_HPC_SLURM_CPUS_PER_NODE" ]] ||
    problems+=("$cpus CPUs, expected $CC_HPC_SLURM_CPUS_PER_NODE")
  [[ -z "${CC_HPC_SLURM_MEMORY_MIB_PER_NODE:-}" ]] || ((${mem:-0} >= CC_HPC_SLURM_MEMORY_MIB_PER_NODE)) ||
    problems+=("${mem:-no} MiB memory, expected at least $CC_HPC_SLURM_MEMORY_MIB_PER_NODE")
  # shellcheck disable=SC2153 # from the exported config
  ((gpus == CC_HPC_SLURM_GPUS_PER_NODE)) || problems+=("$gpus GRES GPUs (Gres=${gres:-none}), expected $CC_HPC_SLURM_GPUS_PER_NODE")
  if ((${#problems[@]})); then
    check::note_failure "$node registered with $(printf '%s; ' "${problems[@]}" | sed 's/; $//')"
  else
    log::ok "$node: $cpus CPUs, $mem MiB, Gres=$gres ($state)"
  fi
done
check::finish "${#nodes[@]} node(s) registered with ${CC_HPC_SLURM_CPUS_PER_NODE:-any} CPUs, ${CC_HPC_SLURM_MEMORY_MIB_PER_NODE:-any} MiB, $CC_HPC_SLURM_GPUS_PER_NODE GPUs each$(slurm::out_note "out of service")"
