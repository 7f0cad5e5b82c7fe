#!/usr/bin/env bats
# The Kubernetes checks against the local target's real cluster (stack up k8s: Kubernetes built here
# from its Go modules, two nodes, Traefik for ingress, simulated GPUs through the kubelet's device-plugin
# API): the framework end to end, GPU node acceptance as Jobs and load workers as an Indexed Job on it,
# then each breakage a check must name - a kubelet stopped, a GPU node cordoned or tainted,
# CoreDNS scaled to 0, GPUs asked for that no node has, the API server stopped - and `stack down`
# leaving nothing behind. KServe on it (stack up kserve): the MLOps framework's KServe checks against the
# real controller, the registered model served by an InferenceService, the inference framework's
# autoscaling and load-balancing checks against that InferenceService's HPA, and KServe broken. One
# cluster for the whole file.
load helpers

FW=$ROOT/frameworks/test-kubernetes-framework.sh
STACK=$ROOT/test-infra/local/stack
KDIR=$ROOT/.local-target/k8s

setup_file() {
  # the MLOps stack's model server: the load workers' target (already up under make test-e2e); its
  # registry and S3: the model KServe serves
  "$STACK" up k8s mlops kserve >&3 2>&1
}

teardown_file() {
  stack_release k8s mlops kserve >&3 2>&1 || true
}

kc() { "$KDIR/build/bin/kubectl" --kubeconfig "$KDIR/kubeconfig" --request-timeout=20s "$@"; }

# cfg FILE KEY=YAML...: local.yaml with KEY set (target_config, helpers.bash).
cfg() { target_config "$@"; }

@test "e2e on the local cluster: all nine checks pass on the real API" {
  report=$BATS_TEST_TMPDIR/report
  e2e_passes "$report"
  [[ "$output" == *"kubernetes: 9 passed, 0 failed, 0 errors, 0 skipped of 9"* ]]
  grep -q 'traefik (IngressClass traefik) in traefik 1/1 ready; an Ingress routes to its service' "$report/artifacts/check-ingress-controller/output.log"
  grep -q 'a 1-GPU pod ran: NVIDIA_VISIBLE_DEVICES=GPU-' "$report/artifacts/check-gpu-scheduling/output.log"
  grep -q '(simulated GPUs)' "$report/artifacts/check-gpu-scheduling/output.log"
  # every probe namespace is gone or going
  [ -z "$(kc get ns -l app.kubernetes.io/managed-by=clustercheck -o jsonpath='{.items[*].status.phase}' | tr ' ' '\n' | grep -vx Terminating)" ]
}

@test "GPUs through the kubelet: 2 of a node's 2 are given; with every GPU held, or 3 asked, the pod pends with the scheduler's reason" {
  cfg "$BATS_TEST_TMPDIR/two.yaml" kubernetes.gpu_probe.gpus=2
  expect_pass check-gpu-scheduling "$BATS_TEST_TMPDIR/two.yaml"
  [[ "$output" == *"a 2-GPU pod ran: NVIDIA_VISIBLE_DEVICES=GPU-"*",GPU-"* ]]
  cfg "$BATS_TEST_TMPDIR/three.yaml" kubernetes.gpu_probe.gpus=3
  expect_fail check-gpu-scheduling "$BATS_TEST_TMPDIR/three.yaml"
  [[ "$output" == *"got 'Pending: Unschedulable: 0/2 nodes are available: 2 Insufficient nvidia.com/gpu"* ]]
  # Two pods take both nodes' GPUs; the check's pod then finds none free.
  ON_TEARDOWN=("kc delete ns cc-e2e-gpu-hold --wait=false")
  kc create ns cc-e2e-gpu-hold
  for i in 1 2; do
    kc -n cc-e2e-gpu-hold run "hold-$i" --image cc.local/busybox:debian12 --image-pull-policy Never --restart Never \
      --overrides '{"spec": {"containers": [{"name": "hold-'"$i"'", "image": "cc.local/busybox:debian12", "imagePullPolicy": "Never", "command": ["sleep", "600"], "resources": {"limits": {"nvidia.com/gpu": "2"}}}]}}'
  done
  kc -n cc-e2e-gpu-hold wait --for=condition=Ready pod --all --timeout=60s
  expect_fail check-gpu-scheduling
  [[ "$output" == *"2 Insufficient nvidia.com/gpu"* ]]
}

