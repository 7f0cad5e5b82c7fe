#!/usr/bin/env bats
# The cloud and HPC clusters on one host: all seven scenarios pass end to end and put back the state
# they found, each fails on a broken target, the host's resources are checked before anything starts,
# and test-all-clusters combines the frameworks into one report.
load helpers

FW=$ROOT/frameworks/test-multi-cluster-framework.sh
STACK=$ROOT/test-infra/local/stack
export SLURM_CONF=$ROOT/.local-target/hpc/etc/slurm.conf

setup_file() {
  "$STACK" up libvirt mlops hpc >&3 2>&1
}

teardown_file() {
  ai_how hpc destroy >/dev/null 2>&1 || true
  ai_how cloud destroy >/dev/null 2>&1 || true
  stack_release libvirt mlops hpc >&3 2>&1 || true
}

cluster_state() { # cluster_state cloud|hpc -> running | stopped | not-started
  clustercheck multi clusters --config "$CFG" | awk -F '\t' -v k="$1" '$1 == "state" && $2 == k { print $3 }'
}

destroy_clusters() {
  ai_how hpc destroy >/dev/null 2>&1 || true
  ai_how cloud destroy >/dev/null 2>&1 || true
}

# clusters_up: both clusters running, started only where they are not. The broken-target tests share
# them (a scenario takes the state it needs and puts back what it found), instead of each booting both
# from nothing and destroying them again; a test that needs nothing running destroys them itself.
clusters_up() {
  local kind
  for kind in cloud hpc; do
    [ "$(cluster_state "$kind")" = running ] && continue
    ai_how "$kind" start >/dev/null
    [ "$(cluster_state "$kind")" = running ]
  done
}

@test "e2e from nothing: start-cluster brings both clusters up, stop-cluster removes them; nothing is left running" {
  destroy_clusters
  report=$BATS_TEST_TMPDIR/report
  run "$FW" e2e --filter '^check-both-clusters-running$' --report-dir "$report"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"multi-cluster: 1 passed, 0 failed, 0 errors, 0 skipped of 1"* ]]
  [ "$(cluster_state cloud)" = not-started ]
  [ "$(cluster_state hpc)" = not-started ]
  [ -z "$(virsh_q list --all --name | grep -E 'cc-local|cc-hpc')" ]
  [ -z "$(squeue -h)" ]
}

@test "SIGTERM in the middle of a scenario: the run stops and the clusters are put back as found" {
  ON_TEARDOWN=(destroy_clusters)
  destroy_clusters
  log=$BATS_TEST_TMPDIR/log
  "$FW" run-test check-shared-gpu-conflict --report-dir "$BATS_TEST_TMPDIR/r" >"$log" 2>&1 &
  pid=$!
  art=$BATS_TEST_TMPDIR/r/artifacts/check-shared-gpu-conflict/output.log
  for _ in $(seq 300); do
    grep -q 'cc-hpc-compute-02 holds GPU' "$art" 2>/dev/null && break
    sleep 0.2
  done
  grep -q 'cc-hpc-compute-02 holds GPU' "$art"
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  cat "$log" "$art"
  [ "$rc" -eq 143 ]
  grep -q 'interrupted by SIGTERM' "$BATS_TEST_TMPDIR/r/junit.xml"
  [ "$(cluster_state cloud)" = not-started ]
  [ "$(cluster_state hpc)" = not-started ]
  [ -z "$(virsh_q list --all --name | grep -E 'cc-local|cc-hpc')" ]
}

@test "the host cannot hold both clusters: start-cluster stops before anything starts, naming the shortfall" {
  ON_TEARDOWN=(destroy_clusters)
  destroy_clusters
  target_config "$BATS_TEST_TMPDIR/mem.yaml" clusters.hpc.controller.memory_gb=4000
  run "$FW" e2e --config "$BATS_TEST_TMPDIR/mem.yaml" --report-dir "$BATS_TEST_TMPDIR/r"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"shortfall: memory: the clusters need "*" MiB at their peak, the host has "* ]]
  grep -q 'not run: start-cluster failed' "$BATS_TEST_TMPDIR/r/junit.xml"
  [ -z "$(virsh_q list --all --name | grep -E 'cc-local|cc-hpc')" ]
  target_config "$BATS_TEST_TMPDIR/gpu.yaml" clusters.hpc.compute_nodes.1.auto_start=true
  run clustercheck multi resources --config "$BATS_TEST_TMPDIR/gpu.yaml"
  [ "$status" -eq 1 ]
  [[ "$output" == *"GPU 0000:65:00.0 is wanted at start by cc-local-gpu-worker-01 and cc-hpc-compute-02"* ]]
}

