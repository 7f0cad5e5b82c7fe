#!/usr/bin/env bats
# The MLOps stack on the local target: the framework end to end, every check failing on a broken
# target (S3 down, wrong secret, bucket missing, table dropped, artifact deleted, model server
# stopped, ...), no secret in any output, and `stack up|down` leaving nothing behind.
load helpers

FW=$ROOT/frameworks/test-mlops-stack-framework.sh
STACK=$ROOT/test-infra/local/stack
MLOPS_STATE=$ROOT/.local-target/mlops
# Every port of the local MLOps stack (test-infra/configs/local.yaml).
MLOPS_PORTS=(18333 19333 18080 18888 15432 15000 15001 18081 18082 18083)

setup_file() {
  "$STACK" up mlops >&3 2>&1
}

teardown_file() {
  stack_release mlops >&3 2>&1 || true
}

# A test that breaks the target registers how to repair it (ON_TEARDOWN): it runs pass or fail.
ON_TEARDOWN=()
teardown() {
  local cmd
  for cmd in "${ON_TEARDOWN[@]}"; do eval "$cmd" >&3 2>&1 || true; done
}

# kill_service NAME: end one stack service abruptly (its process group, by the PID the stack keeps).
kill_service() {
  local pid started
  read -r pid started <"$ROOT/.local-target/pids/$1.pid"
  kill -KILL -- "-$pid"
  while still_running "$pid" "$started"; do sleep 0.1; done
}

# still_running PID START_TIME: that very process (not a zombie, not a later one with its PID) lives.
still_running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -ra f <<<"${stat##*) }"
  [[ "${f[0]}" != Z && "${f[19]}" == "$2" ]]
}

pg_sql() {
  runuser -u postgres -- psql -qAt -h "$MLOPS_STATE/pg/run" -p 15432 -d mlflow -c "$1"
}

# secrets_absent DIR...: no secret value of the config appears in any file under DIR.
secrets_absent() {
  local secret
  while IFS= read -r secret; do
    [ -n "$secret" ]
    if grep -rlF -- "$secret" "$@"; then
      echo "secret value found in the files above"
      return 1
    fi
  done < <(clustercheck config secrets "$CFG" | python3 -c 'import json,sys; print(*json.load(sys.stdin), sep="\n")')
}

# host_listener PORT: what listens on PORT at this host's loopback or every address, where the MLOps
# stack binds. The SLURM and Kubernetes nodes reach its services through forwards on their bridges'
# addresses (10.99.0.1:15000): those belong to the other components, which run on beside this file under
# make test.
host_listener() {
  ss -Hltn "sport = :$1" | awk '$4 ~ /^(127\.0\.0\.1|0\.0\.0\.0|\*|\[::\]|\[::1\]|\[::ffff:127\.0\.0\.1\]):[0-9]+$/'
}

@test "stack up twice is harmless: the running services are kept" {
  before=$(cat "$ROOT"/.local-target/pids/{s3,mlflow,model-server,mlserver}.pid)
  run "$STACK" up mlops
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cat "$ROOT"/.local-target/pids/{s3,mlflow,model-server,mlserver}.pid)" = "$before" ]
  run "$STACK" status mlops
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "e2e on the local target: every check passes but the six KServe ones, skipped with the reason" {
  report=$BATS_TEST_TMPDIR/report
  # a target whose cluster runs no KServe by design (KServe on the local cluster: 12-kubernetes-local.bats)
  target_config "$BATS_TEST_TMPDIR/no-kserve.yaml" kubernetes.local.kserve='<unset>' kubernetes.expected.kserve=false
  e2e_passes "$report" "$BATS_TEST_TMPDIR/no-kserve.yaml"
  [[ "$output" == *"mlops-stack: 16 passed, 0 failed, 0 errors, 6 skipped of 22"* ]]
  for check in check-kserve-installation check-knative-serving check-cert-manager \
    check-inference-service-crd check-mlflow-serving-runtime check-inference-service-deploy; do
    [ "$(junit_status "$report/junit.xml" "$check")" = skipped ]
  done
  grep -q 'the cluster runs no KServe by design (kubernetes.expected.kserve: false)' "$report/junit.xml"
  printf '%s' "$output" >"$report/console.log"
  secrets_absent "$report" "$ROOT/.local-target/logs"
}

