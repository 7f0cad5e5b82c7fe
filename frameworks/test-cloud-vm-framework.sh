#!/usr/bin/env bash
# Cloud VM framework (CLOUD-TEST-1): cluster and single-VM lifecycle, GPU ownership, via the ai-how CLI.
set -euo pipefail
# shellcheck source=test-infra/lib/framework.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/framework.sh"
# shellcheck source=test-infra/lib/cloud-cluster.sh
source "$CC_LIB/cloud-cluster.sh"

FRAMEWORK_NAME=cloud-vm
FRAMEWORK_SUITES=(cloud-vm-lifecycle)
FRAMEWORK_STACK_COMPONENTS=(libvirt)

framework::hook_start_cluster() { cloud_cluster::start; }
framework::hook_stop_cluster() { cloud_cluster::stop; }
framework::hook_status() { cloud_cli::status; }

framework::main "$@"
