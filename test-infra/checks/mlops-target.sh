#!/usr/bin/env bash
# MLOps stack helpers for checks (CLOUD-TEST-5): facts from the Python helper, and the spec's
# mlops_target::bucket_roundtrip, mlops_target::mlflow_api and mlops_target::deploy_inference_service. Needs check.sh loaded.

# shellcheck source=test-infra/checks/facts.sh
source "$CC_CHECKS/facts.sh"
# shellcheck source=test-infra/checks/k8s.sh
source "$CC_CHECKS/k8s.sh"

# mlops_target::buckets: the configured buckets, one per line.
mlops_target::buckets() {
  local i v
  for ((i = 0; i < ${CC_MLOPS_S3_BUCKETS_COUNT:-0}; i++)); do
    v="CC_MLOPS_S3_BUCKETS_$i"
    printf '%s\n' "${!v}"
  done
}

# mlops_target::require: skip a check on a target whose config describes no MLOps stack.
mlops_target::require() {
  [[ -n "${CC_MLOPS_S3_ENDPOINT:-}" ]] || check::skip "no MLOps stack in this target's config (mlops section)"
}

# mlops_target::require_serving: skip a check when no served model is configured.
mlops_target::require_serving() {
  mlops_target::require
  [[ -n "${CC_MLOPS_SERVING_MODEL_NAME:-}" ]] || check::skip "no served model in this target's config (mlops.serving)"
}

# mlops_target::bucket_roundtrip BUCKET: BUCKET is visible to the configured credentials.
mlops_target::bucket_roundtrip() {
  facts::run s3-probe s3 probe >/dev/null
  grep -qx "bucket	$1" "$CC_ARTIFACT_DIR/s3-probe.tsv"
}

# mlops_target::mlflow_api: MLflow is healthy and its experiments API creates, finds and deletes.
mlops_target::mlflow_api() {
  facts::run mlflow-health mlflow health >/dev/null
  [[ "$(facts::get mlflow-health health)" == "200 OK" ]] || return 1
  facts::run mlflow-experiments mlflow experiments >/dev/null
  [[ "$(facts::get mlflow-experiments search)" == found &&
    "$(facts::get mlflow-experiments stage_after_delete)" == deleted ]]
}

# mlops_target::deploy_inference_service: serve the registered model. With kubernetes.inference serving the
# inference endpoint, as a KServe InferenceService; on the local target the stack starts its model
# servers (idempotent); elsewhere each endpoint's configured start_command runs.
mlops_target::deploy_inference_service() {
  if [[ -n "${CC_KUBERNETES_INFERENCE_NAME:-}" && "$CC_KUBERNETES_INFERENCE_SERVES_ENDPOINT" == true ]]; then
    # On Kubernetes: an InferenceService of the registered model, Ready and predicting (kept running).
    local out
    out=$(clustercheck inference deploy-isvc --config "$CC_CONFIG_FILE") || return 1
    printf '%s\n' "$out" | sed 's/^/  | /'
    grep -q "^ready	Ready$" <<<"$out"
    return
  fi
  if [[ "${CC_TARGET_KIND:-}" == local ]]; then
    CC_STACK_CONFIG=$CC_CONFIG_FILE "$CC_ROOT/test-infra/local/stack" up mlops
    return
  fi
  local i var n=0
  local -a argv
  for ((i = 0; i < ${CC_MLOPS_SERVING_ENDPOINTS_COUNT:-0}; i++)); do
    var="CC_MLOPS_SERVING_ENDPOINTS_${i}_START_COMMAND"
    [[ -n "${!var:-}" ]] || continue
    log::info "deploy: ${!var}"
    read -ra argv <<<"${!var}" # the schema allows no shell syntax in commands: words only
    (cd "$CC_ROOT" && "${argv[@]}") || return 1
    n=$((n + 1))
  done
  ((n)) || log::info "deploy: no start_command configured; the model servers are expected to be running"
}

# mlops_target::require_kubernetes: the KServe checks need a cluster (k8s.sh) that runs KServe.
mlops_target::require_kubernetes() {
  k8s::require "a Kubernetes cluster with KServe"
  [[ "$CC_KUBERNETES_EXPECTED_KSERVE" == true ]] ||
    check::skip "the cluster runs no KServe by design (kubernetes.expected.kserve: false)"
}

# mlops_target::log_run: log a run through MLflow's API (facts as mlflow-run: clustercheck mlflow log-run),
# its experiment deleted when the check exits; fails the check when MLflow did not take the run.
mlops_target::log_run() {
  local exp
  facts::run mlflow-run mlflow log-run
  exp=$(facts::get mlflow-run experiment_id)
  [[ -z "$exp" ]] || util::trap_add "clustercheck mlflow delete-experiment '$exp' --config '$CC_CONFIG_FILE' >/dev/null" EXIT
  [[ "$(facts::get mlflow-run log)" == ok ]] || check::fail "could not log a run: $(facts::get mlflow-run log)"
}
