#!/usr/bin/env bash
# KServe on the local Kubernetes cluster (`stack up kserve`, after `stack up k8s`): KServe's controller,
# built here from its Go module (k8s/build-kserve.sh), as a Deployment from an image written here; its
# CRDs, RBAC, webhooks and ConfigMap from KServe's own config/ (k8s/kserve-manifests.py), in raw-
# deployment mode (no Knative), its webhook certificate signed by the cluster's CA instead of
# cert-manager's. `down` deletes what `up` applied (every object carries the label
# app.kubernetes.io/part-of=cc-local-kserve), InferenceServices first while the controller can still
# remove their finalizers. Sourced by test-infra/local/stack after kube.sh and kube-images.sh.

KSERVE_NS=kserve
KSERVE_LABEL=app.kubernetes.io/part-of=cc-local-kserve

kserve::_config() {
  kube::_config
  proc::load_config CC_KUBERNETES_LOCAL_KSERVE_RELEASE "KServe on the local cluster (no kubernetes.local.kserve section)"
  KSERVE_BUILD=$KUBE_BUILD/kserve
  KSERVE_IMAGE=cc.local/kserve-controller:$CC_KUBERNETES_LOCAL_KSERVE_RELEASE
  KSERVE_STORAGE_IMAGE=cc.local/kserve-storage-initializer:$CC_KUBERNETES_LOCAL_KSERVE_RELEASE
  KSERVE_MLSERVER_IMAGE=cc.local/mlserver:$(awk -F '==' '$1 == "mlserver" { print $2 }' \
    "$CC_ROOT/test-infra/local/k8s/build/kserve/mlserver-requirements.txt")
}

# kserve::_api_up: the local cluster's API server answers (KServe lives in it).
kserve::_api_up() { [[ -s "$KUBE_PKI/ca.crt" ]] && kube::_api_ok "$KUBE_LOCAL_API"; }

# kserve::build: the controller binary and the images (once per build); sets KSERVE_CONFIG_DIR.
kserve::build() {
  local mod
  kserve::_config
  mkdir -p "$KUBE_BUILD/images"
  # one build at a time (kube::build's lock); the module's directory is what build-kserve.sh prints
  KSERVE_CONFIG_DIR=$(
    exec 9>"$KUBE_BUILD/.lock"
    flock -w 3600 9 || log::die "kserve: another build held $KUBE_BUILD/.lock for an hour" 1
    mod=$("$CC_ROOT/test-infra/local/k8s/build-kserve.sh" "$KSERVE_BUILD" "$CC_KUBERNETES_LOCAL_KSERVE_RELEASE") || exit 1
    kserve::_images "$mod" >&2
    printf '%s' "$mod"
  ) || exit 1
  KSERVE_CONFIG_DIR+=/config
}

# kserve::_stale TAR INPUT...: TAR was not written from these inputs (its .built stamp differs); the new
# stamp is left in KSERVE_STAMP.
kserve::_stale() {
  local tar=$1
  shift
  KSERVE_STAMP=$(cat "$@" | sha256sum | cut -c1-16)
  [[ ! -s "$tar" || "$(cat "$tar.built" 2>/dev/null)" != "$KSERVE_STAMP" ]]
}

# kserve::_site NAME REQUIREMENTS: REQUIREMENTS pip-installed into a directory of its own (a pod's
# dist-packages); pip's log in the state directory.
kserve::_site() {
  local site=$KSERVE_BUILD/$1-site
  rm -rf "$site"
  log::info "kserve: installing $1's Python packages ($2)"
  "$CC_ROOT/.venv/bin/pip" install -q --no-compile --disable-pip-version-check --target "$site" -r "$2" \
    >"$KUBE_DIR/pip-$1.log" 2>&1 ||
    log::die "kserve: could not install $1's packages (see $KUBE_DIR/pip-$1.log)" 1
}

