#!/usr/bin/env bash
# Check: the InferenceService CRD is established and serves serving.kserve.io/v1beta1
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
mlops_target::require_kubernetes

k8s::facts isvc k8s facts isvc-crd
k8s::expect_crds isvc
check::expect "v1beta1 served (got: $(facts::get isvc crd.inferenceservices.serving.kserve.io))" \
  grep -Eq 'served=([a-z0-9]+,)*v1beta1' <<<"$(facts::get isvc crd.inferenceservices.serving.kserve.io)"
check::finish "InferenceService v1beta1 available"