@test "a GPU node cordoned, then tainted NoSchedule: the device-plugin check names it" {
  ON_TEARDOWN=("kc uncordon cc-kn02" "kc taint node cc-kn01 cc-e2e- || true")
  kc cordon cc-kn02
  expect_fail check-gpu-device-plugin
  [[ "$output" == *"GPU node cc-kn02 takes no new pods: cordoned"* ]]
  kc uncordon cc-kn02
  kc taint node cc-kn01 cc-e2e=broken:NoSchedule
  expect_fail check-gpu-device-plugin
  [[ "$output" == *"GPU node cc-kn01 takes no new pods: tainted cc-e2e=broken:NoSchedule"* ]]
  [[ "$output" != *"cc-kn02 takes no new pods"* ]]
}

@test "CoreDNS scaled to 0: the DNS check fails" {
  ON_TEARDOWN=("kc -n kube-system scale deployment coredns --replicas 1" "kc -n kube-system rollout status deployment coredns --timeout 90s")
  kc -n kube-system scale deployment coredns --replicas 0
  kc -n kube-system wait --for=delete pod -l k8s-app=kube-dns --timeout=60s
  expect_fail check-dns-resolution
  [[ "$output" == *"nslookup pod: got 'Failed', expected 'Succeeded'"* ]]
}

@test "a kubelet stopped: its node NotReady, named by cluster-health within a minute, and by the CNI check" {
  # Ready is not enough for the next test: the device plugin registers its GPUs again after the kubelet's restart
  ON_TEARDOWN=("\"$STACK\" node-start cc-kn02" "kc wait --for=condition=Ready node/cc-kn02 --timeout=90s"
    "kc wait --for=jsonpath='{.status.allocatable.nvidia\\.com/gpu}'=2 node/cc-kn02 --timeout=60s")
  run "$STACK" node-stop cc-kn02
  [ "$status" -eq 0 ]
  deadline=$((SECONDS + 60))
  until run_check check-cluster-health && [ "$status_of" = failure ]; do
    [ "$SECONDS" -lt "$deadline" ]
    sleep 3
  done
  [[ "$output" == *"cc-kn02: got 'NotReady (NodeStatusUnknown)', expected 'Ready'"* ]]
  [[ "$output" != *"cc-kn01: got"* ]]
  # the bridge CNI's check names the node whose network it can no longer vouch for
  expect_fail check-cni
  [[ "$output" == *"cc-kn02 has a pod CIDR and is Ready (got: podCIDR=10.244.2.0/24 NotReady (NodeStatusUnknown))"* ]]
}

@test "GPU node acceptance as one Job per node: passive checks pass; a bad GPU is named by node and GPU, and with drain_on_failure its node is tainted" {
  GFW=$ROOT/frameworks/test-gpu-node-framework.sh
  dev=$BATS_TEST_TMPDIR/dev
  mkdir -p "$dev"
  cp "$ROOT/tests/fixtures/gpu-node/local/default.json" "$dev/"
  cfg "$BATS_TEST_TMPDIR/g.yaml" gpu_node.runs_on=kubernetes gpu_node.kubernetes.image=cc.local/clustercheck:1 \
    gpu_node.simulated.devices_dir="$dev"
  run "$GFW" run-tests --config "$BATS_TEST_TMPDIR/g.yaml" --report-dir "$BATS_TEST_TMPDIR/ok" --filter 'probe|inventory|memory-health|xid|pcie|throttling'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"gpu-node: 6 passed, 0 failed, 0 errors, 0 skipped of 6"* ]]
  grep -q '2 GPU node(s) probed at once (gpu_node.runs_on: kubernetes) (simulated GPUs' "$BATS_TEST_TMPDIR/ok/artifacts/check-gpu-probe/output.log"
  # GPU 1 of cc-kn02 (list position 0: the list is out of order) has a pending row remap
  python3 - "$dev/default.json" "$dev/cc-kn02.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["gpus"][1]["remapped_rows"] = [0, 1, 1, 0]
