#!/usr/bin/env bash
# The local cluster's add-ons (test-infra/local/k8s/addons/*.yaml, rendered with the stack's addresses
# and images): kube-proxy, CoreDNS, metrics-server, Traefik where the config names it the ingress
# controller, and the GPU device plugin where the config gives simulated GPUs; then the wait until the cluster is what the checks expect. Sourced by
# test-infra/local/stack after kube.sh and kube-images.sh.

# kube_addons::_render FILE: FILE with its ${NAME}s replaced; an unknown name is an error.
kube_addons::_render() {
  KUBE_API=$KUBE_API POD_SUBNET=$CC_KUBERNETES_LOCAL_POD_SUBNET DNS_SERVICE_IP=$CC_KUBERNETES_LOCAL_DNS_SERVICE_IP \
    KUBE_PROXY_IMAGE=$KUBE_PROXY_IMAGE KUBE_COREDNS_IMAGE=$KUBE_COREDNS_IMAGE KUBE_METRICS_IMAGE=$KUBE_METRICS_IMAGE \
    KUBE_PLUGIN_IMAGE=$KUBE_PLUGIN_IMAGE GPU_DEVICES_DIR=${CC_KUBERNETES_LOCAL_GPU_DEVICES_DIR:-} \
    KUBE_TRAEFIK_IMAGE=$KUBE_TRAEFIK_IMAGE INGRESS_NAMESPACE=$CC_KUBERNETES_EXPECTED_INGRESS_NAMESPACE \
    python3 -c 'import os, string, sys; sys.stdout.write(string.Template(open(sys.argv[1]).read()).substitute(os.environ))' "$1"
}

kube_addons::_files() {
  local dir=$CC_ROOT/test-infra/local/k8s/addons
  printf '%s\n' "$dir/kube-proxy.yaml" "$dir/coredns.yaml" "$dir/metrics-server.yaml"
  [[ "$CC_KUBERNETES_EXPECTED_INGRESS" != traefik ]] || printf '%s\n' "$dir/traefik.yaml"
  [[ -z "${CC_KUBERNETES_LOCAL_GPU_DEVICES_DIR:-}" ]] || printf '%s\n' "$dir/gpu-device-plugin.yaml"
}

kube_addons::up() {
  local f
  kube_images::_refs
  while read -r f; do
    kube_addons::_render "$f" | kube::kubectl apply -f - >/dev/null ||
      log::die "k8s: could not apply the add-on ${f##*/}" 1
  done < <(kube_addons::_files)
}

# kube_addons::_gpus_advertised: every node labelled for GPUs advertises allocatable nvidia.com/gpu.
kube_addons::_gpus_advertised() {
  local counts
  counts=$(kube::kubectl get nodes -l nvidia.com/gpu.present=true \
    -o jsonpath='{range .items[*]}{.status.allocatable.nvidia\.com/gpu}{"\n"}{end}') || return 1
  [[ -n "$counts" ]] && ! grep -qvE '^[1-9][0-9]*$' <<<"$counts"
}

# kube_addons::wait: nodes Ready, every add-on rolled out, metrics.k8s.io served, GPUs advertised -
# within kubernetes.local.ready_s, naming what was not.
kube_addons::wait() {
  local deadline=$((SECONDS + CC_KUBERNETES_LOCAL_READY_S)) w
  local -a waits=("node --all:condition=Ready" "-n kube-system daemonset/kube-proxy:rollout"
    "-n kube-system deployment/coredns:rollout" "-n kube-system deployment/metrics-server:rollout"
    "apiservice/v1beta1.metrics.k8s.io:condition=Available")
  [[ -z "${CC_KUBERNETES_LOCAL_GPU_DEVICES_DIR:-}" ]] || waits+=("-n kube-system daemonset/cc-gpu-device-plugin:rollout")
  [[ "$CC_KUBERNETES_EXPECTED_INGRESS" != traefik ]] || waits+=("-n $CC_KUBERNETES_EXPECTED_INGRESS_NAMESPACE deployment/traefik:rollout")
  for w in "${waits[@]}"; do
    local what=${w%%:*} how=${w##*:} left=$((deadline - SECONDS))
    ((left > 0)) || left=1
    # shellcheck disable=SC2086 # what is "[-n NS] KIND/NAME" (or "node --all"): words on purpose
    if [[ "$how" == rollout ]]; then
      kube::kubectl rollout status $what --timeout "${left}s" >/dev/null 2>&1
    else
      kube::kubectl wait --for "$how" $what --timeout "${left}s" >/dev/null 2>&1
    fi || log::die "k8s: ${what##* } not ready within ${CC_KUBERNETES_LOCAL_READY_S}s (kubernetes.local.ready_s): $(kube::kubectl get $what --no-headers 2>&1 | head -n 3 | tr -s ' \n' ' ')" 1
  done
  [[ -z "${CC_KUBERNETES_LOCAL_GPU_DEVICES_DIR:-}" ]] ||
    util::wait_for "$((deadline - SECONDS > 5 ? deadline - SECONDS : 5))" "the GPU nodes to advertise nvidia.com/gpu" kube_addons::_gpus_advertised ||
    log::die "k8s: the GPU nodes do not advertise nvidia.com/gpu (see: kubectl -n kube-system logs ds/cc-gpu-device-plugin)" 1
}