@test "S3 down: every minio check fails" {
  ON_TEARDOWN=("\"$STACK\" up mlops")
  kill_service s3
  for check in check-minio-deployment check-minio-buckets check-minio-storage check-minio-api \
    check-minio-upload-download; do
    expect_fail "$check"
    [[ "$output" == *"Could not connect to the endpoint URL"* || "$output" == *"bucket "*" exists"* ]]
  done
  "$STACK" up mlops
  expect_pass check-minio-deployment
}

@test "wrong S3 secret: deployment, api and upload-download fail as refused" {
  target_config "$BATS_TEST_TMPDIR/c.yaml" mlops.s3.secret_key=not-the-secret
  expect_fail check-minio-deployment "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"SignatureDoesNotMatch"* || "$output" == *"AccessDenied"* || "$output" == *"HTTP 403"* ]]
  expect_fail check-minio-api "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"SignatureDoesNotMatch"* || "$output" == *"AccessDenied"* || "$output" == *"403"* ]]
  expect_fail check-minio-upload-download "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"SignatureDoesNotMatch"* || "$output" == *"AccessDenied"* || "$output" == *"403"* ]]
  [[ "$output" != *not-the-secret* ]]
}

@test "bucket missing: the buckets check names it; storage fails below the free-space floor" {
  ON_TEARDOWN=("clustercheck s3 ensure-buckets --config '$CFG'")
  "$ROOT/tests/fixtures/s3-tool" "$CFG" rb clustercheck-data
  expect_fail check-minio-buckets
  [[ "$output" == *"bucket clustercheck-data exists"* ]]
  clustercheck s3 ensure-buckets --config "$CFG" >/dev/null
  expect_pass check-minio-buckets
  target_config "$BATS_TEST_TMPDIR/c.yaml" mlops.s3.min_free_gib=1000000
  expect_fail check-minio-storage "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"s3_free"* ]]
}

@test "PostgreSQL down, wrong password, too old: the postgresql checks fail" {
  ON_TEARDOWN=("\"$STACK\" up mlops")
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$MLOPS_STATE/pg/data" -m fast -w stop >/dev/null
  for check in check-postgresql-deployment check-postgresql-connection check-mlflow-schema; do
    expect_fail "$check"
    # each names the server it could not reach, not some other fault
    [[ "$output" == *"15432"* || "$output" == *"onnect"* || "$output" == *"refused"* ]]
  done
  "$STACK" up mlops
  expect_pass check-postgresql-deployment
  target_config "$BATS_TEST_TMPDIR/pw.yaml" mlops.postgresql.password=wrong-password
  expect_fail check-postgresql-connection "$BATS_TEST_TMPDIR/pw.yaml"
  [[ "$output" == *"password authentication failed"* ]]
  target_config "$BATS_TEST_TMPDIR/v.yaml" mlops.postgresql.min_major_version=99
  expect_fail check-postgresql-deployment "$BATS_TEST_TMPDIR/v.yaml"
  [[ "$output" == *"postgresql_major_version "*"objective >= 99 major: missed"* ]]
}

@test "MLflow table dropped: the schema check names it" {
  pg_sql 'ALTER TABLE model_version_tags RENAME TO model_version_tags_aside'
  ON_TEARDOWN=("pg_sql 'ALTER TABLE IF EXISTS model_version_tags_aside RENAME TO model_version_tags'")
  expect_fail check-mlflow-schema
  [[ "$output" == *model_version_tags* ]]
  pg_sql 'ALTER TABLE model_version_tags_aside RENAME TO model_version_tags' 
  expect_pass check-mlflow-schema
}

@test "a restart that loses data: the persistence check fails" {
  target_config "$BATS_TEST_TMPDIR/c.yaml" \
    "mlops.postgresql.restart_command=$ROOT/tests/fixtures/pg-restart-forgetful"
  expect_fail check-postgresql-persistence "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"the marker row survived the restart (got: missing)"* ]]
}

@test "no restart command: the persistence marker is written by one run and read back by the next" {
  target_config "$BATS_TEST_TMPDIR/c.yaml" mlops.postgresql.restart_command="<unset>"
  pg_sql 'DROP TABLE IF EXISTS clustercheck_persistence'
  run "$FW" run-test check-postgresql-persistence --report-dir "$BATS_TEST_TMPDIR/r1" --config "$BATS_TEST_TMPDIR/c.yaml"
  echo "$output"
  [ "$(junit_status "$BATS_TEST_TMPDIR/r1/junit.xml" check-postgresql-persistence)" = skipped ]
  expect_pass check-postgresql-persistence "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"not restarted (no mlops.postgresql.restart_command): the marker of the previous run survived"* ]]
}

