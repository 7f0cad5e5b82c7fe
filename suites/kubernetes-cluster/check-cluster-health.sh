#!/usr/bin/env bash
# Check: API server reachable, every node Ready, kube-system pods Running/Completed (naming those not)
set -euo pipefail
# shellcheck source=suites/kubernetes-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

k8s::facts health k8s facts health
nodes=$(facts::get health nodes)
check::expect "at least $CC_KUBERNETES_EXPECTED_MIN_NODES node(s) (got: $nodes)" test "${nodes:-0}" -ge "$CC_KUBERNETES_EXPECTED_MIN_NODES"
while IFS=$'\t' read -r key value; do
  check::expect_eq "${key#node.}" "$value" Ready
done < <(facts::matching health node.)
while IFS=$'\t' read -r key value; do
  check::note_failure "kube-system pod ${key#pod.}: $value"
done < <(facts::matching health pod.)
check::finish "$(facts::get health api); $nodes node(s) Ready; $(facts::get health kube_system_pods) kube-system pods healthy"
