#!/usr/bin/env bash
# Check: MUNGE issues and verifies credentials, rejects a tampered one, and SLURM authenticates with it
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

command -v munge >/dev/null || check::error "munge is not installed on this host (Debian: munge)"
socket=()
[[ -z "${CC_HPC_SLURM_MUNGE_SOCKET:-}" ]] || socket=(--socket="$CC_HPC_SLURM_MUNGE_SOCKET")

cred=$(munge -n "${socket[@]}" 2>&1) || check::fail "munge could not issue a credential: $cred"
decoded=$(unmunge "${socket[@]}" <<<"$cred" 2>&1) || true
check::expect "a fresh credential decodes (got: $(head -n 1 <<<"$decoded"))" grep -q '^STATUS: *Success' <<<"$decoded"

# One character changed in the middle of the payload: munged must refuse it.
mid=$((${#cred} / 2))
flip=B
[[ "${cred:mid:1}" == B ]] && flip=C
tampered="${cred:0:mid}$flip${cred:mid+1}"
rejected=$(unmunge "${socket[@]}" <<<"$tampered" 2>&1) && check::note_failure "a tampered credential was accepted"
log::info "tampered credential: $(head -n 1 <<<"$rejected")"

auth=$(slurm::setting AuthType)
check::expect_eq "SLURM's AuthType" "$auth" auth/munge
check::finish "credentials issued and verified, a tampered one rejected; SLURM uses auth/munge"
