#!/usr/bin/env bats
# The inference framework: end to end on the local target (MLServer serving the registered model),
# and every check failing on a broken or slow target (tests/fixtures/inference_server.py).
load helpers

FW=$ROOT/frameworks/test-inference-framework.sh
STACK=$ROOT/test-infra/local/stack
FIXTURE=$ROOT/tests/fixtures/fixture-server
PORT=18951

setup_file() {
  "$STACK" up mlops >&3 2>&1
}

teardown_file() {
  stack_release mlops >&3 2>&1 || true
}

teardown() {
  "$FIXTURE" stop "$BATS_TEST_TMPDIR/srv" || true
  local cmd
  for cmd in "${ON_TEARDOWN[@]}"; do eval "$cmd" >&3 2>&1 || true; done
}

# fixture_target [KEY=YAML...]: a config for a fixture server on $PORT (restartable), dotted keys set.
fixture_target() {
  local out=$BATS_TEST_TMPDIR/target.yaml
  cat >"$out" <<EOF
target: {name: fixture, kind: remote}
mlops:
  s3: {endpoint: 'http://127.0.0.1:18333', access_key: clustercheck, secret_key: cc-local-s3-secret-7Qm2vK, buckets: [mlflow-artifacts]}
  postgresql: {host: 127.0.0.1, port: 15432, database: mlflow, user: mlflow, password: cc-local-pg-pass-4Xr9tB}
  mlflow: {url: 'http://127.0.0.1:15000', artifact_bucket: mlflow-artifacts}
inference:
  endpoint:
    url: http://127.0.0.1:$PORT
    protocol: v2
    model_name: cc-iris
    registry_alias: champion
    restart_command: $FIXTURE restart $BATS_TEST_TMPDIR/srv
  samples:
    - {input: [5.1, 3.5, 1.4, 0.2], output: 0}
    - {input: [5.9, 3.0, 4.2, 1.5], output: 1}
    - {input: [6.7, 3.0, 5.2, 2.3], output: 2}
  load: {rate_rps: 20, duration_s: 3, warmup_s: 0.5}
  sweep: {rates: [20, 40], step_duration_s: 2, max_rate: 60, confirm: 1}
  objectives: {p95_ms: 200, min_rps_per_gpu: 30, min_rps_per_instance: 30}
EOF
  yaml_set "$out" "$@"
  echo "$out"
}

@test "e2e on the local target: the model server's checks pass; GPU and Kubernetes ones skip with reasons" {
  report=$BATS_TEST_TMPDIR/report
  # the load from this host: the workers placed on the local Kubernetes (local.yaml) are 12-kubernetes-local.bats'
  target_config "$BATS_TEST_TMPDIR/c.yaml" 'inference.load={rate_rps: 20, duration_s: 8, warmup_s: 1}'
  e2e_passes "$report" "$BATS_TEST_TMPDIR/c.yaml"
  for check in check-inference-service-deployment check-inference-cold-start check-inference-endpoint \
    check-model-loading check-inference-request-response check-inference-latency check-inference-throughput; do
    [ "$(junit_status "$report/junit.xml" "$check")" = passed ]
  done
  for check in check-gpu-utilization check-gpu-replica-scaling check-autoscaling-scale-up \
    check-autoscaling-scale-down check-multi-replica-load-balancing; do
    [ "$(junit_status "$report/junit.xml" "$check")" = skipped ]
  done
  grep -q 'no GPU to sample' "$report/junit.xml"
  grep -q "is not served by the InferenceService cc-iris (kubernetes.inference.serves_endpoint: false)" "$report/junit.xml"
  # Metrics land in JUnit properties with their thresholds; the HTML report carries the plots.
  grep -Eq 'check-inference-latency.metric.latency_p95" value="[0-9.]+ ms &lt;= 500 ms: ok' "$report/junit.xml"
  [ "$(grep -o '<svg' "$report/report.html" | wc -l)" -ge 5 ]
  grep -q 'throughput sweep: p95 latency by offered rate' "$report/report.html"
  # Capacity, not the top of the list: the server takes more than the configured rates' top (200 req/s),
  # so the sweep went on past it until a step missed (or the bound came first, and the message says so).
  sweep=$report/artifacts/check-inference-throughput/sweep.tsv
  cat "$sweep"
  grep -q '^step\.300	' "$sweep"  # tried: the sweep went past the list
  # the knee measured again: the highest rate kept held its majority of the trials - unless the load
  # generator could not keep its schedule first (busy cores): then the sweep stopped there, no knee
  # found, and nothing is confirmed (CI saw "generator-limited at 675 req/s", knee "ok in 1 of 1")
  if grep -q '^stopped	generator-limited' "$sweep"; then
    grep -Eq '^knee	[0-9.]+ req/s ok in [1-3] of [1-3] trial\(s\)' "$sweep"
  else
    grep -Eq '^knee	[0-9.]+ req/s ok in 2 of [23] trial\(s\)' "$sweep"
  fi
  grep -Eq 'capacity ([0-9.]+ req/s|at least [0-9.]+ req/s \(not saturated\))' "$report/junit.xml"
}

