#!/usr/bin/env bash
# Kubernetes framework (CLOUD-TEST-2): cluster health, Kubespray components, pod networking, DNS, the
# CNI, ingress, metrics-server, GPU device plugin and GPU scheduling - against kubernetes.kubeconfig.
# On the local target, start-cluster brings up the stack's Kubernetes cluster (stack up k8s).
set -euo pipefail
# shellcheck source=test-infra/lib/framework.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/framework.sh"

FRAMEWORK_NAME=kubernetes
FRAMEWORK_SUITES=(kubernetes-cluster)
FRAMEWORK_STACK_COMPONENTS=(k8s)

# A local target brings its cluster up when its config describes one (kubernetes.local); any other
# cluster is deployed elsewhere (Kubespray).
framework::hook_start_cluster() {
  if [[ "$CC_TARGET_KIND" == local && -n "${CC_KUBERNETES_LOCAL_STATE_DIR:-}" ]]; then
    framework::local_stack_up
  else
    log::info "start-cluster: the cluster is deployed elsewhere; nothing to start (${CC_KUBERNETES_KUBECONFIG:-no kubeconfig configured})"
  fi
}

framework::hook_stop_cluster() { framework::local_stack_down; }

framework::hook_status() {
  if [[ -z "${CC_KUBERNETES_KUBECONFIG:-}" ]]; then
    echo "no Kubernetes cluster in $CC_CONFIG_FILE (kubernetes.kubeconfig)"
    return 0
  fi
  clustercheck k8s facts health --config "$CC_CONFIG_FILE"
}

framework::main "$@"
