#!/usr/bin/env bash
# Multi-cluster framework (CLOUD-TEST-5): the seven scenarios of the cloud and HPC clusters sharing one
# host and its GPUs, with SLURM jobs on the multi-node HPC cluster (checked by the HPC SLURM framework).
set -euo pipefail
# shellcheck source=test-infra/utils/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/utils/init.sh"
# shellcheck source=test-infra/utils/framework.sh
source "$CC_UTILS/framework.sh"
# shellcheck source=test-infra/utils/cloud-cli-utils.sh
source "$CC_UTILS/cloud-cli-utils.sh"
# shellcheck source=test-infra/utils/multi-cluster-utils.sh
source "$CC_UTILS/multi-cluster-utils.sh"

FRAMEWORK_NAME=multi-cluster
FRAMEWORK_SUITES=(multi-cluster)
FRAMEWORK_DEFAULT_CONFIG=test-infra/configs/local.yaml
FRAMEWORK_STACK_COMPONENTS=(libvirt mlops hpc)
FRAMEWORK_EXTRA_HELP="
Scenario commands (each an e2e run of a selection):
  all-scenarios        all seven scenarios (= e2e)
  workflow-transition  scenario 5: a SLURM job trains a model, the cloud side serves it
  shared-gpu           scenarios 6 and 7: GPU conflict and GPU transfer between clusters
"

# The host must hold both clusters before anything starts; the scenarios start and stop the clusters
# themselves and put back what they found.
framework::hook_start_cluster() {
  if [[ -n "${CC_CLOUD_VM_CLUSTER_NAME:-}" ]]; then
    validate_multi_cluster_resources || log::die "start-cluster: this host cannot hold both clusters" 1
  fi
  framework::_stack_hook start_cluster
}

framework::hook_status() {
  [[ "$CC_TARGET_KIND" != local ]] || CC_STACK_CONFIG=$OPT_CONFIG "$CC_ROOT/test-infra/local/stack" status "${FRAMEWORK_STACK_COMPONENTS[@]}" || true
  get_multi_cluster_status
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
