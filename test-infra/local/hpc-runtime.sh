#!/usr/bin/env bash
# The HPC cluster's runtime services on the embedded target: the image registry (Debian's
# docker-registry, with the image the container checks run pushed to it - built here from
# busybox-static, nothing is pulled from outside), Prometheus on the controller and a node exporter in
# every compute node's network namespace. Ansible (roles container_registry, monitoring) renders
# their configs; this file runs them by PID. Sourced by test-infra/local/stack after hpc.sh.

hpc_runtime::_registry_ok() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$CC_HPC_CONTAINERS_REGISTRY_URL/v2/") || return 1
  [[ "$code" == 200 || "$code" == 401 ]]
}

# hpc_runtime::_runroot: podman's run directory for this state directory. Not under it: podman refuses
# a run root longer than 50 characters, which a checkout deeper than /work/main would pass.
hpc_runtime::_runroot() { printf '/run/cc-podman.%s' "$(printf '%s' "$HPC_DIR" | sha256sum | cut -c1-12)"; }

# hpc_runtime::_podman ARGS...: root podman with its storage under the state directory (vfs: no
# overlay mounts to leave behind), for building and pushing the image.
hpc_runtime::_podman() {
  podman --root "$HPC_DIR/containers/storage" --runroot "$(hpc_runtime::_runroot)" --storage-driver vfs \
    --runtime "$CC_HPC_CONTAINERS_OCI_RUNTIME" --cgroup-manager cgroupfs --events-backend none "$@"
}

# hpc_runtime::_authfile: a registry login file (mode 600) for podman, so no password is on a command line.
hpc_runtime::_authfile() {
  local f=$HPC_DIR/containers/auth.json
  mkdir -p "$HPC_DIR/containers"
  util::registry_login "$f" "$CC_HPC_CONTAINERS_REGISTRY_URL" "${CC_HPC_CONTAINERS_REGISTRY_USERNAME:-}" \
    "${CC_HPC_CONTAINERS_REGISTRY_PASSWORD:-}"
  printf '%s' "$f"
}

hpc_runtime::_image_pushed() {
  local repo=${CC_HPC_CONTAINERS_IMAGE%:*} tag=${CC_HPC_CONTAINERS_IMAGE##*:} auth=()
  [[ -z "${CC_HPC_CONTAINERS_REGISTRY_PASSWORD:-}" ]] ||
    auth=(-u "$CC_HPC_CONTAINERS_REGISTRY_USERNAME:$CC_HPC_CONTAINERS_REGISTRY_PASSWORD")
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${auth[@]}" -I \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "$CC_HPC_CONTAINERS_REGISTRY_URL/v2/$repo/manifests/$tag")" == 200 ]]
}

# hpc_runtime::_rootfs DIR: a root filesystem of busybox-static with its applets, a world-writable
# /tmp, and mount points for what jobs bind from the host (/usr for the MPI stack, /etc/openmpi).
hpc_runtime::_rootfs() {
  local dir=$1 applet
  rm -rf "$dir"
  mkdir -p "$dir"/{bin,etc,proc,sys,dev,root,usr,tmp,etc/openmpi}
  chmod 1777 "$dir/tmp"
  cp "$(command -v busybox)" "$dir/bin/busybox"
  for applet in $("$dir/bin/busybox" --list); do
    [[ -e "$dir/bin/$applet" ]] || ln -s busybox "$dir/bin/$applet"
  done
  ln -s usr/lib "$dir/lib"
  ln -s usr/lib64 "$dir/lib64"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$dir/etc/passwd"
  printf 'root:x:0:\n' >"$dir/etc/group"
}

hpc_runtime::_image_push() {
  local rootfs=$HPC_DIR/containers/rootfs target
  target=$(util::registry_host "$CC_HPC_CONTAINERS_REGISTRY_URL")/$CC_HPC_CONTAINERS_IMAGE
  busybox --list 2>/dev/null | grep -x sh >/dev/null ||
    log::die "hpc: busybox is not installed (Debian busybox-static): the container image is built from it" 1
  hpc_runtime::_rootfs "$rootfs"
  tar -C "$rootfs" -cf "$HPC_DIR/containers/rootfs.tar" .
  hpc_runtime::_podman import -q "$HPC_DIR/containers/rootfs.tar" "localhost/$CC_HPC_CONTAINERS_IMAGE" >/dev/null ||
    log::die "hpc: podman could not import the image's root filesystem" 1
  hpc_runtime::_podman push -q --tls-verify=false --authfile "$(hpc_runtime::_authfile)" \
    "localhost/$CC_HPC_CONTAINERS_IMAGE" "$target" ||
    log::die "hpc: could not push $target (see $(proc::logfile registry))" 1
  # The registry holds the image now; the build storage would only be left behind.
  hpc_runtime::_podman rmi -a -f >/dev/null 2>&1 || true
  rm -rf "$HPC_DIR/containers/storage" "$(hpc_runtime::_runroot)" "$rootfs" "$HPC_DIR/containers/rootfs.tar"
  log::info "hpc: pushed $target"
}

