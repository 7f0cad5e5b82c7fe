#!/usr/bin/env bash
# Check: in a SLURM job the container runtime runs the cluster's image as the job's user, never as
# root on the host - also a process that is root inside the container - and a file that user cannot
# read on the host (hpc.containers.unreadable_path, mounted in) stays unreadable inside
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

user=$(runtime::job_user)
uid=$(id -u "$user")
secret=$CC_HPC_CONTAINERS_UNREADABLE_PATH
[[ -e "$secret" ]] || check::error "hpc.containers.unreadable_path $secret does not exist on this host"
if ((uid != 0)) && "${SLURM_AS[@]}" test -r "$secret"; then
  check::error "job user $user can read $secret on the host: choose another hpc.containers.unreadable_path"
fi
# A job of root starts its containers with a rootful runtime: they are root on the host.
((uid != 0)) || check::note_failure "jobs run as root (hpc.runtime.job_user '$user'): their containers run as root on the host"
runtime::use_cluster_image
# The container writes a file into a directory of the shared job directory: its owner there is who the
# container's process is on the host, whatever the user namespaces in between map it to.
# shellcheck disable=SC2016 # expanded in the container
probe='printf "uid %s\n" "$(id -u)"; : >/cc-probe/made
if cat /cc-unreadable >/dev/null 2>&1; then echo "secret READ"; else echo "secret denied"; fi'

for mode in as-user root-inside; do
  flags=()
  [[ "$mode" == as-user ]] || flags=(--root-inside)
  mkdir -p "$SLURM_JOB_DIR/probe-$mode"
  [[ -z "${SLURM_AS_USER:-}" ]] || chown "$SLURM_AS_USER:" "$SLURM_JOB_DIR/probe-$mode"
  slurm::srun -N1 -n1 "$CONTAINER_RUN" "${flags[@]}" --bind "$secret:/cc-unreadable:ro" \
    --bind "$SLURM_JOB_DIR/probe-$mode:/cc-probe" -- sh -c "$probe"
  if [[ "$SRUN_RC" != 0 ]]; then
    check::note_failure "container ($mode) in a job of $user failed: $(slurm::step_failure)"
    continue
  fi
  inside=$(awk '/^uid / { print $2 }' <<<"$SRUN_OUTPUT")
  host=$(stat -c %u "$SLURM_JOB_DIR/probe-$mode/made" 2>/dev/null || echo "?")
  log::info "container ($mode): uid $inside inside, uid $host on the host; $(grep '^secret' <<<"$SRUN_OUTPUT")"
  if [[ "$host" == 0 ]]; then
    check::note_failure "container ($mode) runs as root on the host (its files are owned by uid 0)"
  elif [[ "$host" != "$uid" ]]; then
    check::note_failure "container ($mode) runs as host uid $host, not the job user's uid $uid"
  fi
  [[ "$mode" != as-user || "$inside" == "$uid" ]] ||
    check::note_failure "container (as-user) sees uid $inside, not the job user's $uid"
  grep -q '^secret denied' <<<"$SRUN_OUTPUT" ||
    check::note_failure "container ($mode) could read $secret, which the job user cannot read on the host"
done
check::finish "containers run as $user (uid $uid) on the host, also as root inside; $secret stays unreadable"
