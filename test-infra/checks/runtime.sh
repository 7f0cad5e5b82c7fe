#!/usr/bin/env bash
# What the hpc-runtime checks share beyond slurm.sh: jobs submitted as the configured ordinary
# user, the cluster's registry (login kept in files, never on a command line) and the container
# wrapper's environment. Needs check.sh and slurm.sh loaded.

# runtime::as_job_user: this check's jobs run as hpc.runtime.job_user (root harness: via runuser).
runtime::as_job_user() {
  local user=${CC_HPC_RUNTIME_JOB_USER:-}
  [[ -n "$user" && "$user" != "$(id -un)" ]] || return 0
  ((EUID == 0)) ||
    check::error "hpc.runtime.job_user is $user, but the harness runs as $(id -un) and cannot submit jobs as another user"
  id "$user" >/dev/null 2>&1 || check::error "hpc.runtime.job_user $user does not exist on this host"
  # shellcheck disable=SC2034 # read by slurm.sh
  SLURM_AS=(runuser -u "$user" --)
  SLURM_AS_USER=$user
}

# runtime::job_user: the user this check's jobs run as.
runtime::job_user() { printf '%s\n' "${SLURM_AS_USER:-$(id -un)}"; }

# runtime::require_registry: skip without hpc.containers.registry; RUNTIME_CURL_CFG then holds a
# curl config with the registry login (mode 600, in the check's artifact directory).
runtime::require_registry() {
  [[ -n "${CC_HPC_CONTAINERS_REGISTRY_URL:-}" ]] ||
    check::skip "no image registry configured (hpc.containers.registry.url)"
  RUNTIME_CURL_CFG=$CC_ARTIFACT_DIR/registry.curl
  (
    umask 077
    : >"$RUNTIME_CURL_CFG"
    [[ -z "${CC_HPC_CONTAINERS_REGISTRY_PASSWORD:-}" ]] ||
      printf 'user = "%s:%s"\n' "$CC_HPC_CONTAINERS_REGISTRY_USERNAME" "$CC_HPC_CONTAINERS_REGISTRY_PASSWORD" >"$RUNTIME_CURL_CFG"
  )
  util::trap_add "rm -f '$RUNTIME_CURL_CFG'" EXIT
}

# runtime::registry_host: host:port of the registry (what image references start with).
runtime::registry_host() { util::registry_host "$CC_HPC_CONTAINERS_REGISTRY_URL"; }

# runtime::registry_get PATH OUT [CURL_ARGS...]: GET the registry's PATH with the login, the body into
# file OUT; the HTTP status in REGISTRY_STATUS (000: no answer).
runtime::registry_get() {
  local path=$1 out=$2
  shift 2
  # shellcheck disable=SC2034 # read by the checks
  REGISTRY_STATUS=$(curl -s --max-time 10 --config "$RUNTIME_CURL_CFG" -o "$out" -w '%{http_code}' "$@" \
    "$CC_HPC_CONTAINERS_REGISTRY_URL$path") || REGISTRY_STATUS=000
}

# runtime::image_digest IMAGE: the manifest digest the registry gives for IMAGE (repo:tag); empty
# when it has none.
runtime::image_digest() {
  local repo=${1%:*} tag=${1##*:}
  curl -s --max-time 10 --config "$RUNTIME_CURL_CFG" -I \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "$CC_HPC_CONTAINERS_REGISTRY_URL/v2/$repo/manifests/$tag" |
    tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }'
}

# runtime::container_env REFERENCE: the environment programs/container-run.sh reads, for jobs of this
# check: the image reference, a registry login file the job user alone can read, the OCI runtime,
# the node scratch directory and the host paths an MPI container binds.
runtime::container_env() {
  [[ "${CC_HPC_CONTAINERS_RUNTIME:-}" == podman ]] ||
    check::skip "no container runtime configured (hpc.containers.runtime)"
  slurm::job_dir
  export CC_CTR_IMAGE=$1 CC_CTR_OCI_RUNTIME=$CC_HPC_CONTAINERS_OCI_RUNTIME
  export CC_CTR_SCRATCH=${CC_HPC_SLURM_SCRATCH_DIR:-}
  export CC_CTR_GPU_DIR=$CC_HPC_RUNTIME_GPU_DEVICE_DIR CC_CTR_GPU_REGEX=$CC_HPC_RUNTIME_GPU_DEVICE_REGEX
  local i v binds=()
  for ((i = 0; i < ${CC_HPC_CONTAINERS_BIND_COUNT:-0}; i++)); do
    v=CC_HPC_CONTAINERS_BIND_$i
    binds+=("${!v}")
  done
  CC_CTR_BIND=$(IFS=:; printf '%s' "${binds[*]}")
  export CC_CTR_BIND
  export CC_CTR_AUTHFILE=$SLURM_JOB_DIR/.registry-auth.json
  util::registry_login "$CC_CTR_AUTHFILE" "$CC_HPC_CONTAINERS_REGISTRY_URL" "${CC_HPC_CONTAINERS_REGISTRY_USERNAME:-}" \
    "${CC_HPC_CONTAINERS_REGISTRY_PASSWORD:-}"
  [[ -z "${SLURM_AS_USER:-}" ]] || chown "$SLURM_AS_USER:" "$CC_CTR_AUTHFILE"
  slurm::program hpc-runtime/programs/container-run.sh
  # shellcheck disable=SC2034 # read by the checks
  CONTAINER_RUN=$SLURM_PROGRAM
}

# runtime::pinned_image: the configured image by digest (registry host/repo@sha256:...), in
# PINNED_IMAGE; fails the check when the registry does not have it.
runtime::pinned_image() {
  local digest
  digest=$(runtime::image_digest "$CC_HPC_CONTAINERS_IMAGE")
  [[ "$digest" == sha256:* ]] ||
    check::fail "the registry has no image $CC_HPC_CONTAINERS_IMAGE (no manifest digest from $CC_HPC_CONTAINERS_REGISTRY_URL)"
  # shellcheck disable=SC2034 # read by the checks
  PINNED_IMAGE=$(runtime::registry_host)/${CC_HPC_CONTAINERS_IMAGE%:*}@$digest
}

# runtime::use_cluster_image: CONTAINER_RUN set up for the cluster's image, pinned by the digest the
# registry gives (hpc.containers.registry), else by its configured name; skips without a runtime.
runtime::use_cluster_image() {
  [[ -n "${CC_HPC_CONTAINERS_RUNTIME:-}" ]] || check::skip "no container runtime configured (hpc.containers.runtime)"
  local image=$CC_HPC_CONTAINERS_IMAGE
  if [[ -n "${CC_HPC_CONTAINERS_REGISTRY_URL:-}" ]]; then
    runtime::require_registry
    runtime::pinned_image
    image=$PINNED_IMAGE
  fi
  runtime::container_env "$image"
}
