#!/usr/bin/env bash
# The HPC part of the embedded target: a multi-node SLURM cluster on this host. On the host: MariaDB,
# slurmdbd, the controller's MUNGE and slurmctld. Per compute node: a network namespace on a bridge
# (its own address), and in it slurmd with its own host name and mount namespace, where the node's
# own MUNGE socket and scratch directory are mounted over the shared paths. Ansible (ansible/hpc.yml)
# renders the configs; this file runs the daemons, each started and stopped by PID, and removes every
# namespace, veth, bridge and cgroup directory it made.
# Sourced by test-infra/local/stack after proc.sh; reads the target config CC_STACK_CONFIG.
# The runtime services (registry, Prometheus, node exporters) are in hpc-runtime.sh.
# Clients reach this cluster through SLURM_CONF=<state>/etc/slurm.conf (hpc.slurm.conf in the config).

hpc::_config() {
  [[ -n "${HPC_DIR:-}" ]] && return 0
  proc::load_config CC_HPC_LOCAL_STATE_DIR "a local SLURM cluster (no hpc.local section)"
  HPC_DIR=$CC_HPC_LOCAL_STATE_DIR
  HPC_DB_SOCKET=$HPC_DIR/db-run/mysqld.sock
  HPC_NODES=() HPC_ADDRS=() HPC_VETHS=()
  local i n a v
  for ((i = 0; i < ${CC_HPC_LOCAL_NODES_COUNT:-0}; i++)); do
    n=CC_HPC_LOCAL_NODES_${i}_NAME a=CC_HPC_LOCAL_NODES_${i}_ADDRESS v=CC_HPC_LOCAL_NODES_${i}_VETH
    HPC_NODES+=("${!n}") HPC_ADDRS+=("${!a}") HPC_VETHS+=("${!v}")
  done
  export SLURM_CONF=$HPC_DIR/etc/slurm.conf
}

hpc::_require_tools() {
  local t
  for t in munged mungekey slurmctld slurmd slurmdbd sinfo sacctmgr mariadbd mariadb nsenter unshare ip; do
    command -v "$t" >/dev/null || PATH="$PATH:/usr/sbin"
    command -v "$t" >/dev/null ||
      log::die "hpc: $t is not installed (run: make setup; Debian packages slurm-wlm slurmdbd mariadb-server munge iproute2)"
  done
  local -a runtime=()
  [[ -z "${CC_HPC_CONTAINERS_RUNTIME:-}" ]] || runtime+=(podman newuidmap docker-registry)
  [[ -z "${CC_HPC_MONITORING_PROMETHEUS_URL:-}" ]] || runtime+=(prometheus prometheus-node-exporter)
  for t in "${runtime[@]}"; do
    command -v "$t" >/dev/null ||
      log::die "hpc: $t is not installed (run: make setup; Debian packages podman runc uidmap docker-registry prometheus prometheus-node-exporter)"
  done
}

hpc::_check_ports() {
  proc::pid mariadb >/dev/null || proc::require_free_port "$CC_HPC_LOCAL_MARIADB_PORT" "MariaDB (SLURM accounting)"
  proc::pid slurmdbd >/dev/null || proc::require_free_port "$CC_HPC_LOCAL_SLURMDBD_PORT" slurmdbd
  proc::pid slurmctld >/dev/null || proc::require_free_port "$CC_HPC_LOCAL_SLURMCTLD_PORT" slurmctld
}

# --- the nodes' network -----------------------------------------------------------------------------
# What `up` made is listed in nodes.made before it is made, so that `down` after an interrupted `up`
# (or after a config with fewer nodes) still finds every namespace and veth.
hpc::_made() { printf '%s/nodes.made' "$HPC_DIR"; }

