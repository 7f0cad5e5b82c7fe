#!/usr/bin/env bats
# The check runner: exit-code mapping, timeouts, retries, dependency skips, parallel jobs, interrupts.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  export PATH="$ROOT/.venv/bin:$PATH" NO_COLOR=1
  SUITE=$BATS_TEST_TMPDIR/suite
  mkdir -p "$SUITE"
  export RUN_DIR=$BATS_TEST_TMPDIR/run RUN_NAME=unit RUN_CONFIG_FILE='' RUN_CONFIG_ENV=/dev/null
  export RUN_JOBS=1 RUN_TIMEOUT=5 RUN_RETRIES=0 RUN_FILTER=''
}

# mk NAME BODY [HEADER]: a check file in the temp suite.
mk() {
  printf '#!/usr/bin/env bash\n# Check: %s\n%s\n%s\n' "$1" "${3:-}" "$2" >"$SUITE/$1.sh"
}

run_suite() {
  run bash -c 'source "$1/test-infra/lib/init.sh"; source "$1/test-infra/lib/runner.sh";
    mapfile -t files < <(runner::discover "$2"); runner::run "${files[@]}"' _ "$ROOT" "$SUITE"
}

status_of() { python3 -c 'import json,sys; print({json.loads(l)["name"]: json.loads(l)["status"] for l in open(sys.argv[1])}[sys.argv[2]])' "$RUN_DIR/results.jsonl" "$1"; }
message_of() { python3 -c 'import json,sys; print({json.loads(l)["name"]: json.loads(l)["message"] for l in open(sys.argv[1])}[sys.argv[2]])' "$RUN_DIR/results.jsonl" "$1"; }

@test "exit codes map to passed, failed, skipped and error" {
  mk check-a 'echo fine; exit 0'
  mk check-b 'echo "FAIL: memory 128 MiB, expected 192"; exit 1'
  mk check-c 'echo "SKIP: no GPU configured"; exit 77'
  mk check-d 'echo boom; exit 3'
  run_suite
  [ "$status" -eq 1 ]
  [ "$(status_of check-a)" = passed ]
  [ "$(status_of check-b)" = failed ]
  [ "$(message_of check-b)" = "memory 128 MiB, expected 192" ]
  [ "$(status_of check-c)" = skipped ]
  [ "$(message_of check-c)" = "no GPU configured" ]
  [ "$(status_of check-d)" = error ]
  [[ "$(message_of check-d)" == "exit code 3: boom" ]]
  grep -q 'unit: 1 passed, 1 failed, 1 errors, 1 skipped of 4' <<<"$output"
  xmllint --noout --schema "$ROOT/tests/fixtures/junit.xsd" "$RUN_DIR/junit.xml"
}

@test "all passed or skipped exits 0" {
  mk check-a 'exit 0'
  mk check-b 'echo "SKIP: nothing to do"; exit 77'
  run_suite
  [ "$status" -eq 0 ]
}

@test "a check past its timeout is killed and reported as an error" {
  mk check-slow 'sleep 30' '# timeout: 1'
  SECONDS=0
  run_suite
  # Reference: the check itself would have run 30 s; killed at 1 s, the run ends long before that.
  [ "$SECONDS" -lt 20 ]
  [ "$(status_of check-slow)" = error ]
  [ "$(message_of check-slow)" = "timed out after 1s" ]
  grep -q 'timed out after 1s' "$RUN_DIR/junit.xml"
}

@test "retries rerun a failing check and mark a pass on retry as flaky" {
  mk check-flaky "f=$BATS_TEST_TMPDIR/count; n=\$(cat \$f 2>/dev/null || echo 0); echo \$((n+1)) >\$f; [ \$n -ge 1 ]"
  mk check-broken 'exit 1'
  RUN_RETRIES=2 run_suite
  [ "$(status_of check-flaky)" = passed ]
  grep -q '"name":"check-flaky".*"attempts":2,"flaky":true' "$RUN_DIR/results.jsonl"
  grep -q '"name":"check-broken".*"attempts":3,"flaky":false' "$RUN_DIR/results.jsonl"
  grep -q 'check-flaky.flaky' "$RUN_DIR/junit.xml"
  [ "$(grep -c '<testcase' "$RUN_DIR/junit.xml")" -eq 2 ]
}