d["gpus"].reverse()
json.dump(d, open(sys.argv[2], "w"))
PY
  ON_TEARDOWN=("kc taint node cc-kn02 clustercheck.io/gpu-unhealthy- || true" "kc label node cc-kn02 clustercheck.io/gpu-health- || true"
    "kc uncordon cc-kn01")
  # a cordoned node is out of service on purpose: named, not probed, not failed
  kc cordon cc-kn01
  cfg "$BATS_TEST_TMPDIR/d.yaml" gpu_node.runs_on=kubernetes gpu_node.kubernetes.image=cc.local/clustercheck:1 \
    gpu_node.simulated.devices_dir="$dev" gpu_node.drain_on_failure=true
  run "$GFW" run-tests --config "$BATS_TEST_TMPDIR/d.yaml" --report-dir "$BATS_TEST_TMPDIR/bad" --filter 'probe|memory-health'
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cc-kn02: GPU 1 (00000000:43:00.0): a row remap is pending"* ]]
  [[ "$output" == *"cc-kn02 tainted clustercheck.io/gpu-unhealthy=check-gpu-memory-health:NoSchedule (gpu_node.drain_on_failure)"* ]]
  [ "$(kc get node cc-kn02 -o jsonpath='{.spec.taints[?(@.key=="clustercheck.io/gpu-unhealthy")].effect}')" = NoSchedule ]
  [ "$(kc get node cc-kn02 -o jsonpath='{.metadata.labels.clustercheck\.io/gpu-health}')" = failed ]
  grep -q 'not checked: cc-kn01 (out of service: cordoned (spec.unschedulable))' "$BATS_TEST_TMPDIR/bad/artifacts/check-gpu-probe/output.log"
  [ -z "$(kc get node cc-kn01 -o jsonpath='{.spec.taints[?(@.key=="clustercheck.io/gpu-unhealthy")]}')" ]
}

@test "load from an Indexed Job, one worker pod per node, against the model server: the latency check passes with each worker's share; a tighter objective fails it" {
  IFW=$ROOT/frameworks/test-inference-framework.sh
  load="inference.load={rate_rps: 20, duration_s: 3, warmup_s: 0.5, distributed: {runs_on: kubernetes, workers: 2, start_lead_s: 10, image: 'cc.local/clustercheck:1', host_network: true}}"
  cfg "$BATS_TEST_TMPDIR/l.yaml" "$load"
  FW=$IFW expect_pass check-inference-latency "$BATS_TEST_TMPDIR/l.yaml"
  [[ "$output" == *"at 20 req/s (open loop, constant) from 2 pods of a Kubernetes Indexed Job - worker 0 on cc-kn0"*", worker 1 on cc-kn0"* ]]
  art=$BATS_TEST_TMPDIR/r-check-inference-latency-1/artifacts/check-inference-latency
  [ "$(grep -E '^hosts\.[01]	' "$art/load.tsv" | cut -f2 | sort | paste -sd, -)" = cc-kn01,cc-kn02 ]
  [ "$(grep -cE '^share\.[01]	35$' "$art/load.tsv")" -eq 2 ]
  cfg "$BATS_TEST_TMPDIR/t.yaml" "$load" inference.objectives.p95_ms=0.01
  FW=$IFW expect_fail check-inference-latency "$BATS_TEST_TMPDIR/t.yaml"
  [[ "$output" == *"objective <= 0.01 ms: missed"* ]]
  [ -z "$(kc get ns -l app.kubernetes.io/managed-by=clustercheck -o jsonpath='{.items[*].status.phase}' | tr ' ' '\n' | grep -vx Terminating)" ]
}

MFW=$ROOT/frameworks/test-mlops-stack-framework.sh

@test "KServe on the local cluster: its checks pass on the real controller; the registered model is served by an InferenceService, predicts right and is removed; Knative and cert-manager skip by design" {
  run "$MFW" run-tests --suite kserve --report-dir "$BATS_TEST_TMPDIR/ks"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"mlops-stack: 5 passed, 0 failed, 0 errors, 2 skipped of 7"* ]]
  art=$BATS_TEST_TMPDIR/ks/artifacts
  grep -q 'KServe CRDs established; controller 1/1 ready' "$art/check-kserve-installation/output.log"
  grep -q 'mlflow over v2 served by: kserve-mlserver' "$art/check-mlflow-serving-runtime/output.log"
  grep -q 'served by KServe at http://cc-iris-default.cc.local, predictions right' "$art/check-inference-service-deploy/output.log"
  grep -q 'raw-deployment mode on this cluster by design' "$BATS_TEST_TMPDIR/ks/junit.xml"
  grep -q 'without cert-manager by design' "$BATS_TEST_TMPDIR/ks/junit.xml"
  [ -z "$(kc get inferenceservices -A -o name)" ]
}

# isvc_target FILE KEY=YAML...: the inference endpoint is the InferenceService of the registered model
# (test-infra/configs/local-kserve-endpoint.sets), then KEY=YAML set.
isvc_target() {
  local out=$1 sets
  shift
  mapfile -t sets < <(grep -v '^#' "$ROOT/test-infra/configs/local-kserve-endpoint.sets")
  cfg "$out" "${sets[@]}" "$@"
}

