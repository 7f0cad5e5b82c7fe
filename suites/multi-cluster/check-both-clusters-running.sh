#!/usr/bin/env bash
# Check: scenario 1 - the cloud and HPC clusters run side by side: both report running, each GPU VM holds its own GPU, guests answer on both networks, and a SLURM GPU job runs
# exclusive: true
set -euo pipefail
# shellcheck source=suites/multi-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scenario::begin
multi_cluster::ensure cloud running || check::fail "the cloud cluster did not start"
multi_cluster::ensure hpc running || check::fail "the HPC cluster did not start"

check::expect "multi_cluster::cloud_running" multi_cluster::cloud_running
check::expect "multi_cluster::hpc_running" multi_cluster::hpc_running
scenario::expect_holders cloud hpc
check::expect "cloud VM $(cloud_cli::first_vm autostart) answers over SSH" cloud_cli::ssh "$(cloud_cli::first_vm autostart)" true
hpc_vm=$(multi_cluster::hpc_vms autostart | head -n 1)
check::expect "HPC VM $hpc_vm answers over SSH" cloud_cli::ssh "$hpc_vm" true
check::expect "a SLURM job runs while both clusters are up" scenario::slurm_job
multi_cluster::status | tee "$CC_ARTIFACT_DIR/status.txt" >&2
check::finish "both clusters running with their own GPUs; guests answer; a SLURM job ran"
