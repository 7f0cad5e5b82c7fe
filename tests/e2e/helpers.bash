# Shared by the end-to-end tests: the local target, its config, libvirt lookups.
ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
export PATH="$ROOT/.venv/bin:$PATH" NO_COLOR=1
FW=$ROOT/frameworks/test-cloud-vm-framework.sh
CFG=$ROOT/test-infra/configs/local.yaml
CLUSTERS=$ROOT/test-infra/configs/local-cluster.yaml
# ai-how's files: one state file per cluster, GPU owners in global-state.json beside them.
STATE=$ROOT/.local-target/ai-how/cloud-state.json
HPC_STATE=$ROOT/.local-target/ai-how/hpc-state.json
GLOBAL_STATE=$ROOT/.local-target/ai-how/global-state.json

# ai_how cloud|hpc ACTION: the reference CLI on the local target's cluster YAML, with that cluster's state.
ai_how() {
  local state=$STATE
  [[ "$1" != hpc ]] || state=$HPC_STATE
  clustercheck-ai-how --state "$state" "$1" "$2" "$CLUSTERS"
}

# edit_json FILE PYTHON: change a JSON file in place (s is its content).
edit_json() {
  python3 -c 'import json,sys; p=sys.argv[1]; s=json.load(open(p)); exec(sys.argv[2]); json.dump(s, open(p, "w"), indent=2)' "$1" "$2"
}

