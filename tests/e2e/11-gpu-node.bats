#!/usr/bin/env bats
# The GPU node framework on the local SLURM cluster (gpu_node.runs_on: slurm; local.yaml places it on
# Kubernetes, whose Jobs 12-kubernetes-local.bats runs): every node's simulated GPUs probed through one srun
# (the passive checks judge them; the active ones skip, the GPUs being simulated), a sick GPU named by
# node and GPU, the opt-in drain naming the check, and slurmd's health check program draining a node
# whose GPU goes bad between runs.
load hpc-helpers

FW=$ROOT/frameworks/test-gpu-node-framework.sh
DEVICES=$ROOT/tests/fixtures/gpu-node/local

# sick_devices DIR NODE FIELDS_JSON: DIR holds the healthy default.json and NODE.json with GPU 0 changed.
sick_devices() {
  mkdir -p "$1"
  cp "$DEVICES/default.json" "$1/default.json"
  python3 - "$DEVICES/default.json" "$1/$2.json" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["gpus"][0].update(json.loads(sys.argv[3]))
json.dump(d, open(sys.argv[2], "w"))
PY
}

@test "the GPU node framework on the local cluster: both nodes probed in one srun; passive checks pass, active ones skip as simulated" {
  report=$BATS_TEST_TMPDIR/report
  target_config "$BATS_TEST_TMPDIR/c.yaml" gpu_node.runs_on=slurm
  run "$FW" run-tests --config "$BATS_TEST_TMPDIR/c.yaml" --report-dir "$report"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"gpu-node: 6 passed, 0 failed, 0 errors, 6 skipped of 12"* ]]
  xmllint --noout --schema "$ROOT/tests/fixtures/junit.xsd" "$report/junit.xml"
  grep -q '2 GPU node(s) probed at once (gpu_node.runs_on: slurm) (simulated GPUs' "$report/junit.xml"
  grep -q 'simulated GPUs (NVML answers from default.json): the active checks need a real GPU (nodes cc-cn01, cc-cn02)' "$report/junit.xml"
  [ "$(grep -c '^cc-cn0[12]	passed' "$report/artifacts/check-gpu-memory-health/nodes.tsv")" -eq 2 ]
  grep -q "<section id='nodes'>" "$report/report.html"
  [ -z "$(squeue -h)" ]
  all_idle
}

@test "a pending row remap on one node and an XID 79 on the other: each named by node and GPU; with drain_on_failure the node is drained naming the check" {
  ON_TEARDOWN=(settle)
  sick_devices "$BATS_TEST_TMPDIR/dev" cc-cn02 '{"remapped_rows": [0, 1, 1, 0]}'
  python3 - "$BATS_TEST_TMPDIR/dev/default.json" "$BATS_TEST_TMPDIR/dev/cc-cn01.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["gpus"][1]["xid_events"] = [{"xid": 79, "after_s": 0.2}]
json.dump(d, open(sys.argv[2], "w"))
PY
  target_config "$BATS_TEST_TMPDIR/c.yaml" gpu_node.runs_on=slurm gpu_node.simulated.devices_dir="$BATS_TEST_TMPDIR/dev" gpu_node.drain_on_failure=true
  run "$FW" run-tests --config "$BATS_TEST_TMPDIR/c.yaml" --report-dir "$BATS_TEST_TMPDIR/report"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"check-gpu-memory-health"*"cc-cn02: GPU 0 (00000000:1b:00.0): a row remap is pending"* ]]
  [[ "$output" == *"check-gpu-xid"*"cc-cn01: GPU 1 (00000000:43:00.0): XID 79 at "* ]]
  # the report's node x check table: each node's cell of each check, coloured by its result
  table=$(sed -n "s/.*\(<section id='nodes'>.*\)/\1/p" "$BATS_TEST_TMPDIR/report/report.html")
  [[ "$table" == *"<th>gpu-memory-health</th>"*">failed</span>"*">skipped</span>"* ]]
  [ "$(sinfo -h -N -n cc-cn02 -o '%T|%E')" = "drained|cc-gpu-node: check-gpu-memory-health: GPU 0 (00000000:1b:00.0): a row remap is pending (a reset is needed to apply it)" ]
  [[ "$(sinfo -h -N -n cc-cn01 -o '%T|%E')" == "drained|cc-gpu-node: check-gpu-xid: GPU 1 (00000000:43:00.0): XID 79 at "* ]]
}

@test "drain_on_failure off (the default): a failing node is named, not drained" {
  sick_devices "$BATS_TEST_TMPDIR/dev" cc-cn01 '{"pcie": {"gen": 3, "width": 8}}'
  target_config "$BATS_TEST_TMPDIR/c.yaml" gpu_node.runs_on=slurm gpu_node.simulated.devices_dir="$BATS_TEST_TMPDIR/dev"
  expect_fail check-gpu-pcie-link "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"cc-cn01: GPU 0 (00000000:1b:00.0): link trained at gen 3 x8 of gen 5 x16"* ]]
  [[ "$output" != *"cc-cn02:"* ]]
  [ "$(sinfo -h -N -o '%T' | sort -u)" = idle ]
}

@test "a node whose NVML does not answer: the probe check names it; the other checks still judge the node that answered" {
  mkdir -p "$BATS_TEST_TMPDIR/dev"
  cp "$DEVICES/default.json" "$BATS_TEST_TMPDIR/dev/default.json"
  echo "not json" >"$BATS_TEST_TMPDIR/dev/cc-cn02.json"
  target_config "$BATS_TEST_TMPDIR/c.yaml" gpu_node.runs_on=slurm gpu_node.simulated.devices_dir="$BATS_TEST_TMPDIR/dev"
  run "$FW" run-tests --config "$BATS_TEST_TMPDIR/c.yaml" --report-dir "$BATS_TEST_TMPDIR/report" --filter 'probe|memory-health'
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"FAIL  check-gpu-probe"*"cc-cn02: NVML unavailable (JSONDecodeError)"* ]]
  [[ "$output" == *"FAIL  check-gpu-memory-health"*"1 problem(s): cc-cn02: no probe: NVML unavailable"* ]]
  grep -q '^cc-cn01	passed' "$BATS_TEST_TMPDIR/report/artifacts/check-gpu-memory-health/nodes.tsv"
}

@test "a GPU that goes bad between runs: slurmd's health check program drains its node naming the GPU probe; healed, SLURM resumes it" {
  ON_TEARDOWN=("rm -f '$DEVICES/cc-cn02.json'" settle)
  sick_devices "$BATS_TEST_TMPDIR/dev" cc-cn02 '{"clock_reasons": 64}'
  cp "$BATS_TEST_TMPDIR/dev/cc-cn02.json" "$DEVICES/cc-cn02.json"
  for _ in $(seq 60); do [[ "$(sinfo -h -N -n cc-cn02 -o %T)" == drain* ]] && break; sleep 0.5; done
  [ "$(sinfo -h -N -n cc-cn02 -o '%T|%E')" = "drained|cc-health: gpu: throttle: GPU 0 (00000000:1b:00.0): clocks held down by hw_thermal_slowdown" ]
  [ "$(sinfo -h -N -n cc-cn01 -o %T)" = idle ]
  rm -f "$DEVICES/cc-cn02.json"
  for _ in $(seq 60); do [[ "$(sinfo -h -N -n cc-cn02 -o %T)" == idle ]] && break; sleep 0.5; done
  [ "$(sinfo -h -N -n cc-cn02 -o '%T|%E')" = "idle|none" ]
}
