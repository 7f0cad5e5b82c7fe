#!/usr/bin/env bats
# The Kubernetes checks and the KServe checks against recorded API objects served to the real
# `kubernetes` client (tests/fixtures/k8s_api.py): healthy and broken clusters, unreachable and slow
# API servers, forbidden and expired credentials; every probe namespace deleted.
load helpers

KFW=$ROOT/frameworks/test-kubernetes-framework.sh
MFW=$ROOT/frameworks/test-mlops-stack-framework.sh
IFW=$ROOT/frameworks/test-inference-framework.sh
PORT=18971

setup() {
  cat >"$BATS_TEST_TMPDIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: fixture
  cluster: {server: "http://127.0.0.1:$PORT"}
users:
- name: checker
  user: {token: fixture-token}
contexts:
- name: fixture
  context: {cluster: fixture, user: checker}
current-context: fixture
EOF
  cat >"$BATS_TEST_TMPDIR/cfg.yaml" <<EOF
target: {name: k8s-fixture, kind: remote}
mlops:
  s3: {endpoint: 'http://127.0.0.1:18333', access_key: fixture, secret_key: fixture-secret, buckets: [mlflow-artifacts]}
  postgresql: {host: 127.0.0.1, port: 15432, database: mlflow, user: mlflow, password: fixture-password}
  mlflow: {url: 'http://127.0.0.1:15000', artifact_bucket: mlflow-artifacts}
kubernetes:
  kubeconfig: $BATS_TEST_TMPDIR/kubeconfig
  timeout_s: 3
  pod_ready_s: 3
  expected: {gpu_nodes: [gpu-1], version: v1.30, min_nodes: 2}
EOF
}

teardown() {
  [[ -z "${API_PID:-}" ]] || kill "$API_PID" 2>/dev/null || true
}

# api SCENARIO: serve healthy/ with SCENARIO layered over it.
api() {
  python3 "$ROOT/tests/fixtures/k8s_api.py" --port "$PORT" --fixtures "$ROOT/tests/fixtures/k8s" \
    --scenario "healthy${1:+,$1}" --journal "$BATS_TEST_TMPDIR/journal" &
  API_PID=$!
  wait_listening "$PORT"
}

# run_fw FRAMEWORK [ARGS]: run-tests against the fixture config; $report is the JUnit file.
run_fw() {
  local fw=$1
  shift
  report=$BATS_TEST_TMPDIR/r-$RANDOM
  run "$fw" run-tests --config "$BATS_TEST_TMPDIR/cfg.yaml" --report-dir "$report" "$@"
  echo "$output"
  report=$report/junit.xml
}

st() { junit_status "$report" "$1"; }

@test "healthy cluster: all nine cluster checks pass; every probe namespace is created and deleted" {
  api
  run_fw "$KFW"
  [ "$status" -eq 0 ]
  [[ "$output" == *"kubernetes: 9 passed, 0 failed, 0 errors, 0 skipped of 9"* ]]
  created=$(awk '$1 == "create" && $2 == "/api/v1/namespaces" {print $3}' "$BATS_TEST_TMPDIR/journal" | sort)
  deleted=$(awk '$1 == "delete" {sub("/api/v1/namespaces/", "", $2); print $2}' "$BATS_TEST_TMPDIR/journal" | sort)
  [ "$(wc -l <<<"$created")" -eq 4 ]
  [ "$created" = "$deleted" ]
  grep -q '^create /api/v1/namespaces/cc-gpu-scheduling-[0-9a-f]*/pods cc-gpu-probe$' "$BATS_TEST_TMPDIR/journal"
}

@test "healthy cluster: the five KServe checks pass" {
  api
  run_fw "$MFW" --suite kserve --filter 'kserve-installation|knative|cert-manager|inference-service-crd|serving-runtime'
  [ "$status" -eq 0 ]
  [[ "$output" == *"5 passed, 0 failed, 0 errors, 0 skipped of 5"* ]]
  grep -rq "mlflow over v2 served by: kserve-mlserver" "$(dirname "$report")/artifacts"
}

