#!/usr/bin/env bash
# Kubernetes prerequisites of checks. Needs check.sh loaded.

# k8s::require WHAT: skip without a cluster in the config (naming WHAT the check needs); error when a
# cluster is configured but this build of the helper cannot talk to one.
k8s::require() {
  [[ -n "${CC_KUBERNETES_KUBECONFIG:-}" ]] ||
    check::skip "needs $1; this target configures none (kubernetes.kubeconfig)"
  clustercheck k8s --help >/dev/null 2>&1 ||
    check::error "kubernetes.kubeconfig is set but this clustercheck has no Kubernetes helper (clustercheck k8s)"
}
