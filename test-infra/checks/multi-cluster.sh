#!/usr/bin/env bash
# The cloud and HPC clusters on one host (CLOUD-TEST-5): are they running, what do they hold, do they
# fit. Needs the exported config and cloud-cli.sh, slurm.sh (and check.sh in checks).
# CLOUD-TEST-5's utilities are here under this file's namespace (is_cloud_cluster_running is
# multi_cluster::cloud_running, get_multi_cluster_status multi_cluster::status, validate_multi_cluster_resources
# multi_cluster::validate_resources).

MC_FACTS=

# multi_cluster::facts: refresh both clusters' states from the cluster CLI (clustercheck multi clusters).
multi_cluster::facts() {
  MC_FACTS=${CC_ARTIFACT_DIR:-${FRAMEWORK_TMP:-/tmp}}/clusters.tsv
  clustercheck multi clusters --config "$CC_CONFIG_FILE" >"$MC_FACTS"
}

# multi_cluster::field KEY KIND [COLUMN]: column COLUMN (default 3) of the KEY line for cluster KIND (cloud|hpc).
multi_cluster::field() {
  awk -F '\t' -v k="$1" -v c="$2" -v n="${3:-3}" '$1 == k && $2 == c { print $n; exit }' "$MC_FACTS"
}

# multi_cluster::vm_state VM: running / shut off / undefined, as the cluster CLI reports it after multi_cluster::facts.
multi_cluster::vm_state() { awk -F '\t' -v v="$1" '$1 == "vm" && $3 == v { print $4; exit }' "$MC_FACTS"; }

# multi_cluster::_vms_up KIND: every VM that starts with the cluster runs ("N/N" with N > 0).
multi_cluster::_vms_up() {
  local up
  up=$(multi_cluster::field autostart_running "$1")
  [[ -n "$up" && "${up%/*}" == "${up#*/}" && "${up#*/}" != 0 ]]
}

# multi_cluster::_slurm_up: slurmctld answers and at least one node of the partition responds.
multi_cluster::_slurm_up() {
  [[ -n "${CC_HPC_SLURM_PARTITION:-}" ]] || return 1
  [[ -z "${CC_HPC_SLURM_CONF:-}" ]] || export SLURM_CONF=$CC_HPC_SLURM_CONF
  [[ "$(timeout 15 scontrol ping 2>/dev/null)" == *"is UP"* ]] || return 1
  [[ "$(sinfo -h -p "$CC_HPC_SLURM_PARTITION" -t idle,mixed,allocated,completing -o '%D' 2>/dev/null | head -n 1)" =~ ^[1-9] ]]
}

# multi_cluster::cloud_running: the cloud cluster is started and each of its autostart VMs runs.
multi_cluster::cloud_running() {
  multi_cluster::facts || return 1
  [[ "$(multi_cluster::field state cloud)" == running ]] && multi_cluster::_vms_up cloud
}

# multi_cluster::hpc_running: SLURM answers with a responding node and, where the config has HPC VMs, the
# HPC cluster is started with each of its autostart VMs running.
multi_cluster::hpc_running() {
  multi_cluster::_slurm_up || return 1
  [[ -n "${CC_HPC_CLUSTER_NAME:-}" ]] || return 0
  multi_cluster::facts || return 1
  [[ "$(multi_cluster::field state hpc)" == running ]] && multi_cluster::_vms_up hpc
}

# multi_cluster::status: one line per cluster and one per GPU holder, for people and logs.
multi_cluster::status() {
  local kind slurm=down
  multi_cluster::facts || { log::error "cluster CLI did not answer"; return 1; }
  multi_cluster::_slurm_up && slurm=up
  for kind in cloud hpc; do
    printf '%-6s %-12s VMs up %s' "$kind" "$(multi_cluster::field state "$kind")" "$(multi_cluster::field autostart_running "$kind")"
    [[ "$kind" == hpc ]] && printf '  SLURM %s' "$slurm"
    printf '\n'
  done
  awk -F '\t' '$1 == "vm" && $5 != "-" && !seen[$5]++ { printf "gpu    %-14s %-10s %s (%s)\n", $5, ($6 == "-" ? "free" : "owner"), $6, $3 }' "$MC_FACTS"
}

# multi_cluster::validate_resources: host CPUs, memory and GPUs against what both clusters need at their
# peak; on a shortfall, one error line naming each missing resource, and exit status 1.
multi_cluster::validate_resources() {
  local out rc=0
  out=$(clustercheck multi resources --config "$CC_CONFIG_FILE" 2>&1) || rc=$?
  if ((rc != 0)); then
    grep '^shortfall: \|^clustercheck: ' <<<"$out" | while read -r line; do log::error "$line"; done
    return 1
  fi
  while IFS=$'\t' read -r what need have detail; do
    [[ "$what" == clusters ]] && continue
    log::info "resources: $what needed $need, available $have ($detail)"
  done <<<"$out"
}