@test "KServe autoscaling: the InferenceService serving the endpoint gains a replica under load through the HPA and loses it after; requests spread over its replicas; a predictor that answers 500 is named" {
  IFW=$ROOT/frameworks/test-inference-framework.sh
  # 120 s: this file's bound on a busy CI machine; bench/kserve-local.sh measures against the seed's 60 s
  isvc_target "$BATS_TEST_TMPDIR/isvc.yaml" inference.objectives.autoscale_s=120
  ON_TEARDOWN=("kc -n default delete inferenceservice cc-iris --ignore-not-found --wait=false")
  run "$IFW" deploy --config "$BATS_TEST_TMPDIR/isvc.yaml"
  echo "$output"
  [ "$status" -eq 0 ]
  # KServe's raw mode made the HPA from the InferenceService: CPU at 50% of the request, 2 to 3 replicas
  [ "$(kc -n default get hpa cc-iris-predictor -o jsonpath='{.spec.minReplicas} {.spec.maxReplicas} {.spec.metrics[0].resource.name} {.spec.metrics[0].resource.target.averageUtilization}')" = "2 3 cpu 50" ]
  # too little load to pass the target: no replica is added, and the check fails naming what it saw
  # (first, while the replicas' CPU is at rest: after a load the HPA acts on what metrics-server saw)
  isvc_target "$BATS_TEST_TMPDIR/flat.yaml" inference.objectives.autoscale_s=20 'inference.load.rate_rps=1'
  FW=$IFW expect_fail check-autoscaling-scale-up "$BATS_TEST_TMPDIR/flat.yaml"
  [[ "$output" == *"2 replica(s) under 1 req/s: no new replica within 20 s"* ]]
  FW=$IFW expect_pass check-autoscaling-scale-up "$BATS_TEST_TMPDIR/isvc.yaml"
  [[ "$output" == *"2 -> 3 replicas "*" s into the load"* ]]
  FW=$IFW expect_pass check-autoscaling-scale-down "$BATS_TEST_TMPDIR/isvc.yaml"
  [[ "$output" == *"3 -> 2 replica(s) in "* ]]
  FW=$IFW expect_pass check-multi-replica-load-balancing "$BATS_TEST_TMPDIR/isvc.yaml"
  [[ "$output" == *"load spread over 2 replicas"* ]]
  # a predictor that answers 500: rows of three features where the model takes four
  isvc_target "$BATS_TEST_TMPDIR/bad.yaml" 'inference.samples=[{input: [5.1, 3.5, 1.4], output: 0}]'
  FW=$IFW expect_fail check-inference-request-response "$BATS_TEST_TMPDIR/bad.yaml"
  [[ "$output" == *"HTTP 500"* ]]
}

@test "KServe broken: a storage URI with no model, and a runtime whose image is missing, are named with the pod's reason; the controller stopped fails the installation check" {
  # 30 s: the initializer's Python starts, finds no object and exits within about 10 s
  cfg "$BATS_TEST_TMPDIR/nomodel.yaml" kubernetes.inference.storage_uri=s3://mlflow-artifacts/cc-e2e/no-such-model \
    kubernetes.pod_ready_s=30
  FW=$MFW expect_fail check-inference-service-deploy "$BATS_TEST_TMPDIR/nomodel.yaml"
  [[ "$output" == *"not Ready within 30 s ("*"init container storage-initializer: "* ]]
  [ -z "$(kc get inferenceservices -A -o name)" ]
  # a runtime of the InferenceService's namespace, which KServe prefers to the cluster's, with no image
  ON_TEARDOWN=("kc -n default delete servingruntime cc-e2e-no-image --ignore-not-found")
  kc -n default apply -f - <<'EOF'
apiVersion: serving.kserve.io/v1alpha1
kind: ServingRuntime
metadata: {name: cc-e2e-no-image}
spec:
  supportedModelFormats: [{name: mlflow, version: "2", autoSelect: true, priority: 1}]
  protocolVersions: [v2]
  containers: [{name: kserve-container, image: cc.local/no-such-runtime:0}]
EOF
  # 45 s: the runtime's image is asked for only once the storage initializer has fetched the model
  cfg "$BATS_TEST_TMPDIR/noimage.yaml" kubernetes.pod_ready_s=45
  FW=$MFW expect_fail check-inference-service-deploy "$BATS_TEST_TMPDIR/noimage.yaml"
  [[ "$output" == *"not Ready within 45 s ("*": ErrImagePull"* || "$output" == *"not Ready within 45 s ("*": ImagePullBackOff"* ]]
  [ -z "$(kc get inferenceservices -A -o name)" ]
  # put back, not waited for: no later test needs KServe (its readiness probe waits 30 s)
  ON_TEARDOWN+=("kc -n kserve scale deployment/kserve-controller-manager --replicas 1")
  kc -n kserve scale deployment/kserve-controller-manager --replicas 0
  FW=$MFW expect_fail check-kserve-installation
  [[ "$output" == *"controller.kserve-controller-manager"*"0/0"* ]]
}