@test "MLflow stopped: every mlflow check fails" {
  ON_TEARDOWN=("\"$STACK\" up mlops")
  kill_service mlflow
  for check in check-mlflow-deployment check-mlflow-api check-mlflow-experiment check-mlflow-backend-store \
    check-mlflow-artifact-store check-mlflow-model-registry; do
    expect_fail "$check"
    [[ "$output" == *"15000"* || "$output" == *"nreachable"* || "$output" == *"refused"* ]]
  done
  "$STACK" up mlops
  expect_pass check-mlflow-deployment
}

@test "model artifact deleted from the bucket: the artifact-store check fails" {
  prefix=$(clustercheck mlflow model-artifacts --config "$CFG" | awk -F '\t' '$1 == "artifact_key_prefix" {print $2}')
  file=$(clustercheck mlflow model-artifacts --config "$CFG" | awk -F '\t' '$1 == "model_file" {print $2}')
  [ -n "$prefix" ]
  [ -n "$file" ]
  "$ROOT/tests/fixtures/s3-tool" "$CFG" mv mlflow-artifacts "$prefix/$file" "aside/$file"
  ON_TEARDOWN=("'$ROOT/tests/fixtures/s3-tool' '$CFG' mv mlflow-artifacts 'aside/$file' '$prefix/$file'")
  expect_fail check-mlflow-artifact-store
  [[ "$output" == *"served model's $file in the bucket (got: missing"* ]]
  "$ROOT/tests/fixtures/s3-tool" "$CFG" mv mlflow-artifacts "aside/$file" "$prefix/$file"
  ON_TEARDOWN=()
  expect_pass check-mlflow-artifact-store
}

@test "model server stopped or answering wrong: the serving check fails" {
  target_config "$BATS_TEST_TMPDIR/c.yaml" mlops.serving.samples.0.output=2
  expect_fail check-model-serving "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"sample 0 prediction: got '0', expected '2'"* ]]
  ON_TEARDOWN=("\"$STACK\" up mlops")
  kill_service model-server
  expect_fail check-model-serving
  [[ "$output" == *"mlflow"*"ready"* ]]
  "$STACK" up mlops
  expect_pass check-model-serving
}

@test "ansible provisions the stack: the playbook runs and changes nothing the second time" {
  rm -f "$MLOPS_STATE/.provisioned"
  run "$STACK" up mlops
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"provisioning with ansible/mlops.yml"* ]]
  grep -Eq 'localhost +: ok=[0-9]+ +changed=[0-9]+ +unreachable=0 +failed=0' "$ROOT/.local-target/logs/ansible-mlops.log"
  run "$STACK" up mlops
  [[ "$output" != *"provisioning with"* ]]
}

@test "stack down leaves no process, port or temp file; no secret in the logs" {
  cat "$ROOT"/.local-target/pids/{s3,mlflow,model-server,mlserver,postgresql}.pid >"$BATS_TEST_TMPDIR/pids"
  run "$STACK" down mlops
  echo "$output"
  [ "$status" -eq 0 ]
  while read -r pid started; do
    if still_running "$pid" "$started"; then echo "pid $pid still running after stack down" >&2; return 1; fi
  done <"$BATS_TEST_TMPDIR/pids"
  for port in "${MLOPS_PORTS[@]}"; do
    [ -z "$(host_listener "$port")" ]
  done
  [ -z "$(find "$MLOPS_STATE/mlflow/tmp" "$MLOPS_STATE/serving/tmp" -mindepth 1 2>/dev/null)" ]
  [ ! -e "$ROOT/.local-target/pids/s3.pid" ]
  run "$STACK" status mlops
  [ "$status" -eq 1 ]
  secrets_absent "$ROOT/.local-target/logs"
}

@test "a port already taken: stack up names it and starts nothing" {
  # SO_REUSEADDR: the stack's own connections may still be in TIME_WAIT on this port.
  python3 -c 'import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 15000))
s.listen()
time.sleep(60)' &
  holder=$!
  wait_listening 15000
  run "$STACK" up mlops
  kill "$holder"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"port 15000 on 127.0.0.1 (MLflow) is already in use"* ]]
  [ ! -e "$ROOT/.local-target/pids/s3.pid" ]
  [ -z "$(host_listener 18333)" ]
}