# kserve::_images MODULE_DIR: the controller's image, the MLflow runtime's (MLServer) and the storage initializer's,
# each rewritten only when what it is made of changed. In the build's lock (kserve::build).
kserve::_images() {
  local mod=$1 dir=$KUBE_BUILD/images pins=$CC_ROOT/test-infra/local/k8s/build/kserve tar
  # how the images are made: a change to it writes them again
  local -a recipe=("${BASH_SOURCE[0]}" "$CC_ROOT/test-infra/local/k8s/oci-image.py" "$CC_ROOT/test-infra/local/kube-images.sh")
  tar=$dir/kserve-controller.tar
  if kserve::_stale "$tar" "$KSERVE_BUILD/.built" "${recipe[@]}"; then
    # the user of KServe's own image (distroless nonroot): its Deployment runs as non-root
    python3 "$CC_ROOT/test-infra/local/k8s/oci-image.py" --ref "$KSERVE_IMAGE" --out "$tar" \
      --add "$KSERVE_BUILD/bin/kserve-manager:/manager" --user 65532:65532 --entrypoint /manager
    printf '%s\n' "$KSERVE_STAMP" >"$tar.built"
  fi
  tar=$dir/kserve-mlserver.tar
  if kserve::_stale "$tar" "$pins/mlserver-requirements.txt" "${recipe[@]}"; then
    kserve::_site mlserver "$pins/mlserver-requirements.txt"
    # as KServe's runtime image: `mlserver start` on the models directory, as a numeric non-root user;
    # one process (no parallel workers), its scratch files under /tmp (the root is not its to write)
    kube_images::python_tar "$KSERVE_MLSERVER_IMAGE" "$tar" "$KSERVE_BUILD/mlserver-site" --user 1000:1000 \
      --env HOME=/tmp --env MLSERVER_PARALLEL_WORKERS=0 --env MLSERVER_METRICS_DIR=/tmp \
      --env MLSERVER_MODELS_DIR=/mnt/models \
      --entrypoint /usr/bin/python3 -m mlserver.cli.main start /mnt/models
    printf '%s\n' "$KSERVE_STAMP" >"$tar.built"
  fi
  tar=$dir/kserve-storage-initializer.tar
  if kserve::_stale "$tar" "$pins/storage-initializer-requirements.txt" "${recipe[@]}"; then
    kserve::_site storage-initializer "$pins/storage-initializer-requirements.txt"
    # KServe's entrypoint script, from its module (python/storage-initializer), as its image runs it
    kube_images::python_tar "$KSERVE_STORAGE_IMAGE" "$tar" "$KSERVE_BUILD/storage-initializer-site" --user 1000:1000 \
      --env HOME=/tmp --add "$mod/python/storage-initializer/scripts:/storage-initializer/scripts" \
      --entrypoint /usr/bin/python3 /storage-initializer/scripts/initializer-entrypoint
    printf '%s\n' "$KSERVE_STAMP" >"$tar.built"
  fi
}

# kserve::_cert: the webhook server's certificate, for its Service's DNS names, signed by the cluster CA.
kserve::_cert() {
  local svc=kserve-webhook-server-service.$KSERVE_NS.svc
  kube::_cert kserve-webhook "$svc" '' "DNS:$svc,DNS:$svc.cluster.local"
}

