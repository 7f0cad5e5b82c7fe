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
  "$STACK" down mlops >&3 2>&1 || true
}

teardown() {
  "$FIXTURE" stop "$BATS_TEST_TMPDIR/srv" || true
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
  sweep: {rates: [20, 40], step_duration_s: 2, max_rate: 60}
  objectives: {p95_ms: 200, min_rps_per_gpu: 30}
EOF
  yaml_set "$out" "$@"
  echo "$out"
}

@test "e2e on the local target: the model server's checks pass; GPU and Kubernetes ones skip with reasons" {
  report=$BATS_TEST_TMPDIR/report
  run "$FW" e2e --report-dir "$report"
  echo "$output"
  [ "$status" -eq 0 ]
  xmllint --noout --schema "$ROOT/tests/fixtures/junit.xsd" "$report/junit.xml"
  for check in check-inference-service-deployment check-inference-cold-start check-inference-endpoint \
    check-model-loading check-inference-request-response check-inference-latency check-inference-throughput; do
    [ "$(junit_status "$report/junit.xml" "$check")" = passed ]
  done
  for check in check-gpu-utilization check-autoscaling-scale-up check-autoscaling-scale-down \
    check-multi-replica-load-balancing; do
    [ "$(junit_status "$report/junit.xml" "$check")" = skipped ]
  done
  grep -q 'no GPU to sample' "$report/junit.xml"
  grep -q 'needs a Kubernetes cluster' "$report/junit.xml"
  # Metrics land in JUnit properties with their thresholds; the HTML report carries the plots.
  grep -Eq 'check-inference-latency.metric.latency_p95" value="[0-9.]+ ms &lt;= 500 ms: ok' "$report/junit.xml"
  [ "$(grep -o '<svg' "$report/report.html" | wc -l)" -ge 5 ]
  grep -q 'throughput sweep: p95 latency by offered rate' "$report/report.html"
  # Capacity, not the top of the list: the server takes more than the configured rates' top (200 req/s),
  # so the sweep went on past it until a step missed (or the bound came first, and the message says so).
  sweep=$report/artifacts/check-inference-throughput/sweep.tsv
  cat "$sweep"
  grep -q '^step\.300	' "$sweep"  # tried: the sweep went past the list
  grep -Eq 'capacity ([0-9.]+ req/s|at least [0-9.]+ req/s \(not saturated\))' "$report/junit.xml"
}

@test "server down: deployment, endpoint and request-response fail" {
  cfg=$(fixture_target)
  expect_fail check-inference-service-deployment "$cfg"
  expect_fail check-inference-endpoint "$cfg"
  expect_fail check-inference-request-response "$cfg"
  [[ "$output" == *"unreachable"* ]]
}

@test "server not ready: deployment and endpoint fail on readiness" {
  "$FIXTURE" start "$BATS_TEST_TMPDIR/srv" "$PORT" --ready-after 600
  cfg=$(fixture_target)
  expect_fail check-inference-service-deployment "$cfg"
  [[ "$output" == *"got '503', expected '200'"* ]]
  expect_fail check-inference-endpoint "$cfg"
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
  [[ "$output" == *"latency_p95 30"*"ms, objective <= 200 ms: missed"* ]]
  expect_fail check-inference-throughput "$cfg"
  [[ "$output" == *"throughput_per_gpu 0"*"objective >= 30 req/s: missed"* ]]
}

@test "errors under load: latency fails on the error rate" {
  "$FIXTURE" start "$BATS_TEST_TMPDIR/srv" "$PORT" --delay-ms 2 --error-every 5
  cfg=$(fixture_target)
  expect_fail check-inference-latency "$cfg"
  [[ "$output" == *"error_rate 0.2"*"objective <= 0.01 ratio: missed"* ]]
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
  # One worker process cannot send 5,000 requests a second on these CPUs: the run must say so.
  cfg=$(fixture_target inference.load.rate_rps=5000 inference.load.workers=1 inference.load.duration_s=1 \
    inference.load.max_requests=6000)
  run_check check-inference-latency "$cfg"
  [ "$status" -eq 1 ]
  [ "$status_of" = error ]
  [[ "$output" == *"could not keep its schedule"* ]]
}

@test "no inference section: every check skips with the reason" {
  run "$FW" run-tests --config "$ROOT/test-infra/configs/test-cloud-vm.yaml" --report-dir "$BATS_TEST_TMPDIR/none"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"0 passed, 0 failed, 0 errors, 11 skipped of 11"* ]]
  [[ "$output" == *"no inference endpoint in this target's config"* ]]
}
