#!/usr/bin/env bash
# What every node-health check starts with: the hpc-slurm checks' setup and the fan-out through SLURM.
# Sourced, never run.
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=test-infra/checks/node-health.sh
source "$CC_CHECKS/node-health.sh"
