#!/usr/bin/env bash
# Inference-validation helpers for checks: prerequisites and load-run verdicts. Needs check.sh loaded.
# shellcheck source=test-infra/checks/facts.sh
source "$CC_CHECKS/facts.sh"
# shellcheck source=test-infra/checks/k8s.sh
source "$CC_CHECKS/k8s.sh"

# inference::require: skip on a target whose config names no inference endpoint.
inference::require() {
  [[ -n "${CC_INFERENCE_ENDPOINT_URL:-}" ]] || check::skip "no inference endpoint in this target's config (inference section)"
}

# inference::require_isvc: skip unless a Kubernetes cluster runs the InferenceService whose replicas a
# check watches (autoscaling and replicas are Kubernetes').
inference::require_isvc() {
  k8s::require "a Kubernetes cluster running the InferenceService (autoscaling and replicas are Kubernetes')"
  [[ -n "${CC_KUBERNETES_INFERENCE_NAME:-}" ]] ||
    check::skip "no InferenceService to watch in this target's config (kubernetes.inference)"
  [[ "$CC_KUBERNETES_INFERENCE_SERVES_ENDPOINT" == true ]] ||
    check::skip "the inference endpoint ($CC_INFERENCE_ENDPOINT_URL) is not served by the InferenceService $CC_KUBERNETES_INFERENCE_NAME (kubernetes.inference.serves_endpoint: false): its replicas would not see the endpoint's load"
}

# inference::require_gpu: skip when GPU utilisation cannot be sampled here, with the reason.
inference::require_gpu() {
  facts::run gpu-source inference gpu-source >/dev/null
  [[ "$(facts::get gpu-source source)" != none ]] || check::skip "$(facts::get gpu-source reason)"
}

# inference::judge_generator NAME: a load run that could not produce its load is an error, not a
# result: the figures would under-report what the server can do.
inference::judge_generator() {
  local refused
  refused=$(facts::get "$1" refused)
  [[ -z "$refused" ]] || check::error "the load workers' result is refused: $refused"
  facts::true "$1" kept_schedule ||
    check::error "the load generator could not keep its schedule (achieved $(facts::get "$1" achieved_rate) req/s, lag p99 $(facts::get "$1" schedule_lag_ms.p99) ms of at most $(facts::get "$1" schedule_lag_ms.bound) ms, $(facts::get "$1" workers) worker(s)); the figures would under-report the server"
}
