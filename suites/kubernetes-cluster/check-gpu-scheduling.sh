#!/usr/bin/env bash
# Check: a pod asking for one GPU is scheduled and sees it (nvidia-smi -L in the configured CUDA image)
# depends: check-gpu-device-plugin
# timeout: 600
set -euo pipefail
# shellcheck source=suites/kubernetes-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

k8s::facts gpu facts gpu-plugin
[[ -n "$(facts::matching gpu gpu_node.)" ]] || check::skip "no GPU nodes (label nvidia.com/gpu.present=true or kubernetes.expected.gpu_nodes)"
k8s::facts probe probe gpu-scheduling --name gpu-scheduling
check::expect_eq "GPU pod" "$(facts::get probe gpu_pod)" Succeeded
check::expect "the pod sees a GPU (log: $(facts::get probe gpu_pod_log))" grep -q 'GPU 0:' <<<"$(facts::get probe gpu_pod_log)"
k8s::expect_namespace_deleted probe
check::finish "a 1-GPU pod ran: $(facts::get probe gpu_pod_log)"