# Baselines on the local target, lean: latency (120 requests in 3 s) and a sweep of 2 s steps bounded
# at 150 req/s (this server takes 450-1,100 req/s here, so the bound is a stable "at least 150"
# whatever the machine's load: a capacity measured at its edge moved by a third between runs on CI).
# The baseline is three runs; each later run is judged against their band. Both cores are kept busy
# all along (two busy loops beside the server and the load generator, at the lowest priority, as a
# shared CI machine's other jobs would be). At equal priority they starved the generator: it sent late
# by 14 ms at p99 against its 10 ms bound in one run of four (CI and here), the sweep was then rightly
# generator-limited, the baseline too noisy to judge the throughput and the test failed; at 300 req/s
# the same happened. Steps of 2 s, not 1: the p99 of a 1 s step at 50 req/s is its latest send, so one
# 20 ms pause of the machine made the step generator-limited (seen once here); each rate is one step
# (confirm: 1), as the bound is no knee to confirm. The slowed server (10x) is far outside any noise:
# each request holds the proxy's one slot ten times as long as the server took, so its p50 and p95
# grow by 13 ms and more and its capacity falls to 30-70 req/s. (The 2x slowdown is caught 10 of 10 by
# bench/baseline-round-trip.sh, on an idle machine with the local target's full sweep.) Endpoint shows
# an unaffected check.
BASE_CHECKS='check-inference-(endpoint|latency|throughput)$'
lean_config() {
  target_config "$1" 'inference.load={rate_rps: 40, duration_s: 3, warmup_s: 0.5}' \
    'inference.sweep={rates: [50, 150], step_duration_s: 2, max_rate: 150, refine: 0, confirm: 1}' \
    'runner.baseline.min_change={ms: 10, s: 2}' "${@:2}"
}

wait_model_server() {
  local i
  for i in $(seq 120); do curl -sf http://127.0.0.1:15001/ping >/dev/null && return 0; sleep 0.5; done
  return 1
}

# keep_cores_busy: one busy loop per core at the lowest priority (BUSY_PIDS) until the test stops them,
# or teardown does.
BUSY_PIDS=()
keep_cores_busy() {
  local i
  for ((i = 0; i < $(nproc); i++)); do
    nice -n 19 python3 -c 'while True: pass' &
    BUSY_PIDS+=("$!")
    ON_TEARDOWN+=("kill $! 2>/dev/null")
  done
}

# generator_limited DIR: the throughput sweep of the run in DIR stopped because the load generator fell
# behind its schedule (its figure is the generator's, not the server's).
generator_limited() {
  python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["stopped"].startswith("generator-limited") else 1)' \
    "$1/artifacts/check-inference-throughput/sweep.json"
}