@test "a NotReady node and a CrashLoopBackOff system pod: cluster-health names them" {
  api notready-node,crashloop
  run_fw "$KFW" --filter cluster-health
  [ "$(st check-cluster-health)" = failure ]
  [[ "$output" == *"gpu-1: got 'NotReady (NodeStatusUnknown)', expected 'Ready'"* ]]
  [[ "$output" == *"kube-system pod coredns-776bb9db5d-7xk2p: CrashLoopBackOff (restarts 14)"* ]]
}

@test "no GPU allocatable: device-plugin fails; a GPU pod that stays Pending fails gpu-scheduling" {
  api no-gpu
  run_fw "$KFW" --filter gpu-device-plugin
  [ "$(st check-gpu-device-plugin)" = failure ]
  [[ "$output" == *"gpu-1: allocatable nvidia.com/gpu=0"* ]]
  run_fw "$KFW" --filter gpu-scheduling
  [ "$(st check-gpu-scheduling)" = failure ]
  [[ "$output" == *"pod asking for 1 GPU(s): got 'not finished within 3 s', expected 'Succeeded'"* ]]
  grep -q '^delete /api/v1/namespaces/cc-gpu-scheduling-' "$BATS_TEST_TMPDIR/journal"
}

@test "DNS failing: dns-resolution, networking and ingress fail; their namespaces are deleted" {
  api dns-failing
  run_fw "$KFW" --filter 'dns|networking|ingress'
  for check in check-dns-resolution check-networking check-ingress-controller; do
    [ "$(st "$check")" = failure ]
  done
  [[ "$output" == *"no servers could be reached"* ]]
  [ "$(grep -c '^delete ' "$BATS_TEST_TMPDIR/journal")" -eq 3 ]
}

@test "degraded add-ons: installation, calico (cni), ingress, metrics, knative, cert-manager, runtime fail" {
  api degraded
  run_fw "$KFW" --filter 'kubespray|cni|ingress|metrics'
  for check in check-kubespray-installation check-cni check-ingress-controller check-metrics-server; do
    [ "$(st "$check")" = failure ]
  done
  [[ "$output" == *"server version v1.29.8 is the deployed v1.30"* ]]
  run_fw "$MFW" --suite kserve --filter 'knative|cert-manager|serving-runtime'
  for check in check-knative-serving check-cert-manager check-mlflow-serving-runtime; do
    [ "$(st "$check")" = failure ]
  done
  [[ "$output" == *"deployment.activator is ready (got: 0/1 ready)"* ]]
}

@test "KServe not installed: kserve-installation and inference-service-crd fail on the missing CRD" {
  api missing-crd
  run_fw "$MFW" --suite kserve --filter 'kserve-installation|inference-service-crd'
  [ "$(st check-kserve-installation)" = failure ]
  [ "$(st check-inference-service-crd)" = failure ]
  [[ "$output" == *"inferenceservices.serving.kserve.io is established (got: error: not found (404)"* ]]
}

# isvc_config: the fixture config plus an InferenceService to deploy and known samples.
isvc_config() {
  cat >>"$BATS_TEST_TMPDIR/cfg.yaml" <<EOF
  inference: {name: cc-iris, storage_uri: 's3://mlflow-artifacts/mlflow/1/models/m-0f3c/artifacts'}
EOF
  python3 - "$BATS_TEST_TMPDIR/cfg.yaml" <<'PY'
import sys, yaml
data = yaml.safe_load(open(sys.argv[1]))
data["mlops"]["serving"] = {"model_name": "cc-iris", "model_alias": "champion",
    "endpoints": [{"protocol": "v2", "url": "http://127.0.0.1:18952"}],
    "samples": [{"input": [5.1, 3.5, 1.4, 0.2], "output": 0}, {"input": [6.7, 3.0, 5.2, 2.3], "output": 2}]}
yaml.safe_dump(data, open(sys.argv[1], "w"))
PY
}

