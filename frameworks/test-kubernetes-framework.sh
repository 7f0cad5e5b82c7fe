#!/usr/bin/env bash
# Kubernetes framework (CLOUD-TEST-2): cluster health, Kubespray components, pod networking, DNS,
# Calico, ingress, metrics-server, GPU device plugin and GPU scheduling - against kubernetes.kubeconfig.
set -euo pipefail
# shellcheck source=test-infra/utils/framework.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/utils/framework.sh"

FRAMEWORK_NAME=kubernetes
FRAMEWORK_SUITES=(kubernetes-cluster)

framework::hook_start_cluster() {
  log::info "start-cluster: the cluster is deployed by Kubespray; nothing to start (${CC_KUBERNETES_KUBECONFIG:-no kubeconfig configured})"
}

framework::hook_status() {
  if [[ -z "${CC_KUBERNETES_KUBECONFIG:-}" ]]; then
    echo "no Kubernetes cluster in $CC_CONFIG_FILE (kubernetes.kubeconfig)"
    return 0
  fi
  clustercheck k8s facts health --config "$CC_CONFIG_FILE"
}

framework::main "$@"