# regressed_in DIR: the names of the metrics judged regressed in the run in DIR, sorted, one line.
regressed_in() {
  cat "$1"/artifacts/*/baseline.jsonl | python3 -c '
import json, sys
print(" ".join(sorted(j["name"] for j in map(json.loads, sys.stdin) if j["verdict"] == "regressed")))'
}

# regressed_but_throughput DIR: regressed_in DIR without the throughput metrics (judged apart where a
# run was generator-limited).
regressed_but_throughput() {
  regressed_in "$1" | tr ' ' '\n' | grep -v '^throughput_' | paste -sd' '
}

@test "baselines of three runs, both cores busy: an unchanged run passes; one on a 10x slower server fails latency and throughput, naming the rule" {
  lean=$BATS_TEST_TMPDIR/lean.yaml base=$BATS_TEST_TMPDIR/base.json
  lean_config "$lean"
  keep_cores_busy
  run "$FW" run-tests --config "$lean" --filter "$BASE_CHECKS" --report-dir "$BATS_TEST_TMPDIR/r0" \
    --save-baseline "$base" --baseline-runs 3
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"baseline: run 1 of 3"*"baseline: run 3 of 3"* ]]
  [[ "$output" == *"baseline saved: $base (6 metric(s) of 2 check(s) that passed, 3 run(s) each, target local)"* ]]
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["metrics"]["check-inference-latency"]["latency_p50"]
assert m["direction"]=="lower" and m["unit"]=="ms" and len(m["runs"])==3, d' "$base"
  # A run whose generator could not keep 150 req/s (a pause of this busy machine; its sweep says
  # generator-limited - seen in two of three CI runs on 2026-12-04) measured the generator, not the
  # server: where the baseline holds one, the product judges the throughput too noisy (or, far worse
  # than its worst run, regressed), and that is asserted instead; latency is judged as always.
  noisy=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["metrics"]["check-inference-throughput"]["throughput_max"]["runs"]
print("noisy" if min(r) < max(r) else "")' "$base")
  # one of each (bench/baseline-round-trip.sh measures ten of each: 0 false regressions, 10 of 10 caught)
  for i in 1; do
    # run-to-run noise on a busy machine: inside the baseline's band widened by the tolerance
    run "$FW" run-tests --config "$lean" --filter "$BASE_CHECKS" --report-dir "$BATS_TEST_TMPDIR/r$i" --baseline "$base"
    echo "$output"
    cat "$BATS_TEST_TMPDIR/r$i"/artifacts/*/baseline.jsonl
    if [ -z "$noisy" ] && ! generator_limited "$BATS_TEST_TMPDIR/r$i"; then
      [ "$status" -eq 0 ]
      [ "$(regressed_in "$BATS_TEST_TMPDIR/r$i")" = "" ]
      grep -q '"verdict": "within"' "$BATS_TEST_TMPDIR/r$i"/artifacts/check-inference-throughput/baseline.jsonl
    else
      [ "$(junit_status "$BATS_TEST_TMPDIR/r$i/junit.xml" check-inference-latency)" = passed ]
      [ "$(regressed_but_throughput "$BATS_TEST_TMPDIR/r$i")" = "" ]
    fi
  done
  # the same target, its model server slowed down 10x (mlops.local.serving_slowdown)
  slow=$BATS_TEST_TMPDIR/slow.yaml
  target_config "$slow" mlops.local.serving_slowdown=10
  ON_TEARDOWN+=("CC_STACK_CONFIG=$CFG '$STACK' restart model-server")
  CC_STACK_CONFIG=$slow "$STACK" restart model-server >&3 2>&1
  wait_model_server
  for i in 1; do
    run "$FW" run-tests --config "$lean" --filter "$BASE_CHECKS" --report-dir "$BATS_TEST_TMPDIR/slow$i" --baseline "$base"
    echo "$output"
    [ "$status" -eq 1 ]
    junit=$BATS_TEST_TMPDIR/slow$i/junit.xml
    [ "$(junit_status "$junit" check-inference-endpoint)" = passed ]
    [ "$(junit_status "$junit" check-inference-latency)" = failure ]
    [ "$(junit_status "$junit" check-inference-throughput)" = failure ]
    [[ "$output" == *"FAIL  check-inference-latency"*"regressed against the baseline: latency_p50 "*" ms vs baseline "*" ms (median of 3 runs, "*" ms) (+"*"%, tolerance 20%, lower is better) - worse than every one of its 3 runs (worst "*" ms) by "*" ms, more than the allowance "* ]]
    # exactly the metrics the slowdown touches: latency p50/p95 and the capacity; not the error rate
    if [ -z "$noisy" ]; then
      [[ "$output" == *"FAIL  check-inference-throughput"*"regressed against the baseline: throughput_max "*" req/s vs baseline 150 req/s (median of 3 runs, 150-150 req/s) (-"*"%, tolerance 30%, higher is better) - worse than every one of its 3 runs (worst 150 req/s) by "*" req/s, more than the allowance 45 req/s (30% of the median)"* ]]
      [ "$(regressed_in "$BATS_TEST_TMPDIR/slow$i")" = "latency_p50 latency_p95 throughput_max throughput_per_instance" ]
      grep -Eq 'name="check-inference-throughput.metric.throughput_max.change_pct" value="-[0-9.]+"' "$junit"
    else
      # worse than the noisy baseline's worst run by more than the allowance is still a regression
      grep -Eq '"name": "throughput_max".*"verdict": "(regressed|too-noisy)"' "$BATS_TEST_TMPDIR/slow$i"/artifacts/check-inference-throughput/baseline.jsonl
      [ "$(regressed_but_throughput "$BATS_TEST_TMPDIR/slow$i")" = "latency_p50 latency_p95" ]
    fi
  done
  # JUnit properties carry the baseline, its band and the change beside the value
  grep -Eq 'name="check-inference-latency.metric.latency_p50.baseline" value="[0-9.]+"' "$junit"
  grep -Eq 'name="check-inference-latency.metric.latency_p50.baseline_band" value="[0-9.]+-[0-9.]+"' "$junit"
  # the history drew each metric's trend in the report, the baseline's runs as a band
  grep -q "id='trends'" "$BATS_TEST_TMPDIR/slow1/report.html"
  grep -q 'check-inference-latency: latency_p50 over the last' "$BATS_TEST_TMPDIR/slow1/report.html"
  grep -q "<rect class='band'" "$BATS_TEST_TMPDIR/slow1/report.html"
  kill "${BUSY_PIDS[@]}"
  CC_STACK_CONFIG=$CFG "$STACK" restart model-server >&3 2>&1
  wait_model_server
  ON_TEARDOWN=()
}