@test "register in MLflow, deploy via KServe: the InferenceService becomes Ready, predicts, is removed" {
  "$ROOT/tests/fixtures/fixture-server" start "$BATS_TEST_TMPDIR/srv" 18952
  mkdir -p "$BATS_TEST_TMPDIR/ready"
  echo '{"ready": true, "url": "http://127.0.0.1:18952"}' >"$BATS_TEST_TMPDIR/ready/isvc.json"
  api "$BATS_TEST_TMPDIR/ready"
  isvc_config
  run_fw "$MFW" --suite kserve --filter inference-service-deploy
  "$ROOT/tests/fixtures/fixture-server" stop "$BATS_TEST_TMPDIR/srv"
  [ "$(st check-inference-service-deploy)" = passed ]
  grep -q '^create /apis/serving.kserve.io/v1beta1/namespaces/default/inferenceservices cc-iris$' "$BATS_TEST_TMPDIR/journal"
  grep -q '^delete /apis/serving.kserve.io/v1beta1/namespaces/default/inferenceservices/cc-iris$' "$BATS_TEST_TMPDIR/journal"
}

@test "an InferenceService that never becomes Ready: the deploy check fails with the reason, and removes it" {
  api isvc-never-ready
  isvc_config
  run_fw "$MFW" --suite kserve --filter inference-service-deploy
  [ "$(st check-inference-service-deploy)" = failure ]
  [[ "$output" == *"not Ready within 3 s (RevisionFailed: Revision"*"Back-off pulling image"* ]]
  grep -q '^delete /apis/serving.kserve.io/v1beta1/namespaces/default/inferenceservices/cc-iris$' "$BATS_TEST_TMPDIR/journal"
}

# scaling_setup REPLICAS [CPU]: an InferenceService served by the inference fixture on 18952 whose
# replicas follow REPLICAS ([[t, n], ...]) and, under load, use CPU millicores per replica.
scaling_setup() {
  mkdir -p "$BATS_TEST_TMPDIR/scale"
  printf '{"replicas": %s, "cpu": %s}\n' "$1" "${2:-[250]}" >"$BATS_TEST_TMPDIR/scale/scenario.json"
  "$ROOT/tests/fixtures/fixture-server" start "$BATS_TEST_TMPDIR/srv" 18952 --delay-ms 2
  api "$BATS_TEST_TMPDIR/scale"
  cat >>"$BATS_TEST_TMPDIR/cfg.yaml" <<EOF
  inference: {name: cc-iris, min_replicas: 1}
inference:
  endpoint: {url: 'http://127.0.0.1:18952', protocol: v2, model_name: cc-iris}
  samples: [{input: [5.1, 3.5, 1.4, 0.2], output: 0}]
  load: {rate_rps: 20, duration_s: 3, warmup_s: 0.2}
  objectives: {autoscale_s: 8}
EOF
}

@test "autoscaling: replicas rise under load and fall after it; the HTML report plots them" {
  scaling_setup '[[0, 1], [3, 3], [10, 1]]'
  run_fw "$IFW" --filter 'autoscaling'
  "$ROOT/tests/fixtures/fixture-server" stop "$BATS_TEST_TMPDIR/srv"
  [ "$(st check-autoscaling-scale-up)" = passed ]
  [ "$(st check-autoscaling-scale-down)" = passed ]
  grep -q 'InferenceService replicas' "$(dirname "$report")/report.html"
}

@test "autoscaling: no new replica under load fails scale-up; replicas that stay up fail scale-down" {
  scaling_setup '[[0, 3]]'
  run_fw "$IFW" --filter 'autoscaling'
  "$ROOT/tests/fixtures/fixture-server" stop "$BATS_TEST_TMPDIR/srv"
  [ "$(st check-autoscaling-scale-up)" = failure ]
  [[ "$output" == *"3 replica(s) under 20 req/s: no new replica within 8 s"* ]]
  run "$IFW" run-test check-autoscaling-scale-down --config "$BATS_TEST_TMPDIR/cfg.yaml" --report-dir "$BATS_TEST_TMPDIR/down"
  echo "$output"
  [ "$(junit_status "$BATS_TEST_TMPDIR/down/junit.xml" check-autoscaling-scale-down)" = failure ]
  [[ "$output" == *"still 3 replicas after 8 s"* ]]
}

