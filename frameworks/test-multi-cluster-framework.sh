#!/usr/bin/env bash
# Multi-cluster framework (CLOUD-TEST-5): the seven scenarios of the cloud and HPC clusters sharing one
# host and its GPUs, with SLURM jobs on the multi-node HPC cluster (checked by the HPC SLURM framework).
set -euo pipefail
# shellcheck source=test-infra/lib/framework.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/framework.sh"
# shellcheck source=test-infra/lib/cloud-cluster.sh
source "$CC_LIB/cloud-cluster.sh"

FRAMEWORK_NAME=multi-cluster
FRAMEWORK_SUITES=(multi-cluster)
FRAMEWORK_STACK_COMPONENTS=(libvirt mlops hpc)
FRAMEWORK_EXTRA_HELP="
Scenario commands (each an e2e run of a selection):
  all-scenarios        all seven scenarios (= e2e)
  workflow-transition  scenario 5: a SLURM job trains a model, the cloud side serves it
  shared-gpu           scenarios 6 and 7: GPU conflict and GPU transfer between clusters
"

# The record of the clusters start-cluster brought up, for stop-cluster to remove (and nothing else).
MC_STARTED=multi-cluster-started

# The host must hold both clusters before anything starts. Then both clusters are brought up: the
# state most scenarios need, so each reuses them and puts back only what it changed (scenarios that
# need a cluster gone remove it and start it again on exit) instead of every scenario booting both
# clusters and removing them again.
framework::hook_start_cluster() {
  if [[ -n "${CC_CLOUD_VM_CLUSTER_NAME:-}" ]]; then
    multi_cluster::validate_resources || log::die "start-cluster: this host cannot hold both clusters" 1
  fi
  framework::_stack_hook start_cluster
  [[ -n "${CC_CLOUD_VM_CLUSTER_NAME:-}" && -n "${CC_HPC_CLUSTER_NAME:-}" ]] || return 0
  local kind
  multi_cluster::facts || log::die "start-cluster: the cluster CLI did not report the clusters' state" 1
  for kind in cloud hpc; do
    if [[ "$(multi_cluster::state "$kind")" == running ]]; then
      # found running - perhaps started a moment ago: its guests must answer before a scenario asks them
      multi_cluster::wait_vms "$kind" || log::die "start-cluster: the $kind cluster's VMs did not answer over SSH" 1
      continue
    fi
    owner::note "$MC_STARTED" "$kind"
    multi_cluster::ensure "$kind" running || log::die "start-cluster: the $kind cluster did not start" 1
  done
}

framework::hook_stop_cluster() {
  local kind rc=0
  for kind in $(owner::items "$MC_STARTED"); do
    multi_cluster::ensure "$kind" not-started || rc=1
  done
  owner::drop "$MC_STARTED"
  framework::_stack_hook stop_cluster
  return "$rc"
}

framework::hook_status() {
  [[ "$CC_TARGET_KIND" != local ]] || CC_STACK_CONFIG=$OPT_CONFIG "$CC_ROOT/test-infra/local/stack" status "${FRAMEWORK_STACK_COMPONENTS[@]}" || true
  multi_cluster::status
}

framework::cmd_all_scenarios() { framework::e2e; }

framework::cmd_workflow_transition() {
  RUN_FILTER='^check-workflow-transition$'
  framework::e2e
}

framework::cmd_shared_gpu() {
  RUN_FILTER='^(check-shared-gpu-conflict|check-vm-gpu-transfer)$'
  framework::e2e
}

framework::main "$@"
