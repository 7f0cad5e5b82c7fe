#!/usr/bin/env bats
# The HPC SLURM framework on the local multi-node cluster (`stack up hpc`: MariaDB + slurmdbd, MUNGE,
# slurmctld, two slurmd nodes each in its own network namespace): every check passes, each fails on a
# broken cluster, an interrupted run leaves nothing behind, and no target -> skipped with the reason.
load hpc-helpers

FW=$ROOT/frameworks/test-hpc-slurm-framework.sh

# stop_daemon NAME: end one of the stack's daemons abruptly, by the PID the stack keeps.
stop_daemon() {
  signal_daemon "$1" KILL
}

# signal_daemon NAME SIGNAL: send SIGNAL to the daemon's process group and wait until it is gone.
signal_daemon() {
  local pid started
  read -r pid started <"$ROOT/.local-target/pids/$1.pid"
  kill -"$2" -- "-$pid"
  while [ -e "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do sleep 0.1; done
}

daemon_pid() { awk '{ print $1 }' "$ROOT/.local-target/pids/$1.pid"; }

# restart_controller: stop slurmctld the way an operator would (TERM: it saves its state), start it again.
restart_controller() {
  signal_daemon slurmctld TERM
  "$STACK" up hpc
}

# on_node NODE CMD...: run CMD in the node's mount namespace (where its slurmd and jobs run).
on_node() {
  local node=$1
  shift
  nsenter -t "$(daemon_pid "slurmd-$node")" -m "$@"
}

# nothing_left: no namespace, veth, bridge, daemon (registry, Prometheus, exporters too), MariaDB or cgroup
# directory of the cluster.
nothing_left() {
  local node
  for node in "${NODES[@]}"; do
    [ ! -e "/run/netns/$node" ] || { echo "namespace $node left" >&2; return 1; }
    ! ls -d /sys/fs/cgroup/*/"slurm_$node" 2>/dev/null || { echo "cgroups of $node left" >&2; return 1; }
  done
  ! ip link show cc-slurm0 >/dev/null 2>&1 || { echo "bridge left" >&2; return 1; }
  [ -z "$(ip -o link show | grep -E 'cc-slurmv[0-9]')" ] || { echo "veth left" >&2; return 1; }
  for port in 16817 16819 13306 15100 19090; do
    ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "port $port still open" >&2; return 1; }
  done
  [ -z "$(ps -eo args | grep -E "^(slurmctld|slurmdbd|mariadbd|slurmd|docker-registry|prometheus|prometheus-node-exporter) .*$ROOT" | grep -v grep)" ] || { echo "daemons left" >&2; return 1; }
  # the port forwards into the nodes (hpc.local.host_ports), bound to the nodes' bridge address
  [ -z "$(ps -eo args | grep -E '^socat TCP-LISTEN:[0-9]+,bind=10\.99\.0\.1,' | grep -v grep)" ] || { echo "port forwards left" >&2; return 1; }
}

@test "stack up hpc twice keeps the daemons; two nodes idle with two GPUs, each its own host and address" {
  before=$(cat "$ROOT"/.local-target/pids/{munged,mariadb,slurmdbd,slurmctld,slurmd-cc-cn01,slurmd-cc-cn02}.pid)
  run "$STACK" up hpc
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cat "$ROOT"/.local-target/pids/{munged,mariadb,slurmdbd,slurmctld,slurmd-cc-cn01,slurmd-cc-cn02}.pid)" = "$before" ]
  run "$STACK" status hpc
  [ "$status" -eq 0 ]
  [ "$(sinfo -h -N -o '%N %T %G')" = "$(printf 'cc-cn01 idle gpu:2\ncc-cn02 idle gpu:2')" ]
  run srun -N2 -l bash -c 'echo "$(hostname) $(ip -4 -o addr show eth0 | awk "{print \$4}")"'
  [[ "$output" == *"cc-cn01 10.99.0.11/24"* && "$output" == *"cc-cn02 10.99.0.12/24"* ]]
}

@test "the HPC SLURM framework passes on the local cluster; nothing is left behind" {
  report=$BATS_TEST_TMPDIR/report
  run "$FW" run-tests --report-dir "$report"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"hpc-slurm: 27 passed, 0 failed, 0 errors, 1 skipped of 28"* ]]
  xmllint --noout --schema "$ROOT/tests/fixtures/junit.xsd" "$report/junit.xml"
  # the GPUs are device files made with mknod: GRES verified, the devices a skip naming why
  grep -q 'message="SLURM hands a job 2 GRES GPUs on cc-cn01,cc-cn02 (SLURM_GPUS_ON_NODE, CUDA_VISIBLE_DEVICES); the devices themselves not checked: no nvidia-smi on any node"' "$report/junit.xml"
  grep -q 'check-mpi-pi.metric.pi_error' "$report/junit.xml"
  # per-node values of the node-health checks are artifacts
  grep -q "^cc-cn02	writable=yes free_mib=" "$report/artifacts/check-node-scratch/node-values.tsv"
  [ -z "$(squeue -h)" ]
  [ -z "$(ls -A "$HPC/jobs")" ]
  all_idle
}

@test "load from 2 SLURM workers, one per node: the latency check passes with merged TTFT, TPOT and goodput and each worker's share; a slow first token fails it" {
  local srv=$BATS_TEST_TMPDIR/srv addr=10.99.0.1 port=18961 art
  ON_TEARDOWN+=("$ROOT/tests/fixtures/fixture-server stop $srv")
  # a streaming (OpenAI-compatible) server on the cluster's bridge address: the workers' traffic stays
  # between namespaces made here
  "$ROOT/tests/fixtures/fixture-server" start "$srv" "$port" --host "$addr" --ttft-ms 5 --itl-ms 1
  cfg=$BATS_TEST_TMPDIR/placed.yaml
  target_config "$cfg" "inference.endpoint={url: 'http://$addr:$port', protocol: openai-completions, model_name: cc-llm, size: 'D(8,8)'}" \
    'inference.load={rate_rps: 100, duration_s: 3, warmup_s: 0.5, distributed: {runs_on: slurm, workers: 2, start_lead_s: 2}}' \
    'inference.objectives={p95_ms: 100, goodput: {ttft_ms: 50, tpot_ms: 20, min_share: 0.95}}'
  FW=$ROOT/frameworks/test-inference-framework.sh expect_pass check-inference-latency "$cfg"
  [[ "$output" == *"goodput 1.0 of requests within ttft_ms <= 50, tpot_ms <= 20 at 100 req/s (open loop, constant) from 2 SLURM job steps in partition gpu - worker 0 on cc-cn0"*", worker 1 on cc-cn0"* ]]
  art=$BATS_TEST_TMPDIR/r-check-inference-latency-1/artifacts/check-inference-latency
  # one worker per node, each sending half of the one schedule (350 arrivals, warm-up included)
  [ "$(grep -E '^hosts\.[01]	' "$art/load.tsv" | cut -f2 | sort -u | paste -sd, -)" = cc-cn01,cc-cn02 ]
  [ "$(grep -cE '^share\.[01]	175$' "$art/load.tsv")" -eq 2 ]
  grep -q 'name="check-inference-latency.metric.ttft_p50" value="[0-9.]* ms"' "$BATS_TEST_TMPDIR/r-check-inference-latency-1/junit.xml"
  grep -q 'name="check-inference-latency.metric.tpot_p50"' "$BATS_TEST_TMPDIR/r-check-inference-latency-1/junit.xml"
  "$ROOT/tests/fixtures/fixture-server" start "$srv" "$port" --host "$addr" --ttft-ms 150 --itl-ms 1
  FW=$ROOT/frameworks/test-inference-framework.sh expect_fail check-inference-latency "$cfg"
  [[ "$output" == *"ms, objective <= 100 ms: missed"* ]]
  metric_between latency_p95 150 60000  # the first token 150 ms late, at least
  [[ "$output" == *"objective >= 0.95 ratio: missed"* ]]
  metric_between goodput_share 0 0.94
  [ -z "$(squeue -h)" ]
  [ -z "$(ls -A "$HPC/jobs")" ]
}

@test "munged stopped: the MUNGE check fails, and so does the controller check" {
  ON_TEARDOWN=("\"$STACK\" up hpc" settle)
  stop_daemon munged
  expect_fail check-munge-auth
  [[ "$output" == *"munge could not issue a credential"* ]]
  expect_fail check-slurm-controller
  [[ "$output" == *"slurmctld does not answer: "* ]]
  "$STACK" up hpc
  expect_pass check-munge-auth
}

@test "slurmctld stopped: the controller check fails" {
  ON_TEARDOWN=("\"$STACK\" up hpc" settle)
  stop_daemon slurmctld
  expect_fail check-slurm-controller
  [[ "$output" == *"slurmctld does not answer"* ]]
}

@test "slurmdbd stopped: the accounting check fails" {
  ON_TEARDOWN=("\"$STACK\" up hpc" settle)
  stop_daemon slurmdbd
  expect_fail check-slurm-accounting
  [[ "$output" == *"slurmdbd does not answer sacctmgr"* ]]
}

@test "a job missing from accounting: the accounting check fails" {
  sql() { mariadb --no-defaults -S "$HPC/db-run/mysqld.sock" -u root slurm_acct_db -e "$1"; }
  ON_TEARDOWN=("sql 'DROP TRIGGER IF EXISTS cc_lose_jobs'")
  # The database files every new job under another id: the job the check ran is not in sacct.
  sql 'CREATE TRIGGER cc_lose_jobs BEFORE INSERT ON `cc-slurm_job_table` FOR EACH ROW SET NEW.id_job = NEW.id_job + 1000000'
  expect_fail check-slurm-accounting
  [[ "$output" == *"finished but is missing from accounting"* ]]
}

@test "a cluster that gathers no job usage (jobacct_gather/none): the usage check fails on MaxRSS" {
  cp "$SLURM_CONF" "$BATS_TEST_TMPDIR/slurm.conf"
  ON_TEARDOWN=("cp \"$BATS_TEST_TMPDIR/slurm.conf\" \"$SLURM_CONF\"" restart_controller restart_nodes settle)
  sed -i 's#^JobAcctGatherType=.*#JobAcctGatherType=jobacct_gather/none#' "$SLURM_CONF"
  restart_controller
  restart_nodes
  all_idle
  expect_fail check-slurm-job-usage
  [[ "$output" == *"step_max_rss "*" MiB, objective >= 64 MiB: missed"* ]]
}

@test "a daemon listening in the MPI port range on one node: the port check names the node and port; another range expected: it says which" {
  nsenter --net=/run/netns/cc-cn02 timeout 60 python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 12345)); s.listen(); time.sleep(60)' 3>&- &
  LISTENER=$!
  ON_TEARDOWN=("kill $LISTENER")
  for _ in $(seq 50); do nsenter --net=/run/netns/cc-cn02 ss -Htln | grep -q ':12345 ' && break; sleep 0.1; done
  expect_fail check-slurm-mpi-ports
  [[ "$output" == *"cc-cn02: port(s) 12345 of the MPI range 12000-12999 already in use (listening)"* ]]
  [[ "$output" != *"cc-cn01: "* ]]
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.slurm.mpi_ports=13000-13999
  expect_fail check-slurm-mpi-ports "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"MpiParams port range: got '12000-12999', expected '13000-13999'"* ]]
}

@test "a cluster subnet the host already routes elsewhere: the subnet check names the subnet and the route" {
  expect_pass check-network-subnets
  [[ "$output" == *"hpc.local.subnet 10.99.0.0/24"* ]]
  # the cluster's network, said to be on another bridge: the host's route for it is then someone else's
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.local.bridge=cc-other0
  expect_fail check-network-subnets "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"hpc.local.subnet 10.99.0.0/24 overlaps the host's route 10.99.0.0/24 dev cc-slurm0"* ]]
}

@test "an OCI bundle without its runtime spec: the container check fails with runc's error; no bundle configured: skipped" {
  ON_TEARDOWN=("mv \"$HPC/oci-bundle/config.json.away\" \"$HPC/oci-bundle/config.json\"")
  mv "$HPC/oci-bundle/config.json" "$HPC/oci-bundle/config.json.away"
  expect_fail check-slurm-container
  [[ "$output" == *"srun --container=$HPC/oci-bundle failed"* ]]
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.slurm.oci="<unset>"
  run_check check-slurm-container "$BATS_TEST_TMPDIR/c.yaml"
  [ "$status_of" = skipped ]
  [[ "$output" == *"no OCI bundle configured (hpc.slurm.oci.bundle"* ]]
}

@test "a MUNGE key others can read on one node: the key check names the node and the mode" {
  ON_TEARDOWN=("chmod 600 \"$HPC/nodes/cc-cn02/munge/munge.key\"")
  chmod 644 "$HPC/nodes/cc-cn02/munge/munge.key"
  expect_fail check-node-munge-key
  [[ "$output" == *"cc-cn02: $HPC/munge/munge.key has mode 644: others can read it"* ]]
  [[ "$output" != *"cc-cn01: "* ]]
}

@test "a cluster older than the configured minimum SLURM and PMIx versions: controller and PMIx checks fail naming both" {
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.slurm.min_version='"99.11"' hpc.slurm.min_pmix_version='"9.0"'
  expect_fail check-slurm-controller "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"SLURM 22.05."*" is older than the minimum hpc.slurm.min_version 99.11"* ]]
  expect_fail check-slurm-pmix "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"PMIx 4."*" is older than the minimum hpc.slurm.min_pmix_version 9.0"* ]]
}

@test "the config names an MPI plugin srun does not offer: the PMIx check fails" {
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.slurm.mpi=pmix_v9
  expect_fail check-slurm-pmix "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"srun --mpi=list does not offer pmix_v9 (offered: "*"pmix"* ]]
}

@test "nodes drained: controller, srun and sbatch fail at once, naming each node's state and reason" {
  ON_TEARDOWN=(settle)
  scontrol update nodename=cc-cn[01-02] state=drain reason=clustercheck-test
  drained="cc-cn01 (drained: drained; reason: clustercheck-test); cc-cn02 (drained: drained; reason: clustercheck-test)"
  expect_fail check-slurm-controller
  [[ "$output" == *"no node of partition gpu takes jobs: $drained"* ]]
  start=$SECONDS
  expect_fail check-slurm-srun
  [[ "$output" == *"partition gpu is UP but none of its nodes takes jobs: $drained"* ]]
  expect_fail check-slurm-sbatch
  [[ "$output" == *"none of its nodes takes jobs: $drained"* ]]
  ((SECONDS - start < 10))
  [ -z "$(squeue -h)" ]
}

@test "partition DOWN: the whole framework ends within 30 s; every job check fails or is blocked naming the partition's state" {
  ON_TEARDOWN=("scontrol update partitionname=gpu state=up" settle)
  scontrol update partitionname=gpu state=down
  start=$SECONDS
  run "$FW" run-tests --report-dir "$BATS_TEST_TMPDIR/report"
  echo "$output"
  [ "$status" -eq 1 ]
  ((SECONDS - start <= 30))
  [[ "$output" == *"hpc-slurm: 2 passed, "* ]]
  [[ "$output" == *"check-slurm-controller "*"FAILED"*"partition gpu is DOWN: SLURM starts no job in it"* ]]
  # every check that did not pass says why in the partition's words
  [ "$(grep -E '^check-[a-z-]+ +(FAILED|SKIPPED)' <<<"$output" | grep -vc 'partition gpu is DOWN')" -eq 0 ]
  [ -z "$(squeue -h)" ]
}

@test "one node drained: registration and node health pass naming it with SLURM's reason; the jobs run on the other" {
  ON_TEARDOWN=(settle)
  scontrol update nodename=cc-cn02 state=drain reason="cc-test: firmware update"
  expect_pass check-node-registration
  [[ "$output" == *"out of service: cc-cn02 (drained: drained; reason: cc-test: firmware update)"* ]]
  expect_pass check-node-scratch
  [[ "$output" == *"not checked: cc-cn02 out of service (drained: drained; reason: cc-test: firmware update)"* ]]
  expect_pass check-all-nodes-job
  [[ "$output" == *"not checked: cc-cn02"* ]]
}

@test "a node registered with fewer CPUs and no GRES: registration and node GPU checks name it" {
  cp "$SLURM_CONF" "$BATS_TEST_TMPDIR/slurm.conf"
  # A node definition change needs a slurmctld restart (scontrol reconfigure refuses it).
  ON_TEARDOWN=("cp \"$BATS_TEST_TMPDIR/slurm.conf\" \"$SLURM_CONF\"" restart_controller settle)
  sed -i 's/^\(NodeName=cc-cn02 .*\) CPUs=2 \(.*\) Gres=gpu:2/\1 CPUs=1 \2/' "$SLURM_CONF"
  grep -q '^NodeName=cc-cn02 .*CPUs=1 RealMemory=2048 State' "$SLURM_CONF"
  restart_controller
  expect_fail check-node-registration
  [[ "$output" == *"cc-cn02 registered with 1 CPUs, expected 2; 0 GRES GPUs (Gres=(null)), expected 2"* ]]
  [[ "$output" != *"cc-cn01 registered"* ]]
  expect_fail check-node-gpus
  [[ "$output" == *"cc-cn02: "* && "$output" != *"cc-cn01: "* ]]
}

@test "a busy cluster: one node full, a pending job planned by backfill on the other - the checks pass or say busy at once naming the jobs; in a reservation the job checks run" {
  ON_TEARDOWN=(settle)
  # cc-cn01 full for ten minutes; a two-node job waits for it, and backfill plans it on cc-cn02
  hold=$(sbatch --parsable -p gpu -w cc-cn01 -n2 --time=10 -o /dev/null --wrap 'sleep 600')
  sbatch --parsable -p gpu -N2 -n2 --time=5 -o /dev/null --wrap true >/dev/null
  for _ in $(seq 40); do [ "$(sinfo -h -N -o '%N %T' | tr '\n' ' ')" = "cc-cn01 allocated cc-cn02 planned " ] && break; sleep 0.5; done
  [ "$(sinfo -h -N -o '%N %T' | tr '\n' ' ')" = "cc-cn01 allocated cc-cn02 planned " ]
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.slurm.busy_wait_s=5
  # one check of each kind (per-node health, a job over every node, a one-node job): the rest of their
  # suites read the cluster the same way and cost CI a minute and a half more
  run "$FW" run-tests --config "$BATS_TEST_TMPDIR/c.yaml" --report-dir "$BATS_TEST_TMPDIR/report" \
    --filter '^check-(node-scratch|all-nodes-job|slurm-srun)$'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *" 0 failed, 0 errors, "* ]]
  # node health ran on the planned node, and names the full one
  [[ "$output" == *"check-node-scratch "*"PASSED"* ]]
  grep -q '^cc-cn02	writable=yes' "$BATS_TEST_TMPDIR/report/artifacts/check-node-scratch/node-values.tsv"
  grep -q '^cc-cn01	NOT CHECKED busy' "$BATS_TEST_TMPDIR/report/artifacts/check-node-scratch/node-values.tsv"
  # a job over both nodes cannot start: skipped with the reason, not failed
  [[ "$output" == *"check-all-nodes-job "*"SKIPPED"*"busy: not checked"*"cc-cn01 allocated"* ]]
  [[ "$output" == *"check-slurm-srun "*"PASSED"* ]]
  [ "$(squeue -h -j "$hold" -o %T)" = RUNNING ]
  # the site's way: a reservation on the free node - the job checks run there while cc-cn01 stays busy,
  # and one that needs both nodes is named short of the reservation
  ON_TEARDOWN=("scontrol delete reservation=cc-e2e-acceptance" "${ON_TEARDOWN[@]}")
  scontrol create reservation ReservationName=cc-e2e-acceptance Nodes=cc-cn02 StartTime=now Duration=10 \
    Users=root Flags=IGNORE_JOBS
  target_config "$BATS_TEST_TMPDIR/r.yaml" hpc.slurm.busy_wait_s=5 hpc.slurm.reservation=cc-e2e-acceptance
  run "$FW" run-tests --config "$BATS_TEST_TMPDIR/r.yaml" --report-dir "$BATS_TEST_TMPDIR/resv" \
    --filter '^check-(all-nodes-job|slurm-srun|slurm-sbatch)$'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"check-slurm-srun "*"PASSED"* ]]
  [[ "$output" == *"check-slurm-sbatch "*"PASSED"* ]]
  [[ "$output" == *"check-all-nodes-job "*"SKIPPED"*"not in reservation cc-e2e-acceptance"* ]]
  grep -q -- '--reservation=cc-e2e-acceptance' "$BATS_TEST_TMPDIR/resv/artifacts/check-slurm-srun/slurm.log"
  [ "$(squeue -h -j "$hold" -o %T)" = RUNNING ]
}

@test "a node whose MUNGE key differs: the node MUNGE check names it" {
  other=$HPC/test-other-munge
  # slurmd restarted with the right key registers at once (instead of at the controller's next ping)
  ON_TEARDOWN=("stop_other_munged" "rm -rf \"$other\"" "\"$STACK\" node-stop cc-cn02" "\"$STACK\" up hpc" settle)
  mkdir -p "$other"
  mungekey --create --keyfile="$other/munge.key"
  chown -R munge:munge "$other"
  stop_other_munged() { [ -z "${MUNGED_PID:-}" ] || kill "$MUNGED_PID" 2>/dev/null || true; sleep 0.5; }
  stop_daemon munged-cc-cn02
  node_dir=$HPC/nodes/cc-cn02/munge
  runuser -u munge -- munged -F --socket="$node_dir/munge.socket" --key-file="$other/munge.key" \
    --pid-file="$other/munged.pid" --seed-file="$other/seed" --log-file="$other/log" 3>&- &
  MUNGED_PID=$!
  for _ in $(seq 50); do [ -S "$node_dir/munge.socket" ] && break; sleep 0.1; done
  expect_fail check-node-munge
  [[ "$output" == *"cc-cn02: "* ]]
  [[ "$output" != *"cc-cn01: "* ]]
}

@test "a node that cannot reach the others: the TCP check names the pair" {
  block=(iptables -I INPUT -s 10.99.0.11 -j DROP)
  ON_TEARDOWN=("nsenter --net=/run/netns/cc-cn02 iptables -D INPUT -s 10.99.0.11 -j DROP")
  nsenter --net=/run/netns/cc-cn02 "${block[@]}"
  expect_fail check-node-network
  [[ "$output" == *"cc-cn01 cannot reach cc-cn02 over TCP"* ]]
}

@test "MPI not installed on one node: the MPI job fails" {
  lib=$(readlink -f /usr/lib/x86_64-linux-gnu/libmpi.so.40)
  ON_TEARDOWN=("on_node cc-cn02 umount \"$lib\"")
  on_node cc-cn02 mount --bind /dev/null "$lib"
  expect_fail check-mpi-allreduce
  [[ "$output" == *"the MPI job (2 nodes x 2 ranks) failed"* ]]
  [[ "$output" == *"cc-cn02"* ]]
}

@test "a wrong pi: the pi example fails with the error it found" {
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.slurm.examples.pi_intervals=10
  expect_fail check-mpi-pi "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"pi_error 0.000833"*"objective <= 1e-6"*"missed"* ]]
}

@test "a node whose slurmd is down: the node slurmd check names it" {
  ON_TEARDOWN=("\"$STACK\" node-start cc-cn02" settle)
  "$STACK" node-stop cc-cn02
  # as an operator finds it: the controller has flagged the node not responding (a job launched at a
  # node whose death it has not noticed yet stays COMPLETING on every node of the job for minutes)
  for _ in $(seq 120); do [[ "$(sinfo -h -N -n cc-cn02 -o %T)" == *'*' ]] && break; sleep 0.5; done
  expect_fail check-node-slurmd
  [[ "$output" == *"cc-cn02: not taking jobs ("*"not responding"* ]]
  [[ "$output" != *"cc-cn01: "* ]]
  expect_fail check-node-registration
  [[ "$output" == *"cc-cn02 is not usable ("*"*: "*"not responding"* ]]
}

@test "a node whose clock is off: the clock check names it; too little scratch: every node named" {
  fake=$BATS_TEST_TMPDIR/date
  printf '#!/bin/bash\nprintf "%%s.000000000\\n" "$(( $(printf "%%(%%s)T" -1) + 100 ))"\n' >"$fake"
  chmod 755 "$fake"
  ON_TEARDOWN=("on_node cc-cn02 umount /usr/bin/date")
  on_node cc-cn02 mount --bind "$fake" /usr/bin/date
  expect_fail check-node-clock
  [[ "$output" == *"cc-cn02: clock off by "*"s from the controller's (max 2s)"* ]]
  [[ "$output" != *"cc-cn01: clock"* ]]
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.slurm.scratch_min_free_mib=1000000000
  expect_fail check-node-scratch "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"cc-cn01: "*"MiB free in $HPC/node-tmp, expected at least 1000000000"* ]]
  [[ "$output" == *"cc-cn02: "*"MiB free"* ]]
}

@test "a node whose scratch is full: slurmd's health check program drains it naming the probe, the check fails; freed, SLURM resumes it" {
  ON_TEARDOWN=("on_node cc-cn02 umount \"$HPC/node-tmp\"" settle)
  on_node cc-cn02 mount -t tmpfs -o size=1m cc-full "$HPC/node-tmp"
  # no job involved: slurmd runs the program every hpc.slurm.health_check.interval_s (5 s here)
  for _ in $(seq 60); do [[ "$(sinfo -h -N -n cc-cn02 -o %T)" == drain* ]] && break; sleep 0.5; done
  [ "$(sinfo -h -N -n cc-cn02 -o '%T|%E')" = "drained|cc-health: scratch: 1 MiB free in $HPC/node-tmp, under 100" ]
  [ "$(sinfo -h -N -n cc-cn01 -o %T)" = idle ]
  expect_fail check-node-health-program
  [[ "$output" == *"cc-cn02 drained by its health check program (drained: drained; reason: cc-health: scratch: 1 MiB free in $HPC/node-tmp, under 100)"* ]]
  [[ "$output" != *"cc-cn01 drained"* ]]
  on_node cc-cn02 umount "$HPC/node-tmp"
  for _ in $(seq 60); do [[ "$(sinfo -h -N -n cc-cn02 -o %T)" == idle ]] && break; sleep 0.5; done
  [ "$(sinfo -h -N -n cc-cn02 -o '%T|%E')" = "idle|none" ]
  expect_pass check-node-health-program
}

@test "no health check program configured: its check is skipped with the reason" {
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.slurm.health_check="<unset>"
  run_check check-node-health-program "$BATS_TEST_TMPDIR/c.yaml"
  [ "$status" -eq 0 ]
  [ "$status_of" = skipped ]
  [[ "$output" == *"no node health check program configured (hpc.slurm.health_check"* ]]
}

@test "a node that never comes back: the failure-recovery check fails once the job was requeued" {
  ON_TEARDOWN=("\"$STACK\" up hpc" settle)
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.slurm.failure_recovery.start_command=/bin/true hpc.slurm.failure_recovery.return_s=3
  expect_fail check-node-failure-requeue "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"was requeued"* || "$output" == *"requeued_and_running"* ]]
  [[ "$output" == *"did not return to service within 3s"* ]]
  [ -z "$(squeue -h)" ]
}

@test "fewer GPUs on a node than the target promises: the GRES allocation check fails" {
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.slurm.gpus_per_node=3
  expect_fail check-slurm-gres-allocation "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"a job asking for gpu:3 on cc-cn0"*"was refused"* ]]
}

# restart_nodes: every node's slurmd again (it reads slurm.conf and its GRES devices when it starts).
restart_nodes() {
  local node
  for node in "${NODES[@]}"; do
    "$STACK" node-stop "$node"
    "$STACK" node-start "$node"
  done
  all_idle
}

# gpu_files char|plain: the GRES GPU paths as device nodes (as the stack makes them) or plain files.
gpu_files() {
  local i
  for i in 0 1; do
    rm -f "$HPC/dev/gpu$i"
    if [ "$1" = char ]; then mknod "$HPC/dev/gpu$i" c 195 "$i"; else : >"$HPC/dev/gpu$i"; fi
  done
}

@test "GRES counted without device files: the isolation check fails" {
  ON_TEARDOWN=("gpu_files char" restart_nodes)
  gpu_files plain
  restart_nodes
  expect_fail check-slurm-gres-isolation
  [[ "$output" == *"was given no device (CUDA_VISIBLE_DEVICES unset"* ]]
  [ -z "$(squeue -h)" ]
}

@test "no hpc section: every SLURM check is skipped with the reason, exit 0" {
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc="<unset>" cloud_vm.hpc_state_file="<unset>" clusters.hpc="<unset>"
  report=$BATS_TEST_TMPDIR/report
  run "$FW" run-tests --config "$BATS_TEST_TMPDIR/c.yaml" --report-dir "$report"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"hpc-slurm: 0 passed, 0 failed, 0 errors, 28 skipped of 28"* ]]
  grep -q 'needs a SLURM cluster; this target configures none (hpc.slurm)' "$report/junit.xml"
  run "$FW" run-tests --config "$BATS_TEST_TMPDIR/c.yaml" --report-dir "$report" --fail-on-skip
  [ "$status" -eq 1 ]
}

@test "a real cluster without the opt-in: failure recovery is skipped with the reason" {
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.slurm.failure_recovery="<unset>"
  run_check check-node-failure-requeue "$BATS_TEST_TMPDIR/c.yaml"
  [ "$status" -eq 0 ]
  [ "$status_of" = skipped ]
  [[ "$output" == *"opt in with hpc.slurm.failure_recovery.stop_command and start_command"* ]]
}

@test "SIGTERM during the framework's e2e: the cluster it started is torn down completely" {
  ON_TEARDOWN=("\"$STACK\" up hpc")
  "$STACK" down hpc
  nothing_left
  "$FW" e2e --report-dir "$BATS_TEST_TMPDIR/report" >"$BATS_TEST_TMPDIR/e2e.log" 2>&1 3>&- &
  pid=$!
  ON_TEARDOWN=("kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true" "${ON_TEARDOWN[@]}")
  # Interrupt once the nodes are up and checks run (a job may be in flight).
  for _ in $(seq 600); do grep -q 'PASS  check-' "$BATS_TEST_TMPDIR/e2e.log" && break; sleep 0.1; done
  # the kill lands mid-run, and is what ended it
  grep -q 'PASS  check-' "$BATS_TEST_TMPDIR/e2e.log"
  kill -0 "$pid"
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  cat "$BATS_TEST_TMPDIR/e2e.log"
  [ "$rc" -eq 143 ]
  grep -q 'SIGTERM received: stopping running checks' "$BATS_TEST_TMPDIR/e2e.log"
  nothing_left
}

@test "SIGINT in the middle of stack up: stack down afterwards leaves nothing" {
  ON_TEARDOWN=("\"$STACK\" up hpc")
  "$STACK" down hpc
  # a background job of a non-interactive shell ignores SIGINT: the default restored, it lands
  python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
    "$STACK" up hpc >"$BATS_TEST_TMPDIR/up.log" 2>&1 3>&- &
  pid=$!
  ON_TEARDOWN=("kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true" "${ON_TEARDOWN[@]}")
  # Once the namespaces exist, before the nodes are up.
  for _ in $(seq 300); do [ -e /run/netns/cc-cn02 ] && break; sleep 0.05; done
  [ -e /run/netns/cc-cn02 ]
  kill -0 "$pid"
  kill -INT "$pid"
  rc=0
  wait "$pid" || rc=$?
  cat "$BATS_TEST_TMPDIR/up.log"
  # ended by the interrupt, before the stack said it was up
  [ "$rc" -ne 0 ]
  [ -z "$(grep 'hpc: SLURM up with' "$BATS_TEST_TMPDIR/up.log")" ]
  "$STACK" down hpc
  nothing_left
}
