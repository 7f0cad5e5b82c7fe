#!/usr/bin/env bash
# Check: register in MLflow, deploy via KServe - the InferenceService becomes Ready and predicts right
# depends: check-inference-service-crd check-mlflow-serving-runtime
# timeout: 900
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
mlops_target::require_kubernetes
[[ -n "${CC_KUBERNETES_INFERENCE_NAME:-}" ]] ||
  check::skip "no InferenceService to deploy in this target's config (kubernetes.inference)"

k8s::facts isvc inference deploy-isvc --remove
uri=$(facts::get isvc storage_uri)
[[ "$uri" != unresolved* ]] || check::fail "storage URI: $uri"
created=$(facts::get isvc created)
[[ "$created" != error:* ]] || check::error "creating the InferenceService: ${created#error: }"
check::expect_eq "InferenceService $created" "$(facts::get isvc ready)" Ready
if [[ "$(facts::get isvc ready)" == Ready ]]; then
  check::expect_eq "predictions from $(facts::get isvc url)" "$(facts::get isvc predict)" ok
  while IFS=$'\t' read -r key value; do
    read -r got want <<<"$value"
    check::expect_eq "${key/./ } prediction" "$got" "$want"
  done < <(facts::matching isvc sample.)
fi
if [[ "$created" == *" exists" ]]; then
  check::expect "the InferenceService that was there before is left (got: $(facts::get isvc deleted))" \
    grep -q '^kept ' <<<"$(facts::get isvc deleted)"
else
  check::expect_eq "InferenceService removed afterwards" "$(facts::get isvc deleted)" "$created"
fi
check::finish "$uri served by KServe at $(facts::get isvc url), predictions right"
