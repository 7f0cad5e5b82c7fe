#!/usr/bin/env bash
# Check: SLURM's OCI container support - `srun --container=BUNDLE` (hpc.slurm.oci.bundle; oci.conf
# beside slurm.conf) runs the step inside the bundle: it reads the bundle's own marker file, sees the
# bundle's host name and its own PID namespace, and its exit status comes back to srun
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

bundle=${CC_HPC_SLURM_OCI_BUNDLE:-}
[[ -n "$bundle" ]] || check::skip "no OCI bundle configured (hpc.slurm.oci.bundle: srun --container, opt-in)"
marker=$CC_HPC_SLURM_OCI_MARKER
conf_dir=$(dirname "${SLURM_CONF:-/etc/slurm/slurm.conf}")
[[ -r "$conf_dir/oci.conf" ]] || log::warn "no $conf_dir/oci.conf on this host (the nodes read their own)"
# shellcheck disable=SC2016 # expanded inside the container
slurm::srun -N1 -n1 --container="$bundle" /bin/sh -c "echo \"marker \$(cat $(printf '%q' "$marker") 2>&1)\"; echo \"host \$(hostname)\"; echo \"pid \$\$\""
printf '%s\n' "$SRUN_OUTPUT" >"$CC_ARTIFACT_DIR/container-step.txt"
if ((SRUN_RC != 0)); then
  ! grep -q 'Requested nodes are busy' <<<"$SRUN_OUTPUT" || slurm::skip_when_busy "the container step"
  check::fail "srun --container=$bundle failed (exit $SRUN_RC): $(grep -m1 -iE 'error|failed' <<<"$SRUN_OUTPUT" || slurm::step_failure)"
fi
inside=$(sed -n 's/^marker //p' <<<"$SRUN_OUTPUT")
[[ -n "$inside" && "$inside" != *"No such file"* ]] ||
  check::note_failure "the step did not run in the bundle: $marker is not there (got: ${inside:-nothing})"
[[ ! -e "$marker" || "$(cat "$marker")" != "$inside" ]] ||
  check::note_failure "the step read $marker as this host has it: it ran outside the bundle"
pid=$(sed -n 's/^pid //p' <<<"$SRUN_OUTPUT")
[[ "$pid" == 1 ]] || check::note_failure "the step's shell is PID ${pid:-?}, not 1: it shares the node's PID namespace"
log::info "inside the container: host $(sed -n 's/^host //p' <<<"$SRUN_OUTPUT"), $marker: $inside"

slurm::srun -N1 -n1 --container="$bundle" /bin/sh -c 'exit 7'
check::expect_eq "exit status of a container step that exits 7" "$SRUN_RC" 7
check::finish "srun --container ran a step in $bundle (PID 1 of its own namespace, $marker: $inside) and returned its exit status"