@test "load balancing: every replica busy passes; an idle replica fails" {
  scaling_setup '[[0, 3]]' '[300, 280, 260]'
  run_fw "$IFW" --filter 'load-balancing'
  [ "$(st check-multi-replica-load-balancing)" = passed ]
  kill "$API_PID"
  wait "$API_PID" 2>/dev/null || true
  printf '{"replicas": [[0, 3]], "cpu": [300, 280, 10]}\n' >"$BATS_TEST_TMPDIR/scale/scenario.json"
  api "$BATS_TEST_TMPDIR/scale"
  run_fw "$IFW" --filter 'load-balancing'
  "$ROOT/tests/fixtures/fixture-server" stop "$BATS_TEST_TMPDIR/srv"
  [ "$(st check-multi-replica-load-balancing)" = failure ]
  [[ "$output" == *"cc-iris-predictor-00001-deployment-7d9f8c6b5-00002 takes a share of the load (10.0m CPU"* ]]
}

@test "forbidden, expired, forbidden namespace: one clear line per check, no traceback" {
  api forbidden
  run_fw "$KFW"
  [ "$status" -eq 1 ]
  [[ "$output" == *"ERROR check-cluster-health"*"forbidden (403): nodes is forbidden"* ]]
  [[ "$output" != *Traceback* ]]
  kill "$API_PID"
  wait "$API_PID" 2>/dev/null || true
  api expired
  run_fw "$KFW" --filter cluster-health
  [ "$(st check-cluster-health)" = error ]
  [[ "$output" == *"credentials rejected by http://127.0.0.1:$PORT (401 Unauthorized"* ]]
  kill "$API_PID"
  wait "$API_PID" 2>/dev/null || true
  api forbidden-namespace
  run_fw "$KFW" --filter dns
  [ "$(st check-dns-resolution)" = error ]
  [[ "$output" == *'namespaces is forbidden: User "system:serviceaccount:ci:clustercheck" cannot create'* ]]
}

@test "unreachable and silent API servers: an error per check within the timeout" {
  run_fw "$KFW" --filter 'cluster-health|cni'
  [ "$(st check-cluster-health)" = error ]
  [[ "$output" == *"API server at http://127.0.0.1:$PORT unreachable"* ]]
  # A listener that accepts and never answers: the configured 3 s timeout ends each call.
  python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", '"$PORT"')); s.listen(64); time.sleep(60)' &
  API_PID=$!
  wait_listening "$PORT"
  start=$SECONDS
  run_fw "$KFW" --filter cluster-health
  [ "$(st check-cluster-health)" = error ]
  [[ "$output" == *"did not answer in time"* ]]
  # Reference: the silent listener would hold the call for its 60 s; the client gave up on its own.
  [ $((SECONDS - start)) -lt 40 ]
}

@test "no kubeconfig: every Kubernetes check skips with the reason; --fail-on-skip makes that fail" {
  # the local target without its cluster
  target_config "$BATS_TEST_TMPDIR/no-k8s.yaml" kubernetes='<unset>'
  run "$KFW" run-tests --config "$BATS_TEST_TMPDIR/no-k8s.yaml" --report-dir "$BATS_TEST_TMPDIR/none"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"0 passed, 0 failed, 0 errors, 9 skipped of 9"* ]]
  [[ "$output" == *"needs a Kubernetes cluster; this target configures none (kubernetes.kubeconfig)"* ]]
  run "$KFW" run-tests --config "$BATS_TEST_TMPDIR/no-k8s.yaml" --report-dir "$BATS_TEST_TMPDIR/none2" --fail-on-skip
  [ "$status" -eq 1 ]
}
