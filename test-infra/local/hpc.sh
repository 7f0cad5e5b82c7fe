#!/usr/bin/env bash
# The HPC part of the embedded target: MUNGE, slurmctld and slurmd on this host - one node, its GRES
# GPUs bound to device nodes under the state directory - each started and stopped by PID.
# Sourced by test-infra/local/stack after proc.sh; reads the target config CC_STACK_CONFIG.
# Clients reach this cluster through SLURM_CONF=<state>/etc/slurm.conf (hpc.slurm.conf in the config).

HPC_SERVICES=(munged slurmctld slurmd)

hpc::_config() {
  [[ -n "${HPC_DIR:-}" ]] && return 0
  proc::load_config CC_HPC_LOCAL_STATE_DIR "a local SLURM cluster (no hpc.local section)"
  HPC_DIR=$CC_HPC_LOCAL_STATE_DIR
  HPC_SOCKET=${CC_HPC_SLURM_MUNGE_SOCKET:-$HPC_DIR/munge/munge.socket}
  export SLURM_CONF=$HPC_DIR/etc/slurm.conf
}

hpc::_require_tools() {
  local t
  for t in munged mungekey slurmctld slurmd sinfo; do
    command -v "$t" >/dev/null || PATH="$PATH:/usr/sbin"
    command -v "$t" >/dev/null || log::die "hpc: $t is not installed (run: make setup; Debian packages slurm-wlm munge)"
  done
}

# hpc::_munge_files: MUNGE's key and directories, owned by the munge user as munged insists.
hpc::_munge_files() {
  local d=$HPC_DIR/munge
  mkdir -p "$d"
  [[ -s "$d/munge.key" ]] || mungekey --create --keyfile="$d/munge.key" >/dev/null
  chown -R munge:munge "$d"
  chmod 755 "$d" # munged wants its socket's directory searchable by every client
  chmod 600 "$d/munge.key"
}

# hpc::_gres_devices: one character device per GRES GPU (never opened: SLURM only needs real device
# nodes to hand each job its own CUDA_VISIBLE_DEVICES). With hpc.local.gres_device_files false they
# are plain files, as on a node whose gres.conf names no real devices: SLURM counts the GPUs but binds
# none to a job.
hpc::_gres_devices() {
  local i n=$CC_HPC_SLURM_GPUS_PER_NODE f
  mkdir -p "$HPC_DIR/dev"
  for ((i = 0; i < n; i++)); do
    f=$HPC_DIR/dev/gpu$i
    if [[ "$CC_HPC_LOCAL_GRES_DEVICE_FILES" != true ]]; then
      [[ -f "$f" && ! -c "$f" ]] || { rm -f "$f"; : >"$f"; }
      continue
    fi
    [[ -c "$f" ]] && continue
    rm -f "$f"
    mknod "$f" c 195 "$i" || log::die "hpc: cannot create device node $f (mknod needs root)"
  done
}

hpc::_write_conf() {
  local n=$CC_HPC_SLURM_GPUS_PER_NODE gres_node='' gres_line=''
  mkdir -p "$HPC_DIR/etc" "$HPC_DIR/spool" "$HPC_DIR/state" "$HPC_DIR/log" "$CC_HPC_SLURM_WORK_DIR"
  if ((n > 0)); then
    gres_node=" Gres=gpu:$n"
    hpc::_gres_devices
    gres_line="NodeName=localhost Name=gpu File=$HPC_DIR/dev/gpu[0-$((n - 1))]"
  fi
  cat >"$HPC_DIR/etc/slurm.conf.new" <<CONF
# Written by test-infra/local/stack from $CC_STACK_CONFIG; edits are overwritten.
ClusterName=${CC_HPC_CLUSTER_NAME:-cc-hpc}
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CC_HPC_LOCAL_SLURMCTLD_PORT
SlurmdPort=$CC_HPC_LOCAL_SLURMD_PORT
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$HPC_SOCKET
StateSaveLocation=$HPC_DIR/state
SlurmdSpoolDir=$HPC_DIR/spool
SlurmctldPidFile=$HPC_DIR/state/slurmctld.pid
SlurmdPidFile=$HPC_DIR/spool/slurmd.pid
SlurmctldLogFile=$HPC_DIR/log/slurmctld.log
SlurmdLogFile=$HPC_DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
JobCompType=jobcomp/filetxt
JobCompLoc=$HPC_DIR/log/jobcomp.txt
AccountingStorageType=accounting_storage/none
ReturnToService=2
SlurmdTimeout=30
MinJobAge=60
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CC_HPC_LOCAL_CPUS$gres_node State=UNKNOWN
PartitionName=$CC_HPC_SLURM_PARTITION Nodes=localhost Default=YES MaxTime=30 State=UP
CONF
  printf '%s\n' "$gres_line" >"$HPC_DIR/etc/gres.conf.new"
  mv "$HPC_DIR/etc/slurm.conf.new" "$HPC_DIR/etc/slurm.conf"
  mv "$HPC_DIR/etc/gres.conf.new" "$HPC_DIR/etc/gres.conf"
}