@test "two simulated GPUs (CPU CI): the serving GPU judged busy, the other reported idle, never averaged; an idle serving GPU fails naming it" {
  export PYTHONPATH=$ROOT/tests/fixtures/nvml-sim CC_NVML_SIM=$ROOT/tests/fixtures/nvml-sim/two-h200.json
  cfg=$BATS_TEST_TMPDIR/gpu.yaml
  target_config "$cfg" 'inference.gpu={indices: [0], load_duration_s: 3, load_rate_rps: 20, sample_hz: 20}'
  expect_pass check-gpu-utilization "$cfg"
  junit=$BATS_TEST_TMPDIR/r-check-gpu-utilization-$CHECK_RUNS/junit.xml
  grep -rq "GPU 0 87.0%, GPU 1 0.0% (not serving) at " "$BATS_TEST_TMPDIR/r-check-gpu-utilization-$CHECK_RUNS"
  grep -q 'name="check-gpu-utilization.metric.gpu0_utilization" value="87.0 % &gt;= 70 %: ok"' "$junit"
  grep -q 'name="check-gpu-utilization.metric.gpu1_utilization" value="0.0 %"' "$junit"
  # both GPUs serving: the idle one misses the objective, by name
  target_config "$cfg" 'inference.gpu={indices: [0, 1], load_duration_s: 3, load_rate_rps: 20, sample_hz: 20}'
  expect_fail check-gpu-utilization "$cfg"
  [[ "$output" == *"gpu1_utilization 0.0 %, objective >= 70 %: missed"* ]]
  [[ "$output" != *"gpu0_utilization 87.0 %, objective"*"missed"* ]]
}

# replicas_target PORT_A PORT_B [KEY=YAML...]: the fixture target with two replicas, lean sweeps; the
# first replica on GPU 1 and the second on GPU 0, so that a check that took list position for the GPU
# would judge the wrong one.
replicas_target() {
  fixture_target "inference.replicas=[{url: 'http://127.0.0.1:$1', gpu: 1}, {url: 'http://127.0.0.1:$2', gpu: 0}]" \
    'inference.sweep={rates: [40, 80], step_duration_s: 1, max_rate: 160, refine: 1, confirm: 1}' \
    'inference.gpu={load_duration_s: 2, sample_hz: 20}' inference.objectives.replica_scaling_pct=70 \
    inference.objectives.gpu_utilization_pct=50 "${@:3}"
}

