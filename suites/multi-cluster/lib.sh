#!/usr/bin/env bash
# What every multi-cluster scenario starts with: the check helpers, the cluster CLI, GPU, SLURM and
# multi-cluster utilities, and the exported config. A target without both a cloud and an HPC cluster
# skips. Every scenario snapshots the clusters' state and puts it back on exit (multi_cluster::restore); a
# scenario that cannot put it back fails. Sourced, never run.
# shellcheck source=test-infra/checks/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/checks/check.sh"
# shellcheck source=test-infra/checks/facts.sh
source "$CC_CHECKS/facts.sh"
# shellcheck source=test-infra/checks/cloud-cli.sh
source "$CC_CHECKS/cloud-cli.sh"
# shellcheck source=test-infra/checks/gpu.sh
source "$CC_CHECKS/gpu.sh"
# shellcheck source=test-infra/checks/slurm.sh
source "$CC_CHECKS/slurm.sh"
# shellcheck source=test-infra/checks/multi-cluster.sh
source "$CC_CHECKS/multi-cluster.sh"
check::init
multi_cluster::require_clusters
slurm::require

# scenario::begin: snapshot both clusters; restore them on any exit - a signal too (the runner stops
# an interrupted check with SIGTERM) - failing the check if that fails.
scenario::begin() {
  multi_cluster::snapshot
  util::trap_add scenario::_restore EXIT
  check::exit_on_signals
}

scenario::_restore() {
  local rc=$?
  if ! multi_cluster::restore; then
    printf 'FAIL: could not put the clusters back as found (cloud %s, hpc %s)\n' "$MC_WAS_CLOUD" "$MC_WAS_HPC"
    exit 1
  fi
  return "$rc"
}

# scenario::shared_gpu: "PCI CLOUD_VM HPC_VM" - a GPU a cloud VM starting with its cluster shares with an
# HPC VM that does not; fails when the config has none.
scenario::shared_gpu() {
  local i name gpu auto cloud_vm
  for ((i = 0; i < ${CC_HPC_CLUSTER_VMS_COUNT:-0}; i++)); do
    name=CC_HPC_CLUSTER_VMS_${i}_NAME gpu=CC_HPC_CLUSTER_VMS_${i}_GPU auto=CC_HPC_CLUSTER_VMS_${i}_AUTOSTART
    [[ -n "${!gpu:-}" && "${!auto}" == false ]] || continue
    for cloud_vm in $(cloud_cli::vms autostart-gpu); do
      if [[ "$(cloud_cli::vm_field "$cloud_vm" GPU)" == "${!gpu}" ]]; then
        printf '%s %s %s\n' "${!gpu}" "$cloud_vm" "${!name}"
        return 0
      fi
    done
  done
  return 1
}

# scenario::only KIND: only the KIND cluster (cloud or hpc) runs - the other removed, KIND started - and
# the status functions and the cluster CLI's state say so.
scenario::only() {
  local kind=$1 other=cloud
  [[ "$kind" == cloud ]] && other=hpc
  local -A label=([cloud]=cloud [hpc]=HPC)
  multi_cluster::ensure "$other" not-started || check::fail "the ${label[$other]} cluster could not be removed"
  multi_cluster::ensure "$kind" running || check::fail "the ${label[$kind]} cluster did not start"
  check::expect "multi_cluster::${kind}_running" "multi_cluster::${kind}_running"
  if "multi_cluster::${other}_running"; then
    check::note_failure "multi_cluster::${other}_running says the removed ${label[$other]} cluster runs"
  fi
  multi_cluster::facts
  check::expect_eq "${label[$other]} cluster state" "$(multi_cluster::field state "$other")" not-started
}

# scenario::begin_shared_gpu: set PCI, CLOUD_VM and HPC_VM to a shared GPU and its two VMs (fails when
# the config has none), begin, bring both clusters up, and hand the GPU back to CLOUD_VM on any exit.
scenario::begin_shared_gpu() {
  # shellcheck disable=SC2034 # PCI is read by the calling scenario
  read -r PCI CLOUD_VM HPC_VM < <(scenario::shared_gpu) || return 1
  scenario::begin
  multi_cluster::ensure cloud running || check::fail "the cloud cluster did not start"
  multi_cluster::ensure hpc running || check::fail "the HPC cluster did not start"
  # Give the GPU back to the cloud VM - unless the restore removes both clusters anyway (on SIGTERM the
  # check has little time: no start that the next moment undoes).
  if [[ "$MC_WAS_CLOUD" == running || "$MC_WAS_HPC" == running ]]; then
    util::trap_add "cloud_cli::stop_if_running '$HPC_VM'; cloud_cli::run vm start '$CLOUD_VM' >/dev/null 2>&1 || true" EXIT
  fi
}

# scenario::slurm_job: a GPU job (when the nodes have GPUs) runs on the HPC side right now.
scenario::slurm_job() {
  local gres=()
  ((CC_HPC_SLURM_GPUS_PER_NODE > 0)) && gres=(--gres=gpu:1)
  # shellcheck disable=SC2016 # expanded by the job's shell
  slurm::srun -N1 -n1 "${gres[@]}" bash -c 'echo "job $SLURM_JOB_ID gpus=${CUDA_VISIBLE_DEVICES:-none}"'
  ((SRUN_RC == 0)) && grep -q '^job [0-9]' <<<"$SRUN_OUTPUT"
}

# scenario::expect_holders cloud|hpc...: every autostart GPU VM of those clusters owns
# its GPU, running with it.
scenario::expect_holders() {
  local vm kinds=" $* " vms=()
  [[ "$kinds" != *" cloud "* ]] || mapfile -t -O "${#vms[@]}" vms < <(cloud_cli::vms autostart-gpu)
  [[ "$kinds" != *" hpc "* ]] || mapfile -t -O "${#vms[@]}" vms < <(multi_cluster::hpc_vms autostart)
  cloud_cli::facts
  for vm in "${vms[@]}"; do
    [[ -n "$(cloud_cli::vm_field "$vm" GPU)" ]] || continue
    check::expect "$vm holds GPU $(cloud_cli::vm_field "$vm" GPU)" gpu::held_by "$vm" "$(cloud_cli::vm_field "$vm" GPU)"
  done
}