hpc::_net_up() {
  local i
  local -a nodes=()
  mkdir -p "$HPC_DIR"
  for ((i = 0; i < ${#HPC_NODES[@]}; i++)); do nodes+=("${HPC_NODES[i]}" "${HPC_VETHS[i]}" "${HPC_ADDRS[i]}"); done
  netns::up "$(hpc::_made)" "$CC_HPC_LOCAL_BRIDGE" "$CC_HPC_LOCAL_CONTROLLER_ADDRESS" "$CC_HPC_LOCAL_PREFIX" "${nodes[@]}"
}

# hpc::_host_ports_up: each port of hpc.local.host_ports, a service on the host's 127.0.0.1, answers on
# 127.0.0.1 inside every node too - socat on the host listens on the bridge address and forwards to the
# loopback; in each node namespace loopback connections to the port are sent to the bridge address.
hpc::_host_ports_up() {
  local i port
  for ((i = 0; i < ${CC_HPC_LOCAL_HOST_PORTS_COUNT:-0}; i++)); do
    port=CC_HPC_LOCAL_HOST_PORTS_$i
    proc::host_port_into "forward-${!port}" "$CC_HPC_LOCAL_CONTROLLER_ADDRESS" "${!port}" "${HPC_NODES[@]}"
  done
}

hpc::_net_down() {
  netns::down "$(hpc::_made)"
  rm -f "$(hpc::_made)"
}

# hpc::_cgroups_down: the per-node cgroup hierarchies (slurm_<node>) SLURM leaves behind, deepest first.
hpc::_cgroups_down() { netns::cgroups_down "$(hpc::_made)" "slurm_%s"; }

# --- accounting ---------------------------------------------------------------------------------------
hpc::_db_ok() { mariadb --no-defaults -S "$HPC_DB_SOCKET" -u root -N -e 'SELECT 1' >/dev/null 2>&1; }
hpc::_dbd_ok() { timeout 5 sacctmgr -n -P show cluster >/dev/null 2>&1; }

hpc::_accounting_up() {
  [[ "$CC_HPC_SLURM_ACCOUNTING" == true ]] || return 0
  proc::pid mariadb >/dev/null ||
    proc::start mariadb runuser -u mysql -- mariadbd --no-defaults --datadir="$HPC_DIR/db/data" --socket="$HPC_DB_SOCKET" \
      --port="$CC_HPC_LOCAL_MARIADB_PORT" --bind-address=127.0.0.1 --pid-file="$HPC_DIR/db-run/mysqld.pid"
  proc::wait_until mariadb "MariaDB on port $CC_HPC_LOCAL_MARIADB_PORT" 60 hpc::_db_ok ||
    log::die "hpc: MariaDB did not start (see $(proc::logfile mariadb))" 1
  mariadb --no-defaults -S "$HPC_DB_SOCKET" -u root <"$HPC_DIR/etc/slurmdb-bootstrap.sql" ||
    log::die "hpc: could not create slurmdbd's database account" 1
  proc::pid slurmdbd >/dev/null || proc::start slurmdbd slurmdbd -D
  proc::wait_until slurmdbd "slurmdbd on port $CC_HPC_LOCAL_SLURMDBD_PORT" 30 hpc::_dbd_ok ||
    log::die "hpc: slurmdbd did not answer (see $HPC_DIR/log/slurmdbd.log)" 1
  # slurmctld needs its cluster in the database before it starts (else: "we have no TRES")
  if [[ -z "$(sacctmgr -n -P show cluster where name="$CC_HPC_SLURM_CLUSTER_NAME" format=cluster 2>/dev/null)" ]]; then
    sacctmgr -i add cluster "$CC_HPC_SLURM_CLUSTER_NAME" >/dev/null || log::die "hpc: sacctmgr could not add cluster $CC_HPC_SLURM_CLUSTER_NAME" 1
  fi
}

# --- MUNGE and the daemons ------------------------------------------------------------------------------
hpc::_munge_ok() { munge -n --socket="$1" 2>/dev/null | unmunge --socket="$1" >/dev/null 2>&1; }

# hpc::_start_munged NAME DIR: munged as the munge user, its key, socket and files in DIR.
hpc::_start_munged() {
  proc::pid "$1" >/dev/null && return 0
  proc::start "$1" runuser -u munge -- munged -F --socket="$2/munge.socket" --key-file="$2/munge.key" \
    --pid-file="$2/munged.pid" --log-file="$2/munged.log" --seed-file="$2/munged.seed"
  proc::wait_until "$1" "$1 on $2/munge.socket" 15 hpc::_munge_ok "$2/munge.socket" ||
    log::die "hpc: $1 did not start (see $(proc::logfile "$1"), $2/munged.log)" 1
}

hpc::_ctld_up() { [[ "$(scontrol ping 2>/dev/null)" == *"is UP"* ]]; }

# hpc::node_start NODE: the node's MUNGE, then its slurmd in the node's namespaces (nsenter, not
# `ip netns exec`: that remounts /sys, and slurmd finds no cgroup filesystem).
hpc::node_start() {
  local node=$1 dir=$HPC_DIR/nodes/$1 i
  [[ -e "/run/netns/$node" ]] || log::die "hpc: node $node has no network namespace (run: stack up hpc)" 1
  hpc::_start_munged "munged-$node" "$dir/munge"
  for ((i = 0; i < ${#HPC_NODES[@]}; i++)); do
    [[ "${HPC_NODES[i]}" != "$node" ]] || hpc_runtime::exporter_start "$node" "${HPC_ADDRS[i]}"
  done
  proc::pid "slurmd-$node" >/dev/null && return 0
  # shellcheck disable=SC2016 # expanded by the node's shell
  proc::start "slurmd-$node" nsenter --net="/run/netns/$node" unshare --uts --mount --propagation private \
    sh -c 'hostname "$1" && mount --bind "$2" "$3" && mount --bind "$4" "$5" && exec slurmd -D -N "$1" -f "$6"' \
    sh "$node" "$dir/munge" "$HPC_DIR/munge" "$dir/tmp" "$CC_HPC_SLURM_SCRATCH_DIR" "$SLURM_CONF"
}

# hpc::node_stop NODE: the node fails as a whole - slurmd, and every job process left in the node's
# network namespace (slurmstepd outlives slurmd; a node that loses power takes its jobs with it).
hpc::node_stop() {
  hpc::_config
  local pid
  proc::stop "slurmd-$1" 10
  [[ -e "/run/netns/$1" ]] || return 0
  for pid in $(ip netns pids "$1" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
}

hpc::_nodes_ready() {
  local n
  n=$(sinfo -h -N -t idle,mixed,allocated -o '%N' 2>/dev/null | sort -u | wc -l)
  ((n >= ${#HPC_NODES[@]}))
}

hpc::up() {
  local start node fresh=0 drained
  start=$(util::now)
  hpc::_config
  hpc::_require_tools
  provision::run hpc hpc.yml "$HPC_DIR" hpc,gpu_node
  hpc::_check_ports
  hpc::_net_up
  hpc::_host_ports_up
  hpc_runtime::registry_up
  hpc_runtime::monitoring_up
  hpc::_start_munged munged "$HPC_DIR/munge"
  hpc::_accounting_up
  if ! proc::pid slurmctld >/dev/null; then
    # Controller state of another cluster name (a changed config) is this stack's own to drop.
    if [[ -s "$HPC_DIR/state/clustername" && "$(cat "$HPC_DIR/state/clustername")" != "$CC_HPC_SLURM_CLUSTER_NAME" ]]; then
      log::info "hpc: cluster renamed to $CC_HPC_SLURM_CLUSTER_NAME; starting with a fresh controller state"
      rm -rf "${HPC_DIR:?}/state/"*
    fi
    proc::start slurmctld slurmctld -D -f "$SLURM_CONF"
    fresh=1
  fi
  proc::wait_until slurmctld "slurmctld on port $CC_HPC_LOCAL_SLURMCTLD_PORT" 20 hpc::_ctld_up ||
    log::die "hpc: slurmctld did not answer (see $HPC_DIR/log/slurmctld.log)" 1
  # The controller keeps its state (job ids go on counting, so accounting never sees one twice), but a
  # node an earlier run left drained starts this run in service.
  if ((fresh)); then
    drained=$(sinfo -h -N -t drain,drained,draining -o %N 2>/dev/null | sort -u | paste -sd, -)
    if [[ -n "$drained" ]]; then
      log::info "hpc: resuming node(s) an earlier run left drained: $drained"
      scontrol update nodename="$drained" state=resume || true
    fi
  fi
  for node in "${HPC_NODES[@]}"; do hpc::node_start "$node"; done
  util::wait_for 60 "${#HPC_NODES[@]} SLURM node(s) to be idle" hpc::_nodes_ready ||
    log::die "hpc: the SLURM nodes did not come up (see $HPC_DIR/log/<node>.log): $(sinfo -h -N -o '%N %T' | tr '\n' ' ')" 1
  log::ok "hpc: SLURM up with ${#HPC_NODES[@]} node(s) in $(util::elapsed "$start")s (SLURM_CONF=$SLURM_CONF)"
}

hpc::down() {
  hpc::_config
  local i f name
  local -a jobs=()
  # Jobs first: their step daemons leave slurmd's process group, so they would outlive it.
  proc::pid slurmctld >/dev/null && mapfile -t jobs < <(squeue -h -o %i 2>/dev/null)
  if ((${#jobs[@]})); then
    log::info "hpc: cancelling ${#jobs[@]} job(s)"
    scancel --quiet "${jobs[@]}" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      [[ -z "$(squeue -h -t running,completing -o %i 2>/dev/null)" ]] && break
      sleep 0.1
    done
  fi
  # Every node this state directory ran, whatever the config says now.
  for f in "$CC_LOCAL_STATE"/pids/slurmd-*.pid; do
    [[ -e "$f" ]] || continue
    name=${f##*/}
    proc::stop "${name%.pid}" 10 &
  done
  wait
  proc::stop slurmctld 10 &
  proc::stop slurmdbd 10 &
  wait
  proc::stop mariadb 30 &
  for f in "$CC_LOCAL_STATE"/pids/munged-*.pid "$CC_LOCAL_STATE"/pids/munged.pid "$CC_LOCAL_STATE"/pids/forward-*.pid; do
    [[ -e "$f" ]] || continue
    name=${f##*/}
    proc::stop "${name%.pid}" 5 &
  done
  wait
  hpc_runtime::down
  hpc::_cgroups_down
  hpc::_net_down
}

hpc::status() {
  hpc::_config
  local s rc=0 node i
  local -a services=(munged)
  [[ "$CC_HPC_SLURM_ACCOUNTING" != true ]] || services+=(mariadb slurmdbd)
  services+=(slurmctld)
  for node in "${HPC_NODES[@]}"; do services+=("munged-$node" "slurmd-$node"); done
  for ((i = 0; i < ${CC_HPC_LOCAL_HOST_PORTS_COUNT:-0}; i++)); do
    s=CC_HPC_LOCAL_HOST_PORTS_$i
    services+=("forward-${!s}")
  done
  mapfile -t -O "${#services[@]}" services < <(hpc_runtime::services)
  for s in "${services[@]}"; do proc::status "$s" || rc=1; done
  return "$rc"
}
