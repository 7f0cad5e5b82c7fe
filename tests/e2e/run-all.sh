#!/usr/bin/env bash
# make test-e2e: every e2e file, in order, sharing the local target between them. Each file still
# brings up what it needs (setup_file; a no-op for what already runs) but leaves it running for the
# next (E2E_KEEP_STACK=1 -> stack_release keeps it): MLflow's stack takes 35-55 s to start here and
# SLURM's 40 s, and four files need one or both. Everything is stopped once, after the last file,
# however the run ends.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
stack=test-infra/local/stack
trap '"$stack" down' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
E2E_KEEP_STACK=1 bats --timing "${@:-tests/e2e}"