@test "the CLI lets a second VM take an owned GPU: shared-gpu-conflict fails" {
  ON_TEARDOWN=(destroy_clusters)
  destroy_clusters
  broken_config "$BATS_TEST_TMPDIR/b.yaml"
  BROKEN=no-conflict expect_fail check-shared-gpu-conflict "$BATS_TEST_TMPDIR/b.yaml"
  [[ "$output" == *"cloud VM cc-local-gpu-worker-01 is refused GPU 0000:65:00.0 while cc-hpc-compute-02 holds it"* ]]
  grep -q 'vm start cc-local-gpu-worker-01 succeeded although cc-hpc-compute-02 holds GPU 0000:65:00.0' \
    "$BATS_TEST_TMPDIR"/r-check-shared-gpu-conflict-*/artifacts/check-shared-gpu-conflict/output.log
}

# The seven scenarios on running clusters (what a warm test-all-clusters finds): each takes the state it
# needs and puts back what it found - both clusters up, GPUs with the same owners.
@test "all-scenarios: the seven scenarios pass on the multi-node SLURM cluster and put back the running clusters" {
  clusters_up
  before=$(clustercheck multi clusters --config "$CFG")
  report=$BATS_TEST_TMPDIR/report
  run "$FW" all-scenarios --report-dir "$report"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"multi-cluster: 7 passed, 0 failed, 0 errors, 0 skipped of 7"* ]]
  xmllint --noout --schema "$ROOT/tests/fixtures/junit.xsd" "$report/junit.xml"
  grep -q 'check-cold-start.metric.cold_start_both' "$report/junit.xml"
  grep -q 'check-vm-gpu-transfer.metric.transfer_cc-local-gpu-worker-01_to_cc-hpc-compute-02' "$report/junit.xml"
  [ "$(clustercheck multi clusters --config "$CFG")" = "$before" ]
  [ -z "$(squeue -h)" ]
  # The workflow's model and the temporary model server are gone.
  run curl -sf "http://127.0.0.1:15000/api/2.0/mlflow/registered-models/get?name=cc-hpc-trained"
  [ "$status" -ne 0 ]
  run bash -c 'exec 3<>/dev/tcp/127.0.0.1/15011'
  [ "$status" -ne 0 ]
}

@test "SLURM nodes drained: both-clusters-running and hpc-only fail before their SLURM job, naming the drained nodes" {
  clusters_up
  ON_TEARDOWN=("scontrol update nodename=cc-cn[01-02] state=resume")
  scontrol update nodename=cc-cn[01-02] state=drain reason=clustercheck-test
  expect_fail check-both-clusters-running
  [[ "$output" == *"partition gpu is UP but none of its nodes takes jobs: cc-cn01 (drained: drained; reason: clustercheck-test)"* ]]
  expect_fail check-hpc-only
  [[ "$output" == *"none of its nodes takes jobs"* ]]
}

@test "the cloud side serves a model that answers wrong: workflow-transition fails; MLflow down: it fails too" {
  clusters_up
  ON_TEARDOWN=("\"$STACK\" up mlops")
  target_config "$BATS_TEST_TMPDIR/c.yaml" mlops.serving.samples.0.output=2
  expect_fail check-workflow-transition "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"sample.0 (got vs expected class): got '0', expected '2'"* ]]
  read -r pid _ <"$ROOT/.local-target/pids/mlflow.pid"
  kill -KILL -- "-$pid"
  sleep 1
  expect_fail check-workflow-transition
  [[ "$output" == *"training job"* ]]
  [ -z "$(squeue -h)" ]
}

