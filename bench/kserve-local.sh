#!/usr/bin/env bash
# Prints what KServe on the local cluster costs: `stack up kserve` (the controller, its CRDs, webhooks
# and runtimes applied anew; the build and the images kept) and `stack down kserve`, and the time from
# applying the InferenceService of the registered model to its predictions (`clustercheck inference
# deploy-isvc`: created, Ready, asked, deleted) - the first after KServe came up, then again. Then the
# autoscaling: the InferenceService serving the inference endpoint (test-infra/configs/
# local-kserve-endpoint.sets, as tests/e2e/12 uses it: 2 to 3 replicas, the HPA at half of a 100m CPU
# request), the time from the load's start to a third replica Ready and from the load's end back to
# two (`clustercheck inference scaling up|down`), RUNS times.
# Usage: bench/kserve-local.sh [RUNS]    (RUNS: deploys after the first, and scale cycles; default 2)
# Brings up the local MLOps stack and Kubernetes cluster when they are down, and leaves them as found.
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
# shellcheck source=bench/lib.sh
source "$CC_ROOT/bench/lib.sh"
bench::runs_arg 2 "$@"
cd "$CC_ROOT"
[[ $EUID -eq 0 ]] || log::die "kserve-local.sh: must run as root (the stack makes namespaces and mounts)" 2
tmp=$(mktemp -d)
util::trap_add "rm -rf '$tmp'" EXIT
stack=test-infra/local/stack
config=test-infra/configs/local.yaml

bench::mlops_up "$config" "$tmp"
if ! "$stack" status k8s >/dev/null 2>&1; then
  util::trap_add "'$CC_ROOT/$stack' down kserve k8s >/dev/null 2>&1 || true" EXIT
  bench::timed "stack up k8s (the cluster was down)" "$stack" up k8s
fi
was_up=0
if "$stack" status kserve >/dev/null 2>&1; then
  was_up=1
  bench::timed "stack down kserve (it was up)" "$stack" down kserve
fi
bench::timed "stack build kserve (the controller and images, kept)" "$stack" build kserve
bench::timed "stack up kserve" "$stack" up kserve
bench::timed "InferenceService applied -> Ready -> predicted, first" \
  clustercheck inference deploy-isvc --remove --config "$config"
grep -E '^(ready|predict)	' "$tmp/last.log" | tr '\t' ' ' | sed 's/^/  /'
for ((i = 1; i <= BENCH_RUNS; i++)); do
  bench::timed "InferenceService applied -> Ready -> predicted, again ($i)" \
    clustercheck inference deploy-isvc --remove --config "$config"
done
scale=$tmp/isvc.yaml
mapfile -t sets < <(grep -v '^#' test-infra/configs/local-kserve-endpoint.sets)
bench::config_set "$config" "$scale" "${sets[@]}" inference.objectives.autoscale_s=180
kubectl=(.local-target/k8s/build/bin/kubectl --kubeconfig .local-target/k8s/kubeconfig)
util::trap_add "$(printf '%q ' "${kubectl[@]}") -n default delete inferenceservice cc-iris --ignore-not-found >/dev/null 2>&1 || true" EXIT
bench::timed "InferenceService of 2 replicas with its HPA, Ready" clustercheck inference deploy-isvc --config "$scale"
for ((i = 1; i <= BENCH_RUNS; i++)); do
  bench::timed "load until a 3rd replica is Ready ($i)" clustercheck inference scaling up --config "$scale"
  grep -E '^(offered_rate|scaled_up_after_s)	' "$tmp/last.log" | tr '\t' ' ' | sed 's/^/  /'
  bench::timed "after the load, back to 2 replicas ($i)" clustercheck inference scaling down --config "$scale"
  grep -E '^scaled_down_after_s	' "$tmp/last.log" | tr '\t' ' ' | sed 's/^/  /'
done
"${kubectl[@]}" -n default delete inferenceservice cc-iris --wait=true >/dev/null
bench::timed "stack down kserve" "$stack" down kserve
((!was_up)) || bench::timed "stack up kserve (as found)" "$stack" up kserve
