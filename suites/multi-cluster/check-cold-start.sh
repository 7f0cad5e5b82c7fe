#!/usr/bin/env bash
# Check: scenario 4 - from nothing (both clusters removed) both clusters start, every guest answers and SLURM takes a job within the cold-start objective
# exclusive: true
set -euo pipefail
# shellcheck source=suites/multi-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scenario::begin
mc::ensure hpc not-started || check::fail "the HPC cluster could not be removed"
mc::ensure cloud not-started || check::fail "the cloud cluster could not be removed"
mc::facts
[[ "$(mc::field state cloud)" == not-started && "$(mc::field state hpc)" == not-started ]] ||
  check::fail "clusters still recorded after destroy: cloud $(mc::field state cloud), hpc $(mc::field state hpc)"
mc::validate_resources || check::fail "the host cannot hold both clusters (see above)"

start=$(util::now)
mc::ensure cloud running || check::fail "cold start: the cloud cluster did not come up"
cloud_s=$(util::elapsed "$start")
mc::ensure hpc running || check::fail "cold start: the HPC cluster did not come up"
check::expect "a SLURM job runs after the cold start" scenario::slurm_job
total=$(util::elapsed "$start")
check::metric cloud_cluster_start "$cloud_s" s
check::objective cold_start_both "$total" s "<=" "hpc.thresholds.cold_start_s" || true
check::expect "mc::cloud_running" mc::cloud_running
check::expect "mc::hpc_running" mc::hpc_running
scenario::expect_holders cloud hpc
check::finish "both clusters cold-started in ${total}s"