@test "one replica per GPU (two simulated GPUs): together twice one's capacity, each replica and GPU by itself; one server behind both fails" {
  # each fixture replica serves 100 predictions a second, one at a time, like a GPU; each simulated
  # GPU's utilisation is its replica's busy share (GPU 1 serves the first replica)
  export CC_SIM_GPU1_BUSY=$BATS_TEST_TMPDIR/srv/busy CC_SIM_GPU0_BUSY=$BATS_TEST_TMPDIR/srv2/busy
  "$FIXTURE" start "$BATS_TEST_TMPDIR/srv" "$PORT" --capacity 100 --busy-file "$CC_SIM_GPU1_BUSY"
  "$FIXTURE" start "$BATS_TEST_TMPDIR/srv2" $((PORT + 1)) --capacity 100 --busy-file "$CC_SIM_GPU0_BUSY"
  ON_TEARDOWN+=("'$FIXTURE' stop '$BATS_TEST_TMPDIR/srv2'")
  # no GPU metrics: throughput per replica judged, the GPU half a skip - never a pass. What is shown
  # here is the skip, not the scaling: one 1 s step per sweep and no scaling objective (the test: 72 s -> 60 s).
  cfg=$(replicas_target "$PORT" $((PORT + 1)) 'inference.gpu.nvml="off"' \
    'inference.sweep={rates: [40], step_duration_s: 1, max_rate: 40, refine: 0, confirm: 1}' \
    inference.objectives.replica_scaling_pct=0)
  run_check check-gpu-replica-scaling "$cfg"
  [ "$status_of" = skipped ]
  [[ "$output" == *"each replica's GPU not checked: no GPU metrics configured"* ]]
  export PYTHONPATH=$ROOT/tests/fixtures/nvml-sim CC_NVML_SIM=$ROOT/tests/fixtures/nvml-sim/two-h200-serving.json
  cfg=$(replicas_target "$PORT" $((PORT + 1)))
  expect_pass check-gpu-replica-scaling "$cfg"
  junit=$BATS_TEST_TMPDIR/r-check-gpu-replica-scaling-$CHECK_RUNS/junit.xml
  ratio=$(sed -n 's/.*check-gpu-replica-scaling.metric.scaling_ratio" value="\([0-9.]*\) x.*/\1/p' "$junit")
  awk -v r="$ratio" 'BEGIN { exit !(r >= 1.4) }'
  grep -rEq "replica 0: GPU 1, .* req/s, [0-9.]+% busy; replica 1: GPU 0, .* req/s, [0-9.]+% busy" \
    "$BATS_TEST_TMPDIR/r-check-gpu-replica-scaling-$CHECK_RUNS"
  for m in throughput_one_replica throughput_all_replicas scaling_ratio scaling_efficiency replica0_gpu1_throughput \
    replica1_gpu0_throughput gpu0_utilization gpu1_utilization; do
    grep -q "name=\"check-gpu-replica-scaling.metric.$m\"" "$junit"
  done
  # both "replicas" one server: no scaling, and GPU 0 (the second replica's) idle - it gets no load
  cfg=$(replicas_target "$PORT" "$PORT")
  expect_fail check-gpu-replica-scaling "$cfg"
  [[ "$output" == *"scaling_efficiency "*" %, objective >= 70 %: missed"* ]]
  [[ "$output" == *"gpu0_utilization 0.0 %, objective >= 50 %: missed"* ]]
  [ -z "$(grep -E 'gpu1_utilization [0-9.]+ %, objective' <<<"$output")" ]
}

@test "server down: deployment, endpoint and request-response fail" {
  cfg=$(fixture_target)
  expect_fail check-inference-service-deployment "$cfg"
  [[ "$output" == *"readiness of http://127.0.0.1:$PORT: got 'unreachable"* ]]
  expect_fail check-inference-endpoint "$cfg"
  [[ "$output" == *"liveness: got 'unreachable"* ]]
  expect_fail check-inference-request-response "$cfg"
  [[ "$output" == *"unreachable"* ]]
}

@test "server not ready: deployment and endpoint fail on readiness" {
  "$FIXTURE" start "$BATS_TEST_TMPDIR/srv" "$PORT" --ready-after 600
  cfg=$(fixture_target)
  expect_fail check-inference-service-deployment "$cfg"
  [[ "$output" == *"got '503', expected '200'"* ]]
  expect_fail check-inference-endpoint "$cfg"
  [[ "$output" == *"readiness: got '503', expected '200'"* ]]
}