@test "a check whose dependency failed is skipped as blocked, saying why its blocker failed" {
  mk check-a 'echo "FAIL: the check failed its way"; exit 1'
  mk check-b 'exit 0' '# depends: check-a'
  mk check-c 'exit 0' '# depends: check-b'
  run_suite
  [ "$(status_of check-b)" = skipped ]
  [ "$(message_of check-b)" = "blocked by check-a (failed: the check failed its way)" ]
  [ "$(message_of check-c)" = "blocked by check-a (failed: the check failed its way)" ]
  [ "$(status_of check-c)" = skipped ]
}

@test "ORDER file sets the run order; filter selects by name" {
  mk check-a 'exit 0'
  mk check-b 'exit 0'
  mk check-c 'exit 0'
  printf 'check-c\ncheck-a\n' >"$SUITE/ORDER"
  run bash -c 'source "$1/test-infra/lib/init.sh"; source "$1/test-infra/lib/runner.sh"; runner::discover "$2" | xargs -n1 basename' _ "$ROOT" "$SUITE"
  [ "$output" = "$(printf 'check-c.sh\ncheck-a.sh\ncheck-b.sh')" ]
  RUN_FILTER='-(a|b)$' run bash -c 'source "$1/test-infra/lib/init.sh"; source "$1/test-infra/lib/runner.sh"; runner::discover "$2" | xargs -n1 basename' _ "$ROOT" "$SUITE"
  [ "$output" = "$(printf 'check-a.sh\ncheck-b.sh')" ]
}

@test "parallel jobs run checks at the same time" {
  # A barrier, not a stopwatch: each check waits until all four have started, which only happens when
  # they run at once; run one after another, the first would wait out its timeout and be an error.
  for n in 1 2 3 4; do
    mk "check-$n" "touch '$BATS_TEST_TMPDIR/started-$n'
for _ in \$(seq 600); do [ \$(ls '$BATS_TEST_TMPDIR' | grep -c '^started-') -eq 4 ] && exit 0; sleep 0.1; done
exit 1" '# timeout: 90'
  done
  RUN_JOBS=4 RUN_TIMEOUT=90 run_suite
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(wc -l <"$RUN_DIR/results.jsonl")" -eq 4 ]
  [ "$(grep -c '"status":"passed"' "$RUN_DIR/results.jsonl")" -eq 4 ]
}

@test "metrics land as properties with their verdict; a missed threshold fails the check" {
  mk check-m "source $ROOT/test-infra/checks/check.sh; check::init; check::metric p95 412 ms '<=' 500; check::metric rps 40 req/s '>=' 50 || true; check::finish ok"
  CC_CONFIG_ENV=/dev/null run_suite
  [ "$(status_of check-m)" = failed ]
  grep -q 'check-m.metric.p95" value="412 ms &lt;= 500 ms: ok"' "$RUN_DIR/junit.xml"
  grep -q 'check-m.metric.rps" value="40 req/s &gt;= 50 req/s: missed"' "$RUN_DIR/junit.xml"
  [[ "$(message_of check-m)" == *"rps 40 req/s, objective >= 50 req/s: missed"* ]]
}

@test "a judged metric that is not a number errors naming it: empty, nan and None never pass" {
  mk check-empty "source $ROOT/test-infra/checks/check.sh; check::init; check::metric p95 '' ms '<=' 200 || true; check::finish ok"
  mk check-nan "source $ROOT/test-infra/checks/check.sh; check::init; check::metric rps nan req/s '>=' 30 || true; check::finish ok"
  mk check-none "source $ROOT/test-infra/checks/check.sh; check::init; check::metric rps None req/s '>=' 30 || true; check::finish ok"
  mk check-sci "source $ROOT/test-infra/checks/check.sh; check::init; check::metric err 1e-3 ratio '<=' 0.01; check::metric p 5. ms '<' .5e2; check::finish ok"
  CC_CONFIG_ENV=/dev/null run_suite
  [ "$(status_of check-empty)" = error ]
  [[ "$(message_of check-empty)" == *"metric p95: got '', not a number: <= 200 ms cannot be judged"* ]]
  [ "$(status_of check-nan)" = error ]
  [[ "$(message_of check-nan)" == *"metric rps: got 'nan', not a number"* ]]
  [ "$(status_of check-none)" = error ]
  [ "$(status_of check-sci)" = passed ]
}

