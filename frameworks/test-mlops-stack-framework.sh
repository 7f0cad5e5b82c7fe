#!/usr/bin/env bash
# MLOps stack framework (CLOUD-TEST-3): S3 object storage, PostgreSQL, MLflow, model serving and KServe.
set -euo pipefail
# shellcheck source=test-infra/lib/framework.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/framework.sh"

FRAMEWORK_NAME=mlops-stack
FRAMEWORK_SUITES=(mlops-stack/minio mlops-stack/postgresql mlops-stack/mlflow mlops-stack/kserve)

# mlops (S3, PostgreSQL, MLflow, the model servers), and the local cluster with KServe where the config
# runs one (kubernetes.local.kserve): the KServe checks serve the registered model through it
framework::hook_components() {
  echo mlops
  [[ -z "${CC_KUBERNETES_LOCAL_KSERVE_RELEASE:-}" ]] || printf '%s\n' k8s kserve
}

framework::hook_deploy() {
  # shellcheck source=test-infra/checks/mlops-target.sh
  source "$CC_CHECKS/mlops-target.sh"
  [[ -n "${CC_MLOPS_SERVING_MODEL_NAME:-}" ]] || { log::info "deploy: no served model configured"; return 0; }
  mlops_target::deploy_inference_service
}

framework::hook_status() {
  if [[ "$CC_TARGET_KIND" == local ]]; then
    CC_STACK_CONFIG=$OPT_CONFIG "$CC_ROOT/test-infra/local/stack" status "${FRAMEWORK_STACK_COMPONENTS[@]}"
  else
    printf 'S3 %s, PostgreSQL %s:%s, MLflow %s\n' "$CC_MLOPS_S3_ENDPOINT" "$CC_MLOPS_POSTGRESQL_HOST" \
      "$CC_MLOPS_POSTGRESQL_PORT" "$CC_MLOPS_MLFLOW_URL"
  fi
}

framework::main "$@"
