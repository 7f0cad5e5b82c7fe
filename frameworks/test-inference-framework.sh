#!/usr/bin/env bash
# Inference framework (CLOUD-TEST-4): deployment, model loading, endpoint, answers, cold start,
# latency and throughput under open-loop load, GPU utilisation, and (on Kubernetes) autoscaling.
set -euo pipefail
# shellcheck source=test-infra/lib/framework.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/framework.sh"

FRAMEWORK_NAME=inference
FRAMEWORK_SUITES=(inference-validation)

# mlops (the model server), and hpc or k8s where inference.load.distributed.runs_on places the load workers
framework::hook_components() {
  echo mlops
  framework::placed_on "$CC_INFERENCE_LOAD_DISTRIBUTED_RUNS_ON"
}

framework::hook_deploy() {
  # shellcheck source=test-infra/checks/mlops-target.sh
  source "$CC_CHECKS/mlops-target.sh"
  if [[ -z "${CC_MLOPS_SERVING_MODEL_NAME:-}" ]]; then
    log::info "deploy: the inference endpoint is expected to be running ($CC_INFERENCE_ENDPOINT_URL)"
    return 0
  fi
  mlops_target::deploy_inference_service
}

framework::hook_status() {
  if [[ "$CC_TARGET_KIND" == local ]]; then
    CC_STACK_CONFIG=$OPT_CONFIG "$CC_ROOT/test-infra/local/stack" status mlops
  fi
  printf 'inference endpoint: %s (%s, model %s)\n' "${CC_INFERENCE_ENDPOINT_URL:-none}" \
    "${CC_INFERENCE_ENDPOINT_PROTOCOL:-}" "${CC_INFERENCE_ENDPOINT_MODEL_NAME:-}"
}

framework::main "$@"
