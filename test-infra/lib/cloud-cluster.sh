#!/usr/bin/env bash
# The cloud cluster as a framework's start-cluster / stop-cluster: brought up through the cluster CLI,
# or used as found when it already runs (and then left running). Sources the cluster CLI's utilities and
# multi-cluster.sh (whether the cluster runs); needs framework.sh (the local stack).

# shellcheck source=test-infra/checks/cloud-cli.sh
source "$CC_CHECKS/cloud-cli.sh"
# shellcheck source=test-infra/checks/multi-cluster.sh
source "$CC_CHECKS/multi-cluster.sh"

# cloud_cluster::found_record: the record start-cluster leaves when it found the cluster running.
# stop-cluster then leaves the cluster as found (a platform's running cluster; test-all-clusters, which
# starts it once for every framework) and drops only the record; without it, stop-cluster destroys the
# cluster.
cloud_cluster::found_record() { printf 'cloud-cluster-found-running'; }

cloud_cluster::start() {
  if [[ "$CC_TARGET_KIND" == local ]]; then
    framework::local_stack_up
  fi
  owner::drop "$(cloud_cluster::found_record)"
  if multi_cluster::cloud_running 2>/dev/null; then
    owner::note "$(cloud_cluster::found_record)"
    log::info "cluster $CC_CLOUD_VM_CLUSTER_NAME already running: used as found, left running by stop-cluster"
  else
    log::info "cloud start: $CC_CLOUD_VM_CLI cloud start $(cloud_cli::_config_arg)"
    cloud_cli::cluster_command start || log::die "start-cluster: cloud start failed: $(cloud_cli::said)" 1
  fi
  cloud_cli::wait_cluster_ready "$CC_CLOUD_VM_TIMEOUTS_CLUSTER_READY_S" || log::die "start-cluster: cluster VMs did not answer over SSH" 1
  log::ok "cluster $CC_CLOUD_VM_CLUSTER_NAME ready"
}

cloud_cluster::stop() {
  if owner::has "$(cloud_cluster::found_record)"; then
    owner::drop "$(cloud_cluster::found_record)"
    log::info "cluster $CC_CLOUD_VM_CLUSTER_NAME left running: start-cluster found it running"
  else
    log::info "cloud destroy: $CC_CLOUD_VM_CLI cloud destroy $(cloud_cli::_config_arg)"
    cloud_cli::cluster_command destroy || log::warn "stop-cluster: cloud destroy failed: $(cloud_cli::said)"
  fi
  if [[ "$CC_TARGET_KIND" == local ]]; then
    framework::local_stack_down
  fi
}