hpc::_munge_ok() { munge -n --socket="$HPC_SOCKET" 2>/dev/null | unmunge --socket="$HPC_SOCKET" >/dev/null 2>&1; }

hpc::_ctld_up() { [[ "$(scontrol ping 2>/dev/null)" == *"is UP"* ]]; }

hpc::_node_idle() {
  [[ "$(sinfo -h -N -n localhost -o '%T' 2>/dev/null)" =~ ^(idle|mixed|allocated)$ ]]
}

hpc::_check_ports() {
  proc::pid slurmctld >/dev/null || proc::require_free_port "$CC_HPC_LOCAL_SLURMCTLD_PORT" slurmctld
  proc::pid slurmd >/dev/null || proc::require_free_port "$CC_HPC_LOCAL_SLURMD_PORT" slurmd
}

hpc::up() {
  local start
  start=$(util::now)
  hpc::_config
  hpc::_require_tools
  hpc::_check_ports
  if ! proc::pid munged >/dev/null; then
    hpc::_munge_files
    proc::start munged runuser -u munge -- munged -F --socket="$HPC_SOCKET" --key-file="$HPC_DIR/munge/munge.key" \
      --pid-file="$HPC_DIR/munge/munged.pid" --log-file="$HPC_DIR/munge/munged.log" --seed-file="$HPC_DIR/munge/munged.seed"
  fi
  proc::wait_until munged "munged on $HPC_SOCKET" 15 hpc::_munge_ok || log::die "hpc: munged did not start (see $(proc::logfile munged), $HPC_DIR/munge/munged.log)" 1
  if ! proc::pid slurmctld >/dev/null || ! proc::pid slurmd >/dev/null; then
    hpc::_write_conf
  fi
  # -c: a fresh controller state on each start (no job or node drain carried over from the last run).
  proc::pid slurmctld >/dev/null || proc::start slurmctld slurmctld -D -c -f "$SLURM_CONF"
  proc::wait_until slurmctld "slurmctld on port $CC_HPC_LOCAL_SLURMCTLD_PORT" 20 hpc::_ctld_up ||
    log::die "hpc: slurmctld did not answer (see $HPC_DIR/log/slurmctld.log)" 1
  proc::pid slurmd >/dev/null || proc::start slurmd slurmd -D -N localhost -f "$SLURM_CONF"
  proc::wait_until slurmd "node localhost to be idle in SLURM" 30 hpc::_node_idle ||
    log::die "hpc: the SLURM node did not come up (see $HPC_DIR/log/slurmd.log)" 1
  log::ok "hpc: munged, slurmctld, slurmd up in $(util::elapsed "$start")s (SLURM_CONF=$SLURM_CONF)"
}

hpc::down() {
  hpc::_config
  local i
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
  proc::stop slurmd 10
  proc::stop slurmctld 10
  proc::stop munged 5
}

hpc::status() {
  hpc::_config
  local s rc=0
  for s in "${HPC_SERVICES[@]}"; do proc::status "$s" || rc=1; done
  return "$rc"
}
