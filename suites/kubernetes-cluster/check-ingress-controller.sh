#!/usr/bin/env bash
# Check: the ingress controller (kubernetes.expected.ingress: NGINX or Traefik) runs and an Ingress routes to a test service
# timeout: 600
set -euo pipefail
# shellcheck source=suites/kubernetes-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ "$CC_KUBERNETES_EXPECTED_INGRESS" != none ]] ||
  check::skip "the cluster runs no ingress controller by design (kubernetes.expected.ingress: none)"
k8s::facts probe k8s probe ingress --name ingress-controller
k8s::expect_ready probe controller
check::expect_eq "client through the ingress" "$(facts::get probe client)" Succeeded
check::expect "the backend answered through the Ingress (log: $(facts::get probe client_log))" grep -q cc-ingress-ok <<<"$(facts::get probe client_log)"
k8s::expect_namespace_deleted probe
check::finish "$(facts::get probe ingress_controller) $(facts::get probe controller); an Ingress routes to its service"