@test "the API server stopped: every check errors within 10 s naming its URL, none hangs" {
  # no restart: the last test takes the cluster down (run alone, teardown_file does)
  read -r pid _ <"$ROOT/.local-target/pids/kube-apiserver.pid"
  kill -KILL -- "-$pid"
  run "$FW" run-tests --report-dir "$BATS_TEST_TMPDIR/down"
  echo "$output"
  [ "$status" -eq 1 ]
  # the GPU scheduling check is blocked by the device-plugin check's error, and says so
  [[ "$output" == *"kubernetes: 0 passed, 0 failed, 8 errors, 1 skipped of 9"* ]]
  [ "$(junit_status "$BATS_TEST_TMPDIR/down/junit.xml" check-gpu-scheduling)" = skipped ]
  [ "$(grep -o '<error [^>]*API server at https://127.0.0.1:16443 unreachable' "$BATS_TEST_TMPDIR/down/junit.xml" | wc -l)" -eq 8 ]
  python3 - "$BATS_TEST_TMPDIR/down/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
slow = [(c.get("name"), c.get("time")) for c in ET.parse(sys.argv[1]).iter("testcase") if float(c.get("time")) >= 10]
assert not slow, slow
PY
}

# nothing_left SYSCTLS MADE_DIRS: no process, namespace, veth, mount, cgroup or host directory of the
# local cluster is left, and the kernel settings read SYSCTLS ("key value" lines) again.
nothing_left() {
  [ -z "$(ls /run/netns | grep '^cc-kn' || true)" ]
  run ip link show cc-k8s0
  [ "$status" -ne 0 ]
  [ -z "$(grep -F "$KDIR" /proc/self/mountinfo || true)" ]
  [ -z "$(ls -d /sys/fs/cgroup/*/cc-kn* 2>/dev/null || true)" ]
  for d in $2; do [ ! -e "$d" ]; done
  # the nodes' pod logs stayed in their own directories
  [ -z "$(ls /var/log/pods 2>/dev/null || true)" ]
  # no process runs a binary of the build or talks to a node's containerd ("k8s[/]": not grep itself)
  [ -z "$(grep -lsa -e "${KDIR%/k8s}/k8s[/]" /proc/[0-9]*/cmdline || true)" ]
  [ -z "$(ls "$ROOT"/.local-target/pids/kube*.pid "$ROOT"/.local-target/pids/*-cc-kn*.pid 2>/dev/null || true)" ]
  while read -r key value; do
    [ "$(cat "/proc/sys/$key")" = "$value" ]
  done <<<"$1"
}

# The last test: it leaves the cluster down (bench/k8s-local.sh measures a warm `stack up k8s`).
@test "stack down, and a start-cluster interrupted by SIGTERM, leave nothing: no process, namespace, veth, mount or cgroup, the kernel settings as found" {
  saved=$(cat "$KDIR/sysctls.saved")
  made_dirs=$(awk '$1 == "hostdir" { print $2 }' "$KDIR/made")
  run "$STACK" down k8s
  echo "$output"
  [ "$status" -eq 0 ]
  nothing_left "$saved" "$made_dirs"
  # the framework's e2e brings the cluster up; TERM once its first node's kubelet runs
  "$FW" e2e --report-dir "$BATS_TEST_TMPDIR/int" >"$BATS_TEST_TMPDIR/log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do
    [ -e "$ROOT/.local-target/pids/kubelet-cc-kn01.pid" ] && break
    sleep 0.1
  done
  [ -e "$ROOT/.local-target/pids/kubelet-cc-kn01.pid" ]
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  cat "$BATS_TEST_TMPDIR/log"
  [ "$rc" -eq 143 ]
  nothing_left "$saved" "$made_dirs"
}
