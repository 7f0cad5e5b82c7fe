#!/usr/bin/env bash
# Load from placed workers (issue 30) on a local SLURM cluster of 4 nodes of its own, against nginx (a
# fixed answer, far faster than one load worker) on the cluster's bridge address. Prints: the highest rate
# kept with 1, 2 and 4 workers, each worker held to WORKER_CPU of a CPU (default 0.25: a small load host;
# on this 2-CPU machine, unquota'd workers share the same two CPUs and more of them cannot go faster);
# merged p50/p99 beside a single-process run of the same total rate, alternating; the merge's error
# against the exact figures of every raw latency; each worker's peak memory for a 60 s and a 600 s run.
# Runs in its own state directory: the stack of `make stack-up` must be down (it needs the same ports).
# Usage: bench/distributed-load.sh   (MEMORY_DURATIONS=60,600  SKIP=rates,compare,memory  WORKER_CPU=0.25)
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
# shellcheck source=bench/lib.sh
source "$CC_ROOT/bench/lib.sh"
util::no_args "$0" "$@"
cd "$CC_ROOT"
command -v nginx >/dev/null || log::die "bench: nginx is not installed (make setup installs nginx-light)" 2
cpu=${WORKER_CPU:-0.25}
[[ "$cpu" =~ ^(0\.[0-9]*[1-9]|1(\.0*)?)$ ]] || log::die "bench: WORKER_CPU is a share of one CPU, 0 < x <= 1, got '$cpu'" 2
bench::hpc_must_be_down

tmp=$(mktemp -d)
bench::hpc_base "$tmp"
cfg=$(bench::hpc_nodes "$BENCH_HPC_BASE" 4)
export CC_STACK_CONFIG=$cfg
ngx=''
cleanup() {
  [[ -z "$ngx" ]] || kill "$ngx" 2>/dev/null || true
  test-infra/local/stack down hpc >/dev/null 2>&1 || true
  rmdir /sys/fs/cgroup/cpu/cc-bench-load/* /sys/fs/cgroup/cpu/cc-bench-load 2>/dev/null || true
  rm -rf "$tmp"
}
util::trap_add cleanup EXIT
bench::timed "stack up hpc, 4 nodes" test-infra/local/stack up hpc

# A worker held to a CPU quota (cgroup v1 cpu controller): each one a small load host of its own.
mkdir -p /sys/fs/cgroup/cpu/cc-bench-load
# A short period (4 ms): a throttled worker waits at most the rest of one period, under the 10 ms lag
# bound, so the quota limits its rate, not its schedule's jitter.
quota=$(python3 -c "print(int(4000 * $cpu))")
cat >"$tmp/quota-python" <<WRAP
#!/bin/sh
d=/sys/fs/cgroup/cpu/cc-bench-load/w\$\$
mkdir -p "\$d" && echo 4000 >"\$d/cpu.cfs_period_us" && echo $quota >"\$d/cpu.cfs_quota_us" && echo \$\$ >"\$d/tasks"
exec $CC_ROOT/.venv/bin/python "\$@"
WRAP
chmod 755 "$tmp/quota-python"

addr=$("$CC_ROOT/.venv/bin/clustercheck" config export "$cfg" | sed -n "s/^CC_HPC_LOCAL_CONTROLLER_ADDRESS=//p")
port=18941
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  keepalive_requests 10000000;
  server { listen $addr:$port; location / { default_type application/json; return 200 '{"predictions": [0]}'; } }
}
CONF
nginx -c "$tmp/nginx/nginx.conf" &
ngx=$!
for _ in $(seq 50); do curl -sf -o /dev/null -X POST "http://$addr:$port/invocations" && break; sleep 0.1; done

printf 'machine: %s CPUs; 4 SLURM nodes (network namespaces on %s); server: nginx, one process, on %s:%s; worker quota %s CPU\n' \
  "$(nproc)" "$addr" "$addr" "$port" "$cpu"
"$CC_ROOT/.venv/bin/python" bench/distributed_load.py --config "$cfg" --url "http://$addr:$port" \
  --quota-python "$tmp/quota-python" --memory-durations "${MEMORY_DURATIONS:-60,600}" --skip "${SKIP:-}"
