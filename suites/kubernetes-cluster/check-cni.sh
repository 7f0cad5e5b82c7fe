#!/usr/bin/env bash
# Check: the CNI the config names (kubernetes.expected.cni) works: Calico - calico-node ready on every
# node and an enabled IP pool; bridge - every node has a pod CIDR and is Ready, every pod's address is
# inside its node's CIDR
set -euo pipefail
# shellcheck source=suites/kubernetes-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

k8s::facts cni k8s facts cni
if [[ "$(facts::get cni cni)" == calico ]]; then
  k8s::expect_ready cni calico_node
  pools=$(facts::matching cni ip_pool. | grep -c 'disabled=False' || true)
  check::expect "an enabled IP pool (got: $(facts::get cni ip_pools) pool(s), $pools enabled)" test "$pools" -ge 1
  check::finish "calico-node $(facts::get cni calico_node); $pools enabled IP pool(s)"
fi
n=0
while IFS=$'\t' read -r key value; do
  n=$((n + 1))
  check::expect "${key#node.} has a pod CIDR and is Ready (got: $value)" grep -Eq '^podCIDR=[0-9].* Ready$' <<<"$value"
done < <(facts::matching cni node.)
((n)) || check::note_failure "no node listed"
while IFS=$'\t' read -r key value; do
  check::note_failure "pod ${key#pod_outside.}: $value"
done < <(facts::matching cni pod_outside.)
judged=$(facts::get cni pods_judged)
check::expect "pod addresses to judge (got: ${judged:-none})" test "${judged:-0}" -ge 1
check::finish "bridge CNI: $n node(s) with a pod CIDR; $judged pod address(es) inside their node's CIDR"