# The cold start's objective is judged by the same check::metric (tests/bats); a run here to miss it
# would boot both clusters twice more. "destroy does nothing" below makes check-cold-start fail.
@test "a stopped VM keeps its GPU: vm-gpu-transfer fails; a slow transfer misses the objective" {
  clusters_up
  broken_config "$BATS_TEST_TMPDIR/b.yaml"
  BROKEN=stop-keeps-gpu expect_fail check-vm-gpu-transfer "$BATS_TEST_TMPDIR/b.yaml"
  [[ "$output" == *"GPU 0000:65:00.0 did not move from cc-local-gpu-worker-01 to cc-hpc-compute-02"* ]]
  target_config "$BATS_TEST_TMPDIR/t.yaml" hpc.thresholds.gpu_transfer_s=0.01
  expect_fail check-vm-gpu-transfer "$BATS_TEST_TMPDIR/t.yaml"
  [[ "$output" == *"objective <= 0.01 s: missed"* ]]
}

@test "the CLI's destroy does nothing: hpc-only, cloud-only and cold-start fail" {
  ON_TEARDOWN=(destroy_clusters)
  broken_config "$BATS_TEST_TMPDIR/b.yaml"
  export BROKEN=destroy-noop
  ai_how cloud start
  ai_how hpc start
  expect_fail check-hpc-only "$BATS_TEST_TMPDIR/b.yaml"
  [[ "$output" == *"multi_cluster::cloud_running says the removed cloud cluster runs"* ]]
  expect_fail check-cloud-only "$BATS_TEST_TMPDIR/b.yaml"
  [[ "$output" == *"multi_cluster::hpc_running says the removed HPC cluster runs"* ]]
  expect_fail check-cold-start "$BATS_TEST_TMPDIR/b.yaml"
  [[ "$output" == *"clusters still recorded after destroy"* ]]
  # From nothing, a scenario that cannot remove what it started fails on the restore.
  unset BROKEN
  destroy_clusters
  BROKEN=destroy-noop expect_fail check-both-clusters-running "$BATS_TEST_TMPDIR/b.yaml"
  [[ "$output" == *"could not put the clusters back as found (cloud not-started, hpc not-started)"* ]]
}

@test "test-all-clusters: the frameworks' reports combine into one JUnit file and one HTML summary" {
  report=$BATS_TEST_TMPDIR/all
  # the local target without its Kubernetes cluster: the kubernetes lane skips with the reason
  target_config "$BATS_TEST_TMPDIR/no-k8s.yaml" kubernetes='<unset>'
  # --parallel: the two frameworks share nothing (lanes kubernetes and slurm) and run at the same time
  run "$ROOT/test-infra/run-all-clusters.sh" --config "$BATS_TEST_TMPDIR/no-k8s.yaml" --parallel --frameworks kubernetes,hpc-slurm --report-dir "$report" \
    -- --filter '^check-(munge-auth|slurm-controller|cluster-health)$'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"kubernetes framework (lane kubernetes) started"* && "$output" == *"hpc-slurm framework (lane slurm) started"* ]]
  grep -q 'slurm-controller' "$report/hpc-slurm.log"
  grep -q '"wall_s"' "$report/hpc-slurm/e2e.json"
  grep -q "id='fw-hpc-slurm'" "$report/report.html"
  grep -q "id='fw-kubernetes'" "$report/report.html"
  xmllint --noout --schema "$ROOT/tests/fixtures/junit.xsd" "$report/junit.xml"
  [ -f "$report/report.html" ]
  [ -f "$report/kubernetes/junit.xml" ]
  [ -f "$report/hpc-slurm/junit.xml" ]
  grep -q 'name="all-clusters/kubernetes/kubernetes-cluster"' "$report/junit.xml"
  grep -q 'name="all-clusters/hpc-slurm/hpc-slurm/slurm-controller"' "$report/junit.xml"
  [[ "$output" == *"all-clusters: 2 passed, 0 failed, 0 errors, 1 skipped of 3"* ]]
  grep -q 'this target configures none (kubernetes.kubeconfig)' "$report/junit.xml"
  # one after the other (the default), output on the terminal
  run "$ROOT/test-infra/run-all-clusters.sh" --config "$BATS_TEST_TMPDIR/no-k8s.yaml" --frameworks kubernetes --report-dir "$report/seq" -- --filter '^check-cluster-health$'
  [ "$status" -eq 0 ]
  [[ "$output" == *"=== kubernetes framework ==="* && "$output" == *"all-clusters: 0 passed, 0 failed, 0 errors, 1 skipped of 1"* ]]
}
