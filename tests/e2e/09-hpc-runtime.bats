#!/usr/bin/env bats
# The HPC runtime framework on the local multi-node SLURM cluster (`stack up hpc`, which also runs the
# image registry, Prometheus and a node exporter per node): every check passes or skips with the
# reason, each fails on a broken node, and an interrupted run leaves nothing behind.
load hpc-helpers

FW=$ROOT/frameworks/test-hpc-runtime-framework.sh

# restart_node NODE: its slurmd re-reads its configuration (cgroup.conf is read at start only), and
# so does the controller.
restart_node() {
  "$STACK" node-stop "$1"
  "$STACK" node-start "$1"
  scontrol reconfigure
  all_idle
}

# no_job_leftovers: no job, no process of the job user but zombies, no container storage or run dir.
no_job_leftovers() {
  [ -z "$(squeue -h)" ] || { squeue >&2; return 1; }
  [ -z "$(ps -u ccjob -o stat=,args= | grep -v '^Z')" ] || { ps -u ccjob -o pid,stat,args >&2; return 1; }
  [ -z "$(ls -d /tmp/ccr-* "$HPC"/nodes/*/tmp/cc-ctr-* 2>/dev/null)" ] || { echo "container storage left" >&2; return 1; }
}

@test "the HPC runtime framework passes on the local cluster: 13 passed, DCGM and Grafana skipped with the reason" {
  report=$BATS_TEST_TMPDIR/report cfg=$BATS_TEST_TMPDIR/target.yaml
  # Every failure cause but the timeout: SLURM takes 60-90 s to end a job at its limit (whole minutes,
  # enforced every 30 s), which the check then waits for (91 s against 32 s without it, measured).
  # tests/python/test_job_diagnose.py feeds a real timeout's records to the diagnosis tool; the main
  # job (make test-hpc-runtime) runs all four causes.
  target_config "$cfg" 'hpc.runtime.job_scripts.causes=[exit, oom, node_failure]'
  # NVLink multicast off where the harness runs: every job it builds must carry it
  NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1 run "$FW" run-tests --config "$cfg" --report-dir "$report"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"hpc-runtime: 13 passed, 0 failed, 0 errors, 2 skipped of 15"* ]]
  python3 - "$report/artifacts/check-ddp-training/ranks.jsonl" <<'PY'
import json, sys
ranks = [json.loads(line) for line in open(sys.argv[1])]
assert len(ranks) == 2, ranks
for r in ranks:
    assert r["keep_env"] == {"NCCL_NVLS_ENABLE": "0", "TORCH_SYMM_MEM_DISABLE_MULTICAST": "1", "NVSHMEM_DISABLE_NVLS": "1"}, r
    assert r["allreduce"]["bytes"] == 32 * 1024 * 1024 and r["allreduce"]["correct"], r
PY
  grep -Eq 'check-ddp-training.metric.allreduce_busbw" value="[0-9.]+ GB/s &gt;= 0.05 GB/s: ok' "$report/junit.xml"
  xmllint --noout --schema "$ROOT/tests/fixtures/junit.xsd" "$report/junit.xml"
  grep -q 'message="no DCGM exporter configured (hpc.monitoring.dcgm_url; the local target has no GPU)"' "$report/junit.xml"
  grep -q 'message="no Grafana configured' "$report/junit.xml"
  grep -q 'check-ddp-training.metric.ddp_job_s' "$report/junit.xml"
  # the three causes, each diagnosed
  for cause in exit oom node_failure; do
    grep -q "\"cause\": \"$cause\"" "$report/artifacts/check-failure-diagnosis/diagnosis-$cause.json"
  done
  # the registry password never reaches a report
  [ -z "$(grep -rl 'cc-local-registry-Q7pZ2' "$report")" ]
  [ -z "$(ls -A "$HPC/jobs")" ]
  no_job_leftovers
  all_idle
}

@test "memory and devices not constrained: the cgroup checks and the container GPU check fail" {
  # Broken on cc-cn01; cc-cn02 drained meanwhile, so that every job lands on the broken node.
  cp "$HPC/etc/cgroup.conf" "$BATS_TEST_TMPDIR/cgroup.conf"
  # cc-cn02 resumed before the restart: restart_node waits for every node idle (60 s in vain otherwise)
  ON_TEARDOWN=("cp '$BATS_TEST_TMPDIR/cgroup.conf' '$HPC/etc/cgroup.conf'" "scontrol update nodename=cc-cn02 state=resume"
    "restart_node cc-cn01")
  sed -i -e 's/^ConstrainRAMSpace=yes/ConstrainRAMSpace=no/' -e 's/^ConstrainSwapSpace=yes/ConstrainSwapSpace=no/' \
    -e 's/^ConstrainDevices=yes/ConstrainDevices=no/' "$HPC/etc/cgroup.conf"
  restart_node cc-cn01
  scontrol update nodename=cc-cn02 state=drain reason=cc-test
  expect_fail check-cgroup-config
  [[ "$output" == *"cgroup.conf ConstrainRAMSpace is 'no', expected yes"* ]]
  expect_fail check-cgroup-memory-oom
  [[ "$output" == *"memory is not constrained (ConstrainRAMSpace)"* ]]
  expect_fail check-cgroup-gpu-devices
  [[ "$output" == *"a job that asked for no GPU can open gpu0,gpu1 (devices are not constrained)"* ]]
  expect_fail check-container-gpus
  [[ "$output" == *"the container can open GPU device(s) 'gpu0,gpu1', but the job holds GPU"* ]]
}