@test "an objective is judged against the threshold the config sets, never a copy of it" {
  cfg=$ROOT/test-infra/configs/local.yaml # inference.objectives.p95_ms 500, no goodput.min_share
  mk check-ok "source $ROOT/test-infra/checks/check.sh; check::init; check::objective latency_p95 412 ms '<=' inference.objectives.p95_ms; check::finish ok"
  mk check-miss "source $ROOT/test-infra/checks/check.sh; check::init; check::objective latency_p95 612 ms '<=' inference.objectives.p95_ms || true; check::finish ok"
  mk check-unset "source $ROOT/test-infra/checks/check.sh; check::init; check::objective goodput_share 0.9 ratio '>=' inference.objectives.goodput.min_share || true; check::finish ok"
  mk check-nan "source $ROOT/test-infra/checks/check.sh; check::init; check::objective latency_p95 None ms '<=' inference.objectives.p95_ms || true; check::finish ok"
  CC_CONFIG_ENV=/dev/null CC_CONFIG_FILE=$cfg run_suite
  [ "$(status_of check-ok)" = passed ]
  grep -q 'check-ok.metric.latency_p95" value="412 ms &lt;= 500 ms: ok"' "$RUN_DIR/junit.xml"
  [ "$(status_of check-miss)" = failed ]
  [[ "$(message_of check-miss)" == *"latency_p95 612 ms, objective <= 500 ms: missed"* ]]
  [ "$(status_of check-unset)" = error ]
  [[ "$(message_of check-unset)" == *"objective inference.objectives.goodput.min_share: not set in $cfg"* ]]
  [ "$(status_of check-nan)" = error ]
  [[ "$(message_of check-nan)" == *"metric latency_p95: got 'None', not a number"* ]]
}

@test "SIGTERM mid-run: running check killed, report valid, unfinished checks are errors" {
  mk check-a 'exit 0'
  mk check-b "sleep 60 & echo \$! >$BATS_TEST_TMPDIR/child; wait"
  mk check-c 'exit 0'
  # a timeout far beyond the test's span: only the interrupt can have ended check-b
  export RUN_TIMEOUT=120
  SECONDS=0
  bash -c 'source "$1/test-infra/lib/init.sh"; source "$1/test-infra/lib/runner.sh";
    trap "runner::interrupt SIGTERM; runner::report; exit 143" TERM
    mapfile -t files < <(runner::discover "$2"); runner::run "${files[@]}"' _ "$ROOT" "$SUITE" &
  pid=$!
  for _ in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/child" ] && break; sleep 0.2; done
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  [ "$rc" -eq 143 ]
  [ "$SECONDS" -lt 30 ]
  sleep 0.5
  # gone, or a zombie that PID 1 has not reaped yet (in a container it may never)
  [[ "$(ps -o stat= -p "$(cat "$BATS_TEST_TMPDIR/child")")" =~ ^(Z.*)?$ ]]
  xmllint --noout --schema "$ROOT/tests/fixtures/junit.xsd" "$RUN_DIR/junit.xml"
  [ "$(grep -c '<testcase' "$RUN_DIR/junit.xml")" -eq 3 ]
  [ "$(status_of check-a)" = passed ]
  [[ "$(message_of check-b)" == "interrupted by SIGTERM"* ]]
  grep -q 'check-c.*' "$RUN_DIR/junit.xml"
  grep -A2 'name="check-c"' "$RUN_DIR/junit.xml" | grep -q 'did not run'
}

