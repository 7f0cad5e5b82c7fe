#!/bin/sh
# container-run.sh [--mpi] [--gpus] [--root-inside] [--bind SRC:DST[:ro]]... -- CMD...: run CMD in the
# cluster's image inside a SLURM task, as the job's user (rootless podman; --root-inside: as uid 0 of
# the container's user namespace, which is still the job's user on the host). Each task has its own image storage in the
# node's scratch directory and pulls the image by the reference in CC_CTR_IMAGE (a digest pins it);
# everything it made is removed when CMD ends. --mpi: the task's network, the PMIx server's files and
# the host MPI stack (CC_CTR_BIND, colon-separated, read-only), so the ranks wire up as MPI ranks;
# --gpus: every GRES device file of the node (in CC_CTR_GPU_DIR, named like CC_CTR_GPU_REGEX) and
# CUDA_VISIBLE_DEVICES, so that the job's devices cgroup alone decides which the container can open.
# Environment: CC_CTR_IMAGE, CC_CTR_AUTHFILE (registry login), CC_CTR_OCI_RUNTIME, CC_CTR_SCRATCH,
# CC_JOB_KEEP_ENV (names of variables passed on into the container when set);
# CC_CTR_PRINT_DIGEST=1 prints the digest of the image as pulled.
set -eu
mpi=0 gpus=0 binds="" userns="--userns=keep-id"
while [ $# -gt 0 ]; do
  case $1 in
    --mpi) mpi=1 ;;
    --gpus) gpus=1 ;;
    --root-inside) userns="" ;;
    --bind) binds="$binds -v $2"; shift ;;
    --) shift; break ;;
    *) break ;;
  esac
  shift
done
task=${SLURM_JOB_ID:-0}.${SLURM_PROCID:-0}
store=${CC_CTR_SCRATCH:-${TMPDIR:-/tmp}}/cc-ctr-$(id -u)-$task
# podman refuses a run root longer than 50 characters
run=/tmp/ccr-$(id -u)-$task
mkdir -p "$store" "$run"
chmod 700 "$store" "$run"
export XDG_RUNTIME_DIR="$run"
podman_() {
  podman --root "$store/storage" --runroot "$run" --storage-driver vfs --runtime "${CC_CTR_OCI_RUNTIME:-runc}" \
    --cgroup-manager cgroupfs --events-backend none "$@"
}
cleanup() {
  podman_ rmi -a -f >/dev/null 2>&1 || true
  podman_ unshare rm -rf "$store" || rm -rf "$store" || true
  rm -rf "$run" 2>/dev/null || true
}
trap cleanup EXIT
# a cancelled job's task gets SIGTERM: leave through the EXIT trap (sh skips it on a fatal signal)
trap 'exit 143' TERM INT HUP
auth=""
[ -z "${CC_CTR_AUTHFILE:-}" ] || auth="--authfile $CC_CTR_AUTHFILE"
# shellcheck disable=SC2086 # word lists built above
podman_ pull -q --tls-verify=false $auth "$CC_CTR_IMAGE" >"$store.pull" 2>&1 || {
  echo "container-run: pull of $CC_CTR_IMAGE failed: $(tail -n 1 "$store.pull")" >&2
  rm -f "$store.pull"
  exit 125
}
rm -f "$store.pull"
[ -z "${CC_CTR_PRINT_DIGEST:-}" ] || echo "pulled-digest $(podman_ image inspect --format '{{.Digest}}' "$CC_CTR_IMAGE")"
# podman as root (a job of root) has no keep-id
[ "$(id -u)" != 0 ] || userns=""
opts="--rm $userns"
if [ "$mpi" = 1 ]; then
  opts="$opts --network host -e OMPI_MCA_btl=self,tcp -e TMPDIR=/tmp"
  for v in $(env | sed -n 's/^\(PMIX_[A-Z0-9_]*\|OMPI_[A-Z0-9_]*\|SLURM_[A-Z0-9_]*\)=.*/\1/p'); do opts="$opts --env=$v"; done
  [ -z "${PMIX_SERVER_TMPDIR:-}" ] || opts="$opts -v $PMIX_SERVER_TMPDIR:$PMIX_SERVER_TMPDIR"
  [ -z "${CC_CTR_SCRATCH:-}" ] || opts="$opts -v $CC_CTR_SCRATCH:$CC_CTR_SCRATCH"
  for b in $(echo "${CC_CTR_BIND:-}" | tr ':' ' '); do opts="$opts -v $b:$b:ro"; done
else
  opts="$opts --network none"
  for v in $(env | sed -n 's/^\(SLURM_[A-Z0-9_]*\)=.*/\1/p'); do opts="$opts --env=$v"; done
fi
# the variables the harness keeps in every job (slurm.sh: NVLink multicast off), when set
for v in ${CC_JOB_KEEP_ENV:-}; do
  if eval "[ -n \"\${$v+x}\" ]"; then opts="$opts --env=$v"; fi
done
if [ "$gpus" = 1 ]; then
  opts="$opts --env=CUDA_VISIBLE_DEVICES --env=CC_CTR_GPU_DIR"
  for f in "${CC_CTR_GPU_DIR:-/dev}"/*; do
    if printf '%s\n' "${f##*/}" | grep -Eq "${CC_CTR_GPU_REGEX:-^nvidia[0-9]+$}"; then opts="$opts -v $f:$f"; fi
  done
fi
# shellcheck disable=SC2086
podman_ run $opts $binds "$CC_CTR_IMAGE" "$@"
