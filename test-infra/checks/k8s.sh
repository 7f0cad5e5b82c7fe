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

# k8s::facts NAME ARGS...: `clustercheck ARGS` facts kept as NAME.tsv (facts.sh), from a helper command
# that asks the Kubernetes API (`k8s facts|probe`, `inference scaling|deploy-isvc`). An API that
# cannot be asked (unreachable, credentials, forbidden, timeout) is an error naming why; a 404 is a
# finding about the cluster and is left to the check.
k8s::facts() {
  local name=$1 line
  shift
  facts::run "$name" "$@"
  line=$(awk -F '\t' '$2 ~ /^error: / && $2 !~ /^error: not found/ { print $2; exit }' "$CC_ARTIFACT_DIR/$name.tsv")
  [[ -z "$line" ]] || check::error "${line#error: }"
  line=$(facts::get "$name" error)
  [[ -z "$line" ]] || check::error "$line"
}

# k8s::expect_ready NAME KEY_PREFIX: every KEY_PREFIX* fact reads "N/M ready" with N = M > 0.
k8s::expect_ready() {
  local key value n=0
  while IFS=$'\t' read -r key value; do
    n=$((n + 1))
    check::expect "$key is ready (got: $value)" awk -v v="$value" \
      'BEGIN { split(v, a, "[/ ]"); exit !(a[2] > 0 && a[1] == a[2] && v ~ /ready$/) }'
  done < <(facts::matching "$1" "$2")
  ((n)) || check::note_failure "nothing matched $2"
}

# k8s::expect_crds NAME: every crd.* fact reads "established ...".
k8s::expect_crds() {
  local key value
  while IFS=$'\t' read -r key value; do
    check::expect "CRD ${key#crd.} is established (got: $value)" grep -q '^established' <<<"$value"
  done < <(facts::matching "$1" crd.)
}

# k8s::expect_namespace_deleted NAME: the probe's namespace was deleted.
k8s::expect_namespace_deleted() {
  check::expect_eq "probe namespace deleted" "$(facts::get "$1" namespace_deleted)" "$(facts::get "$1" namespace)"
}

# k8s::simulated_note: " (simulated GPUs)" when the config says the cluster's GPUs are simulated.
k8s::simulated_note() {
  [[ "$CC_KUBERNETES_EXPECTED_SIMULATED_GPUS" != true ]] || printf ' (simulated GPUs)'
}
