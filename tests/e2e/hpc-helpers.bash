# Shared by the HPC end-to-end tests: the local SLURM cluster, up for the whole file, down after it.
load helpers

STACK=$ROOT/test-infra/local/stack
HPC=$ROOT/.local-target/hpc
export SLURM_CONF=$HPC/etc/slurm.conf
NODES=(cc-cn01 cc-cn02)

setup_file() {
  "$STACK" up hpc >&3 2>&1
}

teardown_file() {
  stack_release hpc >&3 2>&1 || true
}

# all_idle: every node of the cluster idle again (after a test broke one), 60 s at most.
all_idle() {
  for _ in $(seq 120); do
    [ "$(sinfo -h -N -o '%T' | sort -u)" = idle ] && [ "$(sinfo -h -N -o '%N' | wc -l)" -eq "${#NODES[@]}" ] && return 0
    sleep 0.5
  done
  sinfo -N >&2
  return 1
}

# settle: no job left (a controller killed with -9 recovers jobs that already ended as running, and
# their nodes stay busy until it notices) and every node idle.
settle() {
  local jobs drained
  jobs=$(squeue -h -o %i | tr '\n' ' ')
  [ -z "$jobs" ] || scancel $jobs
  drained=$(sinfo -h -N -t drain,drained,draining -o %N | sort -u | paste -sd, -)
  [ -z "$drained" ] || scontrol update nodename="$drained" state=resume
  all_idle
}
