#!/usr/bin/env bash
# Check: a pod asking for kubernetes.gpu_probe.gpus GPUs is scheduled and sees them (nvidia-smi -L in the
# configured CUDA image; on simulated GPUs, the device plugin's allocation)
# depends: check-gpu-device-plugin
# timeout: 600
set -euo pipefail
# shellcheck source=suites/kubernetes-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

k8s::facts gpu k8s facts gpu-plugin
[[ -n "$(facts::matching gpu gpu_node.)" ]] || check::skip "no GPU nodes (label nvidia.com/gpu.present=true or kubernetes.expected.gpu_nodes)"
k8s::facts probe k8s probe gpu-scheduling --name gpu-scheduling
asked=$(facts::get probe gpus_asked)
log=$(facts::get probe gpu_pod_log)
check::expect_eq "pod asking for $asked GPU(s)" "$(facts::get probe gpu_pod)" Succeeded
if [[ "$CC_KUBERNETES_EXPECTED_SIMULATED_GPUS" == true ]]; then
  got=$(sed -n 's/.*NVIDIA_VISIBLE_DEVICES=\([^ ]*\).*/\1/p' <<<"$log" | tr ',' '\n' | grep -c '^GPU-' || true)
  check::expect "the pod was given $asked GPU(s) by the device plugin (log: $log)" test "$got" -eq "$asked"
else
  got=$(grep -o 'GPU [0-9]*:' <<<"$log" | wc -l)
  check::expect "the pod sees $asked GPU(s) (log: $log)" test "$got" -ge "$asked"
fi
k8s::expect_namespace_deleted probe
check::finish "a $asked-GPU pod ran: $log$(k8s::simulated_note)"