@test "wrong answers: request-response fails per sample; model-loading differs from the registry" {
  "$FIXTURE" start "$BATS_TEST_TMPDIR/srv" "$PORT" --wrong
  cfg=$(fixture_target)
  expect_fail check-inference-request-response "$cfg"
  [[ "$output" == *"sample 0 prediction: got '7', expected '0'"* ]]
  expect_fail check-model-loading "$cfg"
  [[ "$output" == *"first difference: row 0: served 7, registry 0"* ]]
}

@test "a 5xx for bad input: request-response fails" {
  "$FIXTURE" start "$BATS_TEST_TMPDIR/srv" "$PORT" --bad-input-status 500
  cfg=$(fixture_target)
  expect_fail check-inference-request-response "$cfg"
  [[ "$output" == *"not_json request refused with 4xx (got: 500)"* ]]
}

@test "slow server: latency and throughput miss their objectives" {
  "$FIXTURE" start "$BATS_TEST_TMPDIR/srv" "$PORT" --delay-ms 300
  cfg=$(fixture_target)
  expect_fail check-inference-latency "$cfg"
  [[ "$output" == *"ms, objective <= 200 ms: missed"* ]]
  metric_between latency_p95 300 120000  # every answer 300 ms late, at least
  expect_fail check-inference-throughput "$cfg"
  [[ "$output" == *"objective >= 30 req/s: missed"* ]]
  metric_between throughput_per_instance 0 29.99
  # no GPU and no per-instance objective: the per-GPU objective is not judged - a skip, never a pass
  cfg=$(fixture_target 'inference.objectives={p95_ms: 200, min_rps_per_gpu: 30}')
  run_check check-inference-throughput "$cfg"
  [ "$status_of" = skipped ]
  [[ "$output" == *"min_rps_per_gpu not judged: per serving instance (no GPU seen: "* ]]
}

@test "errors under load: latency fails on the error rate" {
  "$FIXTURE" start "$BATS_TEST_TMPDIR/srv" "$PORT" --delay-ms 2 --error-every 5
  cfg=$(fixture_target)
  expect_fail check-inference-latency "$cfg"
  [[ "$output" == *"objective <= 0.01 ratio: missed"* ]]
  metric_between error_rate 0.15 0.25  # one answer in five an error
}

@test "slow cold start: the cold-start check fails" {
  "$FIXTURE" start "$BATS_TEST_TMPDIR/srv" "$PORT" --ready-after 4
  cfg=$(fixture_target inference.objectives.cold_start_s=2)
  expect_fail check-inference-cold-start "$cfg"
  [[ "$output" == *"objective <= 2 s: missed"* ]]
}

@test "GPU utilisation from Prometheus (DCGM metric): fails below the objective, passes above" {
  "$FIXTURE" start "$BATS_TEST_TMPDIR/srv" "$PORT" --delay-ms 2 --gpu-util 35
  cfg=$(fixture_target "inference.gpu={prometheus_url: 'http://127.0.0.1:$PORT', load_duration_s: 2, load_rate_rps: 20}")
  expect_fail check-gpu-utilization "$cfg"
  [[ "$output" == *"gpu0_utilization 35"*"objective >= 70 %: missed"* ]]
  "$FIXTURE" start "$BATS_TEST_TMPDIR/srv" "$PORT" --delay-ms 2 --gpu-util 91
  expect_pass check-gpu-utilization "$cfg"
}

@test "a generator that cannot keep its schedule is an error, not a pass" {
  "$FIXTURE" start "$BATS_TEST_TMPDIR/srv" "$PORT" --delay-ms 1
  # One worker process cannot send 20,000 requests a second on these CPUs (5,000 it sometimes did, on an
  # idle moment): the run must say so.
  cfg=$(fixture_target inference.load.rate_rps=20000 inference.load.workers=1 inference.load.duration_s=1 \
    inference.load.max_requests=25000)
  run_check check-inference-latency "$cfg"
  [ "$status" -eq 1 ]
  [ "$status_of" = error ]
  [[ "$output" == *"could not keep its schedule"* ]]
}

@test "no inference section: every check skips with the reason" {
  run "$FW" run-tests --config "$ROOT/test-infra/configs/test-cloud-vm.yaml" --report-dir "$BATS_TEST_TMPDIR/none"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"0 passed, 0 failed, 0 errors, 12 skipped of 12"* ]]
  [[ "$output" == *"no inference endpoint in this target's config"* ]]
}
