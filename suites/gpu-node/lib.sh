#!/usr/bin/env bash
# What every gpu-node check starts with: the probe of every GPU node (gpu_node.runs_on: this host, every node
# of the SLURM partition through one srun, or one Kubernetes Job per GPU node), made once per run by
# check-gpu-probe, and the judging of those records one check at a time. Sourced, never run.
# shellcheck source=test-infra/checks/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/checks/check.sh"
# shellcheck source=test-infra/checks/facts.sh
source "$CC_CHECKS/facts.sh"
# shellcheck source=test-infra/checks/gpunode.sh
source "$CC_CHECKS/gpunode.sh"
check::init
gpunode::init