# -- cluster lifecycle through the cluster CLI, remembering what to put back ------------------------------
# multi_cluster::cluster KIND ACTION: `<cli> cloud|hpc ACTION CONFIG`; dies (check error) naming the failure.
multi_cluster::cluster() {
  cloud_cli::run "$1" "$2" "$(cloud_cli::_config_arg)" || true
  [[ "$CLI_RC" == 0 ]] || { log::error "$1 $2: exit $CLI_RC: $(cloud_cli::said)"; return 1; }
  log::info "$1 $2: $(cloud_cli::said)"
}

# multi_cluster::hpc_vms [autostart]: the HPC cluster's VM names (only those that start with it).
multi_cluster::hpc_vms() {
  local i name auto
  for ((i = 0; i < ${CC_HPC_CLUSTER_VMS_COUNT:-0}; i++)); do
    name=CC_HPC_CLUSTER_VMS_${i}_NAME auto=CC_HPC_CLUSTER_VMS_${i}_AUTOSTART
    [[ "${1:-}" != autostart || "${!auto}" == true ]] && printf '%s\n' "${!name}"
  done
  return 0
}

# multi_cluster::wait_vms KIND: every autostart VM of the cluster answers over SSH.
multi_cluster::wait_vms() {
  local vm vms
  if [[ "$1" == hpc ]]; then vms=$(multi_cluster::hpc_vms autostart); else vms=$(cloud_cli::vms autostart); fi
  for vm in $vms; do
    cloud_cli::wait_vm_ready "$vm" || return 1
  done
}

# multi_cluster::state KIND: running (every autostart VM up), stopped (started, not all up) or not-started.
multi_cluster::state() {
  local s
  s=$(multi_cluster::field state "$1")
  case $s in
    not-started | not-configured) printf '%s\n' "$s" ;;
    *) if multi_cluster::_vms_up "$1"; then printf 'running\n'; else printf 'stopped\n'; fi ;;
  esac
}

# multi_cluster::snapshot: remember each cluster's state, so that multi_cluster::restore can put it back.
multi_cluster::snapshot() {
  multi_cluster::facts || check::error "the cluster CLI did not report the clusters' state"
  MC_WAS_CLOUD=$(multi_cluster::state cloud) MC_WAS_HPC=$(multi_cluster::state hpc)
  log::info "state found: cloud $MC_WAS_CLOUD, hpc $MC_WAS_HPC"
}

# multi_cluster::ensure KIND running|stopped|not-started: bring one cluster to that state.
multi_cluster::ensure() {
  local kind=$1 want=$2 now
  multi_cluster::facts || return 1
  now=$(multi_cluster::state "$kind")
  [[ "$now" == "$want" || "$now" == not-configured ]] && return 0
  case $want in
    running) multi_cluster::cluster "$kind" start && multi_cluster::wait_vms "$kind" ;;
    stopped) multi_cluster::cluster "$kind" stop ;;
    not-started) multi_cluster::cluster "$kind" destroy ;;
  esac
}

# multi_cluster::restore: put both clusters back as multi_cluster::snapshot found them (the exit trap of every scenario), then
# read their states back: a CLI that says it did is not enough.
multi_cluster::restore() {
  local rc=0 kind was now
  log::info "restoring: cloud $MC_WAS_CLOUD, hpc $MC_WAS_HPC"
  multi_cluster::ensure cloud "$MC_WAS_CLOUD" || rc=1
  multi_cluster::ensure hpc "$MC_WAS_HPC" || rc=1
  multi_cluster::facts || return 1
  for kind in cloud hpc; do
    was=MC_WAS_${kind^^}
    now=$(multi_cluster::state "$kind")
    [[ "$now" == "${!was}" ]] || { log::error "the $kind cluster is $now after the restore; it was ${!was}"; rc=1; }
  done
  ((rc == 0)) || log::error "could not restore the clusters' state"
  return "$rc"
}

# multi_cluster::require_clusters: skip a scenario on a target without both a cloud and an HPC cluster.
multi_cluster::require_clusters() {
  [[ -n "${CC_CLOUD_VM_CLUSTER_NAME:-}" ]] || check::skip "needs a cloud cluster; the cluster YAML (cloud_vm.cli_config) has no clusters.cloud"
  [[ -n "${CC_HPC_CLUSTER_NAME:-}" ]] || check::skip "needs HPC cluster VMs; the cluster YAML (cloud_vm.cli_config) has no clusters.hpc"
}