# kserve::_s3_account: the ServiceAccount kubernetes.inference.service_account in the InferenceServices'
# namespace, with a Secret of mlops.s3's keys that KServe's storage initializer reads (the local S3 at
# the cluster's bridge address, which the nodes forward to this host). Sent on stdin: the keys never
# reach a file or a command line.
kserve::_s3_account() {
  local sa=${CC_KUBERNETES_INFERENCE_SERVICE_ACCOUNT:-} ns=${CC_KUBERNETES_INFERENCE_NAMESPACE:-} port
  [[ -n "$sa" && -n "${CC_MLOPS_S3_ENDPOINT:-}" ]] || return 0
  port=${CC_MLOPS_S3_ENDPOINT##*:}
  port=${port%%/*}
  kube::kubectl apply -f - >/dev/null <<EOF || log::die "kserve: could not make the S3 account $ns/$sa" 1
apiVersion: v1
kind: Secret
metadata:
  name: $sa
  namespace: $ns
  labels: {app.kubernetes.io/part-of: cc-local-kserve}
  annotations:
    serving.kserve.io/s3-endpoint: "$CC_KUBERNETES_LOCAL_APISERVER_ADDRESS:$port"
    serving.kserve.io/s3-usehttps: "0"
    serving.kserve.io/s3-region: "$CC_MLOPS_S3_REGION"
type: Opaque
stringData:
  AWS_ACCESS_KEY_ID: "$CC_MLOPS_S3_ACCESS_KEY"
  AWS_SECRET_ACCESS_KEY: "$CC_MLOPS_S3_SECRET_KEY"
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: $sa
  namespace: $ns
  labels: {app.kubernetes.io/part-of: cc-local-kserve}
secrets: [{name: $sa}]
EOF
}

kserve::_ready() {
  kube::kubectl -n "$KSERVE_NS" rollout status deployment/kserve-controller-manager --timeout "${1}s" >/dev/null 2>&1
}

# kserve::_webhook_serves: the API server gets an answer from KServe's validating webhook (a dry run of a
# ServingRuntime that it must turn down or let pass, either way through the webhook).
kserve::_webhook_serves() {
  local out
  out=$(kube::kubectl -n "$KSERVE_NS" create --dry-run=server -o name -f - 2>&1 <<'EOF'
apiVersion: serving.kserve.io/v1alpha1
kind: ServingRuntime
metadata: {name: cc-webhook-probe}
spec:
  supportedModelFormats: [{name: cc-probe}]
  containers: [{name: kserve-container, image: cc.local/none:0}]
EOF
  ) && return 0
  [[ "$out" != *"failed calling webhook"* && "$out" != *"connection refused"* && "$out" != *"no endpoints"* ]]
}

# kserve::_apply crds|objects|runtimes: that part of KServe's manifests (kserve-manifests.py), rendered
# into the state directory and applied.
kserve::_apply() {
  local manifest=$KUBE_DIR/kserve-$1.yaml
  "$CC_ROOT/.venv/bin/python" "$CC_ROOT/test-infra/local/k8s/kserve-manifests.py" --config-dir "$KSERVE_CONFIG_DIR" --part "$1" \
    --controller-image "$KSERVE_IMAGE" --ca "$KUBE_PKI/ca.crt" --cert "$KUBE_PKI/kserve-webhook.crt" \
    --key "$KUBE_PKI/kserve-webhook.key" --ingress-class "$CC_KUBERNETES_EXPECTED_INGRESS" \
    --runtime-image "kserve-mlserver=$KSERVE_MLSERVER_IMAGE" --storage-initializer-image "$KSERVE_STORAGE_IMAGE" >"$manifest.new" ||
    log::die "kserve: could not render its manifests from $KSERVE_CONFIG_DIR" 1
  mv "$manifest.new" "$manifest"
  # server-side: the InferenceService CRD is too large for the last-applied annotation
  kube::kubectl apply --server-side --force-conflicts -f "$manifest" >/dev/null ||
    log::die "kserve: could not apply $manifest" 1
}

kserve::up() {
  local start node
  start=$(util::now)
  kserve::_config
  kserve::_api_up || log::die "kserve: the local Kubernetes cluster is down (run: stack up k8s first)" 1
  kserve::build
  for node in "${KUBE_NODES[@]}"; do kube_images::import "$node"; done
  kserve::_cert
  kserve::_apply crds
  kube::kubectl wait --for condition=Established --timeout 60s -f "$KUBE_DIR/kserve-crds.yaml" >/dev/null ||
    log::die "kserve: KServe's CRDs are not established within 60 s" 1
  kserve::_apply objects
  kserve::_ready "$CC_KUBERNETES_LOCAL_KSERVE_READY_S" ||
    log::die "kserve: the controller is not ready within ${CC_KUBERNETES_LOCAL_KSERVE_READY_S}s (kubernetes.local.kserve.ready_s): $(kube::kubectl -n "$KSERVE_NS" get pods --no-headers 2>&1 | head -n 3 | tr -s ' \n' ' ')" 1
  util::wait_for 60 "KServe's webhooks to answer" kserve::_webhook_serves ||
    log::die "kserve: the API server gets no answer from KServe's webhooks (see: kubectl -n $KSERVE_NS logs deploy/kserve-controller-manager)" 1
  kserve::_apply runtimes
  kserve::_s3_account
  log::ok "kserve: KServe $CC_KUBERNETES_LOCAL_KSERVE_RELEASE up in raw-deployment mode in $(util::elapsed "$start")s"
}

kserve::down() {
  kserve::_config
  if ! kserve::_api_up; then
    log::info "kserve: the local cluster is down; nothing of KServe runs"
    return 0
  fi
  # while the controller runs, it removes the InferenceServices' finalizers and their Deployments
  kube::kubectl delete inferenceservices.serving.kserve.io --all --all-namespaces --wait --timeout 60s >/dev/null 2>&1 || true
  kube::kubectl delete mutatingwebhookconfigurations,validatingwebhookconfigurations -l "$KSERVE_LABEL" --wait=false >/dev/null 2>&1 || true
  kube::kubectl delete namespace "$KSERVE_NS" --ignore-not-found --timeout 120s >/dev/null 2>&1 ||
    log::warn "kserve: namespace $KSERVE_NS was not removed within 120 s"
  kube::kubectl delete secrets,serviceaccounts --all-namespaces -l "$KSERVE_LABEL" >/dev/null 2>&1 || true
  kube::kubectl delete clusterroles,clusterrolebindings,customresourcedefinitions -l "$KSERVE_LABEL" --timeout 120s >/dev/null 2>&1 ||
    log::warn "kserve: KServe's cluster-wide objects were not all removed"
  log::ok "kserve: removed from the local cluster"
}

kserve::status() {
  kserve::_config
  if kserve::_api_up && kserve::_ready 2; then
    printf '%-28s up\n' kserve-controller-manager
  else
    printf '%-28s down\n' kserve-controller-manager
    return 1
  fi
}