@test "jobs run as root: the container check fails - their containers would be root on the host" {
  target_config "$BATS_TEST_TMPDIR/root.yaml" hpc.runtime.job_user=root
  expect_fail check-container-user "$BATS_TEST_TMPDIR/root.yaml"
  [[ "$output" == *"jobs run as root (hpc.runtime.job_user 'root'): their containers run as root on the host"* ]]
}

@test "the registry serves a changed blob: the pull by digest is refused and the registry check fails" {
  blob=$(find "$HPC/registry/data/docker/registry/v2/blobs" -name data -size +100k | head -n 1)
  cp "$blob" "$BATS_TEST_TMPDIR/blob"
  ON_TEARDOWN=("cp '$BATS_TEST_TMPDIR/blob' '$blob'")
  python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(5000); b = f.read(1); f.seek(5000); f.write(bytes([b[0] ^ 0xff]))' "$blob"
  expect_fail check-registry-serves-image
  [[ "$output" == *"could not pull"*"Digest did not match"* ]]
}

# restart_registry: the registry starts again from its config file (the stack restarts what is down).
restart_registry() {
  local pid
  read -r pid _ <"$ROOT/.local-target/pids/registry.pid"
  kill -TERM -- "-$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  "$STACK" up hpc
}

@test "a registry without its login: the push-auth check fails; no login configured: skipped" {
  cp "$HPC/registry/config.yml" "$BATS_TEST_TMPDIR/registry.yml"
  ON_TEARDOWN=("cp '$BATS_TEST_TMPDIR/registry.yml' '$HPC/registry/config.yml'" restart_registry)
  python3 - "$HPC/registry/config.yml" <<'PY'
import sys, yaml
p = sys.argv[1]; c = yaml.safe_load(open(p)); c.pop("auth", None); yaml.safe_dump(c, open(p, "w"))
PY
  restart_registry >&3 2>&1
  expect_fail check-registry-push-auth
  [[ "$output" == *"a push without credentials was answered HTTP 202, not 401 (refused)"* ]]
  target_config "$BATS_TEST_TMPDIR/noauth.yaml" hpc.containers.registry.username='<unset>' hpc.containers.registry.password='<unset>'
  run_check check-registry-push-auth "$BATS_TEST_TMPDIR/noauth.yaml"
  [ "$status_of" = skipped ]
}

@test "an epilog and a diagnosis tool that do nothing: the job-scripts checks fail" {
  for f in epilog.sh job-diagnose; do cp "$HPC/etc/$f" "$BATS_TEST_TMPDIR/$f"; done
  ON_TEARDOWN=("cp '$BATS_TEST_TMPDIR/epilog.sh' '$HPC/etc/epilog.sh'" "cp '$BATS_TEST_TMPDIR/job-diagnose' '$HPC/etc/job-diagnose'")
  printf '#!/bin/sh\nexit 0\n' >"$HPC/etc/epilog.sh"
  printf '#!/bin/sh\nexit 0\n' >"$HPC/etc/job-diagnose"
  target_config "$BATS_TEST_TMPDIR/quick.yaml" 'hpc.runtime.job_scripts.causes=[exit]' hpc.runtime.job_scripts.record_wait_s=3
  expect_fail check-prolog-epilog "$BATS_TEST_TMPDIR/quick.yaml"
  [[ "$output" == *"no epilog record for job"*"(the epilog did not run)"* ]]
  expect_fail check-failure-diagnosis "$BATS_TEST_TMPDIR/quick.yaml"
  [[ "$output" == *"(exit, ended FAILED) left no diagnosis in $HPC/job-debug"* ]]
}

