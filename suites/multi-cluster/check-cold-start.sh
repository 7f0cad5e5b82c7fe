#!/usr/bin/env bash
# Check: scenario 4 - from nothing (both clusters removed) both clusters start, every guest answers and SLURM takes a job within the cold-start objective
# exclusive: true
set -euo pipefail
# shellcheck source=suites/multi-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scenario::begin
multi_cluster::ensure hpc not-started || check::fail "the HPC cluster could not be removed"
multi_cluster::ensure cloud not-started || check::fail "the cloud cluster could not be removed"
multi_cluster::facts
[[ "$(multi_cluster::field state cloud)" == not-started && "$(multi_cluster::field state hpc)" == not-started ]] ||
  check::fail "clusters still recorded after destroy: cloud $(multi_cluster::field state cloud), hpc $(multi_cluster::field state hpc)"
multi_cluster::validate_resources || check::fail "the host cannot hold both clusters (see above)"

start=$(util::now)
multi_cluster::ensure cloud running || check::fail "cold start: the cloud cluster did not come up"
cloud_s=$(util::elapsed "$start")
multi_cluster::ensure hpc running || check::fail "cold start: the HPC cluster did not come up"
check::expect "a SLURM job runs after the cold start" scenario::slurm_job
total=$(util::elapsed "$start")
check::metric cloud_cluster_start "$cloud_s" s
check::objective cold_start_both "$total" s "<=" "hpc.thresholds.cold_start_s" || true
check::expect "multi_cluster::cloud_running" multi_cluster::cloud_running
check::expect "multi_cluster::hpc_running" multi_cluster::hpc_running
scenario::expect_holders cloud hpc
check::finish "both clusters cold-started in ${total}s"