hpc_runtime::registry_up() {
  [[ -n "${CC_HPC_CONTAINERS_REGISTRY_URL:-}" && -f "$HPC_DIR/registry/config.yml" ]] || return 0
  if ! proc::pid registry >/dev/null; then
    proc::require_free_port "$CC_HPC_LOCAL_REGISTRY_PORT" "the image registry"
    proc::start registry docker-registry serve "$HPC_DIR/registry/config.yml"
  fi
  proc::wait_until registry "the image registry on port $CC_HPC_LOCAL_REGISTRY_PORT" 15 hpc_runtime::_registry_ok ||
    log::die "hpc: the image registry did not answer (see $(proc::logfile registry))" 1
  hpc_runtime::_image_pushed || hpc_runtime::_image_push
}

hpc_runtime::_prometheus_ok() { curl -sf -o /dev/null --max-time 2 "$CC_HPC_MONITORING_PROMETHEUS_URL/-/ready"; }

hpc_runtime::monitoring_up() {
  [[ -n "${CC_HPC_MONITORING_PROMETHEUS_URL:-}" && -f "$HPC_DIR/prometheus/prometheus.yml" ]] || return 0
  if ! proc::pid prometheus >/dev/null; then
    proc::require_free_port "$CC_HPC_LOCAL_PROMETHEUS_PORT" Prometheus
    proc::start prometheus prometheus --config.file="$HPC_DIR/prometheus/prometheus.yml" \
      --storage.tsdb.path="$HPC_DIR/prometheus/data" --storage.tsdb.retention.time=1d \
      --web.listen-address="127.0.0.1:$CC_HPC_LOCAL_PROMETHEUS_PORT"
  fi
  proc::wait_until prometheus "Prometheus on port $CC_HPC_LOCAL_PROMETHEUS_PORT" 20 hpc_runtime::_prometheus_ok ||
    log::die "hpc: Prometheus did not become ready (see $(proc::logfile prometheus))" 1
}

# hpc_runtime::exporter_start NODE ADDRESS: the node exporter inside the node's network namespace,
# on the node's address - a node that fails (node-stop) takes its exporter with it.
hpc_runtime::exporter_start() {
  [[ -n "${CC_HPC_MONITORING_PROMETHEUS_URL:-}" ]] || return 0
  proc::pid "node-exporter-$1" >/dev/null && return 0
  proc::start "node-exporter-$1" nsenter --net="/run/netns/$1" prometheus-node-exporter \
    --web.listen-address="$2:$CC_HPC_LOCAL_NODE_EXPORTER_PORT" --collector.disable-defaults \
    --collector.cpu --collector.meminfo --collector.loadavg --collector.filesystem --collector.uname --collector.time
}

# hpc_runtime::down: everything above, by PID.
hpc_runtime::down() {
  local f name
  for f in "$CC_LOCAL_STATE"/pids/node-exporter-*.pid "$CC_LOCAL_STATE"/pids/prometheus.pid "$CC_LOCAL_STATE"/pids/registry.pid; do
    [[ -e "$f" ]] || continue
    name=${f##*/}
    proc::stop "${name%.pid}" 10 &
  done
  wait
}

# hpc_runtime::services: the names `stack status` reports.
hpc_runtime::services() {
  local node
  [[ -z "${CC_HPC_CONTAINERS_REGISTRY_URL:-}" ]] || printf '%s\n' registry
  if [[ -n "${CC_HPC_MONITORING_PROMETHEUS_URL:-}" ]]; then
    printf '%s\n' prometheus
    for node in "${HPC_NODES[@]}"; do printf 'node-exporter-%s\n' "$node"; done
  fi
}
