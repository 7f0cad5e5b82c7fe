#!/usr/bin/env bash
# Check: GPU nodes advertise allocatable nvidia.com/gpu (the device plugin runs) and take GPU pods (not
# cordoned, not tainted NoSchedule/NoExecute)
set -euo pipefail
# shellcheck source=suites/kubernetes-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

k8s::facts gpu k8s facts gpu-plugin
n=0
while IFS=$'\t' read -r key value; do
  n=$((n + 1))
  check::expect "${key#gpu_node.}: $value" grep -Eq 'nvidia.com/gpu=[1-9]' <<<"$value"
done < <(facts::matching gpu gpu_node.)
((n)) || check::skip "no GPU nodes (label nvidia.com/gpu.present=true or kubernetes.expected.gpu_nodes)"
while IFS=$'\t' read -r key value; do
  check::note_failure "GPU node ${key#gpu_node_blocked.} takes no new pods: $value"
done < <(facts::matching gpu gpu_node_blocked.)
check::finish "$n GPU node(s) with allocatable nvidia.com/gpu$(k8s::simulated_note)"
