#!/usr/bin/env bash
# Check: calico-node ready on every node and an enabled Calico IP pool
set -euo pipefail
# shellcheck source=suites/kubernetes-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

k8s::facts calico facts calico
k8s::expect_ready calico calico_node
pools=$(facts::matching calico ip_pool. | grep -c 'disabled=False' || true)
check::expect "an enabled IP pool (got: $(facts::get calico ip_pools) pool(s), $pools enabled)" test "$pools" -ge 1
check::finish "calico-node $(facts::get calico calico_node); $pools enabled IP pool(s)"