@test "a node exporter down: the monitoring check fails naming the node" {
  ON_TEARDOWN=("\"$STACK\" up hpc")
  read -r pid _ <"$ROOT/.local-target/pids/node-exporter-cc-cn02.pid"
  kill -TERM -- "-$pid"
  target_config "$BATS_TEST_TMPDIR/quick.yaml" hpc.monitoring.scrape_wait_s=4
  # Prometheus notices at its next scrape (every 2 s)
  sleep 3
  expect_fail check-node-exporters "$BATS_TEST_TMPDIR/quick.yaml"
  [[ "$output" == *"node exporter not up on: cc-cn02 (up = 0)"* ]]
  [[ "$output" != *"cc-cn01 ("* ]]
}

@test "ranks that do not see SLURM's world: the training check fails - world size, ranks, parameters" {
  wrapper=$HPC/jobs/lonely-python
  ON_TEARDOWN=("rm -f '$wrapper'")
  # every task believes it is rank 0 of 1, and the one on cc-cn02 trains 5 steps more
  # and it drops the NVLink multicast setting the harness keeps in jobs
  cat >"$wrapper" <<EOF
#!/bin/sh
export SLURM_NTASKS=1 SLURM_PROCID=0
unset NCCL_NVLS_ENABLE
steps=\$2
[ "\$(hostname)" != cc-cn02 ] || steps=\$((steps + 5))
exec $HPC/job-venv/bin/python "\$1" "\$steps" "\$3"
EOF
  chmod 755 "$wrapper"
  target_config "$BATS_TEST_TMPDIR/lonely.yaml" "hpc.runtime.training.python=$wrapper"
  NCCL_NVLS_ENABLE=0 expect_fail check-ddp-training "$BATS_TEST_TMPDIR/lonely.yaml"
  [[ "$output" == *"sees world size 1 (WORLD_SIZE=1), expected 2"* ]]
  [[ "$output" == *"the ranks disagree on the parameters after training"* ]]
  [[ "$output" == *"has NCCL_NVLS_ENABLE=(unset) in its job environment, the harness set 0"* ]]
}

@test "two ranks per node (one per GPU on a GPU host); an all-reduce under the floor fails naming the bus bandwidth" {
  target_config "$BATS_TEST_TMPDIR/floor.yaml" hpc.runtime.training.ranks_per_node=2 \
    hpc.runtime.training.busbw_floor_gbps=100000 hpc.runtime.training.allreduce_mb=8
  expect_fail check-ddp-training "$BATS_TEST_TMPDIR/floor.yaml"
  # the floor alone failed: four ranks, two on each node, agreed
  [[ "$output" == *"1 problem(s): allreduce_busbw "*" GB/s, objective >= 100000 GB/s: missed"* ]]
  ranks=$BATS_TEST_TMPDIR/r-check-ddp-training-$CHECK_RUNS/artifacts/check-ddp-training/ranks.jsonl
  [ "$(python3 -c 'import json,sys,collections; r=[json.loads(l) for l in open(sys.argv[1])]; print(sorted(x["rank"] for x in r), sorted(collections.Counter(x["host"] for x in r).values()))' "$ranks")" = "[0, 1, 2, 3] [2, 2]" ]
  # a floor asked for and no all-reduce timed: skipped saying so, never passed
  target_config "$BATS_TEST_TMPDIR/none.yaml" hpc.runtime.training.busbw_floor_gbps=1 hpc.runtime.training.allreduce_mb=0
  run_check check-ddp-training "$BATS_TEST_TMPDIR/none.yaml"
  [ "$status_of" = skipped ]
  [[ "$output" == *"the all-reduce bandwidth floor (busbw_floor_gbps 1 GB/s) is not judged: no all-reduce was timed"* ]]
}

@test "containers without the host's MPI stack: the MPI-in-containers check fails" {
  target_config "$BATS_TEST_TMPDIR/nompi.yaml" 'hpc.containers.bind=["/etc/openmpi"]'
  expect_fail check-container-mpi "$BATS_TEST_TMPDIR/nompi.yaml"
  [[ "$output" == *"the MPI job of containers failed"* ]]
}

@test "a DCGM URL that serves no GPU metrics, a Grafana URL that is not Grafana: both monitoring checks fail" {
  # real HTTP servers of the stack: a node exporter (no DCGM fields) and Prometheus (no /api/health)
  target_config "$BATS_TEST_TMPDIR/mon.yaml" hpc.monitoring.dcgm_url=http://10.99.0.11:19100/metrics \
    hpc.monitoring.grafana_url=http://127.0.0.1:19090
  expect_fail check-dcgm-metrics "$BATS_TEST_TMPDIR/mon.yaml"
  [[ "$output" == *"serves no DCGM_FI_DEV_GPU_UTIL"* ]]
  expect_fail check-grafana "$BATS_TEST_TMPDIR/mon.yaml"
  [[ "$output" == *"/api/health did not answer"* ]]
}

