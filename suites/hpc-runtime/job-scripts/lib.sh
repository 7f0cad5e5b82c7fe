#!/usr/bin/env bash
# What the job-scripts checks share: the hpc-runtime setup, and reading the JSON records the cluster's
# epilog and diagnosis tool write. Sourced, never run.
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

[[ -n "${CC_HPC_RUNTIME_JOB_SCRIPTS_RECORD_DIR:-}" ]] ||
  check::skip "no job scripts configured (hpc.runtime.job_scripts: prolog, epilog, epilog_slurmctld, record_dir, debug_dir)"

# jobscripts::wait_file PATH TIMEOUT_S: until PATH exists; fails after the timeout.
jobscripts::wait_file() { util::wait_for "$2" "${1##*/}" test -s "$1" >/dev/null 2>&1; }

# jobscripts::field FILE KEY: one value of a JSON record (lists joined by commas, JSON null as "null").
jobscripts::field() {
  python3 -c 'import json, sys
v = json.load(open(sys.argv[1])).get(sys.argv[2])
print("null" if v is None else ",".join(map(str, v)) if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else v)' "$1" "$2"
}