@test "a secret a check prints is masked in its artifacts, record, progress line and reports" {
  export RUN_SECRETS_FILE=$BATS_TEST_TMPDIR/secrets
  printf '%s\n' 'hunter2-Qx9' 'a.b*c[d]$' >"$RUN_SECRETS_FILE"
  mk check-leaky 'echo "token hunter2-Qx9 and a.b*c[d]$ in the output"
    printf "{\"name\":\"lat\",\"value\":\"1\",\"unit\":\"ms\",\"op\":\"<=\",\"threshold\":\"hunter2-Qx9\",\"verdict\":\"ok\"}\n" >"$CC_ARTIFACT_DIR/metrics.jsonl"
    echo "hunter2-Qx9" >"$CC_ARTIFACT_DIR/dump.txt"
    echo "FAIL: login hunter2-Qx9 refused"; exit 1'
  run_suite
  [ "$status" -eq 1 ]
  [[ "$output" == *"login ******** refused"* ]]
  [[ "$output" != *hunter2-Qx9* ]]
  [ -z "$(grep -rlF -e hunter2-Qx9 -e 'a.b*c[d]$' "$RUN_DIR")" ]
  grep -q 'token \*\*\*\*\*\*\*\* and \*\*\*\*\*\*\*\* in the output' "$RUN_DIR/artifacts/check-leaky/output.log"
  xmllint --noout --schema "$ROOT/tests/fixtures/junit.xsd" "$RUN_DIR/junit.xml"
}

@test "with a baseline: a passed check whose metric regressed fails naming it, a failed one adds it to its message; within and new pass; too noisy is named; history kept" {
  export RUN_CONFIG_FILE=$ROOT/test-infra/configs/local.yaml RUN_HISTORY=$BATS_TEST_TMPDIR/history.jsonl
  export RUN_BASELINE=$BATS_TEST_TMPDIR/base.json
  cat >"$RUN_BASELINE" <<'JSON'
{"clustercheck_baseline": 1, "target": "local", "metrics": {
  "check-slow": {"latency_p50": {"value": 10, "unit": "ms"}},
  "check-own": {"latency_p50": {"value": 10, "unit": "ms"}},
  "check-same": {"latency_p50": {"value": 10, "unit": "ms"}},
  "check-noisy": {"latency_p50": {"value": 10, "runs": [5, 10, 30], "unit": "ms"}}}}
JSON
  mk check-slow "source $ROOT/test-infra/checks/check.sh; check::init; check::metric latency_p50 25 ms; check::finish ok"
  mk check-same "source $ROOT/test-infra/checks/check.sh; check::init; check::metric latency_p50 10.5 ms; check::finish ok"
  mk check-new "source $ROOT/test-infra/checks/check.sh; check::init; check::metric rps 40 req/s; check::finish ok"
  mk check-noisy "source $ROOT/test-infra/checks/check.sh; check::init; check::metric latency_p50 12 ms; check::finish fine"
  mk check-own "source $ROOT/test-infra/checks/check.sh; check::init; check::metric latency_p50 30 ms '<=' 20 || true; check::finish ok"
  CC_CONFIG_ENV=/dev/null run_suite
  echo "$output"
  [ "$status" -eq 1 ]
  [ "$(status_of check-slow)" = failed ]
  [ "$(message_of check-slow)" = "regressed against the baseline: latency_p50 25 ms vs baseline 10 ms (1 run) (+150.0%, tolerance 20%, lower is better) - worse than its 1 run (10 ms; noise not measured) by 15 ms, more than the allowance 2 ms (20% of the median)" ]
  [ "$(status_of check-same)" = passed ]
  [ "$(status_of check-new)" = passed ]
  # runs spread 25 ms, the allowance 2 ms: neither a pass nor a failure of the metric, and said so
  [ "$(status_of check-noisy)" = passed ]
  [ "$(message_of check-noisy)" = "fine; baseline: too noisy to judge: latency_p50" ]
  grep -q "latency_p50 12 ms vs baseline 10 ms (median of 3 runs, 5-30 ms) (+20.0%, tolerance 20%, lower is better): too-noisy - the baseline's 3 runs spread 25 ms" "$RUN_DIR/artifacts/check-noisy/output.log"
  # failed on its own objective: its message first, the regression after it
  [ "$(status_of check-own)" = failed ]
  [[ "$(message_of check-own)" == *"latency_p50"*"; regressed against the baseline: latency_p50 30 ms vs baseline 10 ms (1 run) (+200.0%"* ]]
  grep -q 'baseline: rps 40 req/s: new (no baseline value)' "$RUN_DIR/artifacts/check-new/output.log"
  grep -q 'check-slow.metric.latency_p50.change_pct" value="150.0"' "$RUN_DIR/junit.xml"
  # one history line for the run, every metric in it (failed checks too)
  [ "$(wc -l <"$RUN_HISTORY")" -eq 1 ]
  grep -q '"check-slow": {"latency_p50": 25.0}' "$RUN_HISTORY"
}