@test "monitoring judged per node and per part: a GPU without its DCGM series, Grafana without a token, Prometheus down" {
  # dcgm-exporter scrapes and Grafana's documented API answers, served over HTTP
  python3 -m http.server --bind 127.0.0.1 19301 --directory "$ROOT/tests/fixtures" >/dev/null 2>&1 3>&- &
  ON_TEARDOWN=("kill $!")
  wait_listening 19301
  target_config "$BATS_TEST_TMPDIR/ok.yaml" hpc.monitoring.dcgm_url=http://127.0.0.1:19301/dcgm/two-nodes.prom
  expect_pass check-dcgm-metrics "$BATS_TEST_TMPDIR/ok.yaml"
  [[ "$output" == *"for all 4 GPU(s) of 2 GPU node(s)"* ]]
  target_config "$BATS_TEST_TMPDIR/gpu1.yaml" hpc.monitoring.dcgm_url=http://127.0.0.1:19301/dcgm/cn02-gpu1-no-memory.prom
  expect_fail check-dcgm-metrics "$BATS_TEST_TMPDIR/gpu1.yaml"
  [[ "$output" == *"cc-cn02: 2 GPU(s), but DCGM_FI_DEV_FB_USED for 1"* ]]
  [[ "$output" != *"cc-cn01: "* ]]
  # without a token the datasource half is not done: a skip naming the key, never a pass
  target_config "$BATS_TEST_TMPDIR/g.yaml" hpc.monitoring.grafana_url=http://127.0.0.1:19301/grafana
  run_check check-grafana "$BATS_TEST_TMPDIR/g.yaml"
  [ "$status_of" = skipped ]
  [[ "$output" == *"Prometheus datasource not checked: no token (hpc.monitoring.grafana_token)"* ]]
  target_config "$BATS_TEST_TMPDIR/gt.yaml" hpc.monitoring.grafana_url=http://127.0.0.1:19301/grafana \
    hpc.monitoring.grafana_token=cc-test-token
  expect_fail check-grafana "$BATS_TEST_TMPDIR/gt.yaml"
  [[ "$output" == *"Grafana has no Prometheus datasource"* ]]
  # Prometheus not answering is said at once, not as every node's exporter missing
  target_config "$BATS_TEST_TMPDIR/prom.yaml" hpc.monitoring.prometheus_url=http://127.0.0.1:19302
  expect_fail check-node-exporters "$BATS_TEST_TMPDIR/prom.yaml"
  [[ "$output" == *"FAIL: Prometheus at http://127.0.0.1:19302 did not answer"* ]]
}

@test "a partition that gives a job one CPU per node: the CPU-binding check fails naming the -c 2 job" {
  ON_TEARDOWN=("scontrol update PartitionName=gpu MaxCPUsPerNode=UNLIMITED")
  scontrol update PartitionName=gpu MaxCPUsPerNode=1
  expect_fail check-cgroup-cpu-binding
  [[ "$output" == *"a job with -c 2 failed: "* ]]
  scontrol update PartitionName=gpu MaxCPUsPerNode=UNLIMITED
}

@test "no hpc section: every runtime check is skipped with the reason, exit 0" {
  target_config "$BATS_TEST_TMPDIR/nohpc.yaml" hpc='<unset>'
  run "$FW" run-tests --config "$BATS_TEST_TMPDIR/nohpc.yaml" --report-dir "$BATS_TEST_TMPDIR/report"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"hpc-runtime: 0 passed, 0 failed, 0 errors, 15 skipped of 15"* ]]
  [ "$(grep -c 'message="needs a SLURM cluster; this target configures none (hpc.slurm)"' "$BATS_TEST_TMPDIR/report/junit.xml")" -eq 15 ]
}

@test "SIGTERM during a run: no job, container, job-user process or job directory is left" {
  "$FW" run-tests --report-dir "$BATS_TEST_TMPDIR/report" >"$BATS_TEST_TMPDIR/run.log" 2>&1 3>&- &
  pid=$!
  # Interrupt while a container job runs: the runner's marker of a running check, not its progress line,
  # which is printed when the check has ended (killing then can land between two checks).
  for _ in $(seq 900); do [ -e "$BATS_TEST_TMPDIR/report/.running/check-container-user" ] && break; sleep 0.1; done
  [ -e "$BATS_TEST_TMPDIR/report/.running/check-container-user" ]
  sleep 1
  kill -TERM "$pid"
  wait "$pid" || true
  cat "$BATS_TEST_TMPDIR/run.log"
  grep -q 'interrupted by SIGTERM' "$BATS_TEST_TMPDIR/run.log"
  for _ in $(seq 100); do [ -z "$(squeue -h)" ] && break; sleep 0.1; done
  no_job_leftovers
  [ -z "$(ls -A "$HPC/jobs")" ]
}