virsh_q() { virsh -q -c qemu:///system "$@"; }

# wait_listening PORT: until something listens on 127.0.0.1:PORT (a process started in the background
# takes longer to bind on a busy machine; a fixed sleep would race it). 60 s at most.
wait_listening() {
  for _ in $(seq 600); do
    ss -Hltn "sport = :$1" | grep -q . && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1 after 60 s" >&2
  return 1
}

# broken_config FILE: local.yaml with absolute paths and the broken CLI from tests/fixtures. A CLI
# that only says it started a VM leaves a check waiting for a guest that never answers: 40 s (a guest
# boots in under 10 s here) instead of the default 120 s before it fails.
broken_config() {
  sed -e "s#\.\./\.\./#$ROOT/#g" -e "s#^  cli: .*#  cli: $ROOT/tests/fixtures/broken-ai-how#" \
    -e "s#^  cli_config: .*#  cli_config: $CLUSTERS#" -e "s#^    vm_ready_s: .*#    vm_ready_s: 40#" "$CFG" >"$1"
  grep -q '^    vm_ready_s: 40$' "$1"
}

junit_status() { # junit_status FILE CHECK -> passed|failure|error|skipped
  python3 - "$1" "$2" <<'PY'
import sys, xml.etree.ElementTree as ET
case = next(c for c in ET.parse(sys.argv[1]).iter("testcase") if c.get("name") == sys.argv[2])
kids = [k.tag for k in case if k.tag in ("failure", "error", "skipped")]
print(kids[0] if kids else "passed")
PY
}

# yaml_set FILE KEY=YAML...: set dotted keys in a YAML file (numbers index lists; missing maps are
# made; KEY=<unset> removes KEY).
yaml_set() {
  python3 "$ROOT/test-infra/lib/yaml-set.py" "$@"
}

# run_check CHECK [CONFIG]: run one check of the framework $FW alone; $status_of is its JUnit status.
# CC_E2E_TIMING=1 prints each run's seconds to the terminal (where a slow e2e file spends its time).
CHECK_RUNS=0
run_check() {
  CHECK_RUNS=$((CHECK_RUNS + 1))
  local report=$BATS_TEST_TMPDIR/r-$1-$CHECK_RUNS
  local t0=$SECONDS
  run "$FW" run-test "$1" --report-dir "$report" ${2:+--config "$2"}
  [ -z "${CC_E2E_TIMING:-}" ] || echo "# TIMING $1 $((SECONDS - t0))s ${BROKEN:-}" >&3
  # the verdict line joins the output: a passed check's message is not in the summary table
  output+=$'\n'"$(cat "$report/artifacts/$1/output.log" 2>/dev/null | grep -E '^(PASS|FAIL|SKIP|ERROR): ' | tail -n 1)"
  echo "$output"
  status_of=$(junit_status "$report/junit.xml" "$1")
}

# expect_fail CHECK [CONFIG]: the check fails (not passes, errors or skips).
expect_fail() {
  run_check "$@"
  [ "$status" -eq 1 ]
  [ "$status_of" = failure ]
}

# metric_between NAME LOW HIGH: the value $output gives for metric NAME ("NAME 161.2 ms, objective ...")
# lies in [LOW, HIGH] - a bound on a measured figure, never its digits, which move with the machine.
metric_between() {
  local value
  value=$(grep -oE "$1 [-0-9.e+]+ " <<<"$output" | head -n 1 | cut -d ' ' -f 2)
  echo "# $1 = ${value:-none} (expected $2..$3)"
  [ -n "$value" ]
  awk -v v="$value" -v lo="$2" -v hi="$3" 'BEGIN { exit (v + 0 >= lo + 0 && v + 0 <= hi + 0) ? 0 : 1 }'
}

# expect_pass CHECK [CONFIG]: the check passes.
expect_pass() {
  run_check "$@"
  [ "$status" -eq 0 ]
  [ "$status_of" = passed ]
}

# target_config OUT KEY=YAML...: local.yaml with absolute paths and the dotted keys set
# (KEY=<unset> removes KEY). Keys under clusters. go into a copy of the cluster YAML (OUT.clusters.yaml),
# which OUT then points at.
target_config() {
  local out=$1 item
  local -a mine=() theirs=()
  shift
  for item in "$@"; do
    if [[ "$item" == clusters.* ]]; then theirs+=("$item"); else mine+=("$item"); fi
  done
  sed -e "s#\.\./\.\./#$ROOT/#g" -e "s#^  cli_config: .*#  cli_config: $CLUSTERS#" "$CFG" >"$out"
  if ((${#theirs[@]})); then
    sed -e "s#\.\./\.\./#$ROOT/#g" "$CLUSTERS" >"$out.clusters.yaml"
    yaml_set "$out.clusters.yaml" "${theirs[@]}"
    mine+=("cloud_vm.cli_config=$out.clusters.yaml")
  fi
  ((${#mine[@]} == 0)) || yaml_set "$out" "${mine[@]}"
}

# stack_release [PART]: a file is done with (PART of) the local target. Alone, the file stops it; under
# tests/e2e/run-all.sh (make test-e2e) it stays up for the next file and is stopped after the last.
stack_release() {
  [[ "${E2E_KEEP_STACK:-}" == 1 ]] || "$ROOT/test-infra/local/stack" down "$@"
}

# A test that breaks the target registers how to repair it (ON_TEARDOWN): it runs pass or fail.
ON_TEARDOWN=()
teardown() {
  local cmd
  for cmd in "${ON_TEARDOWN[@]}"; do eval "$cmd" >&3 2>&1 || true; done
}

# e2e_failed_logs REPORT_DIR: the last lines each failed or erred check wrote (a guest's console, the
# command that failed), which the summary table leaves out: what CI's log keeps of a failure.
e2e_failed_logs() {
  local log
  for log in "$1"/artifacts/*/output.log; do
    [[ -f "$log" ]] || continue
    grep -qE '^(FAIL|ERROR): ' "$log" || continue
    echo "--- ${log#"$1"/artifacts/} (last 30 lines) ---"
    tail -n 30 "$log"
  done
}

# e2e_passes REPORT_DIR [CONFIG]: the framework's e2e exits 0 and writes a report valid against the JUnit XSD
# (its output stays in $output for the test's own assertions).
e2e_passes() {
  run "$FW" e2e --report-dir "$1" ${2:+--config "$2"}
  echo "$output"
  [ "$status" -eq 0 ] || { e2e_failed_logs "$1"; return 1; }
  xmllint --noout --schema "$ROOT/tests/fixtures/junit.xsd" "$1/junit.xml"
}
