#!/usr/bin/env bash
# The Kubernetes part of the embedded target (`stack up k8s`): a real cluster on this host, built from
# Go modules (test-infra/local/k8s/build.sh). On the host: etcd, kube-apiserver (TLS, certificates
# made on first start), kube-controller-manager and kube-scheduler. Per node: a network namespace on a
# bridge (its own address, like the SLURM nodes) and a mount namespace of its own (each kubelet needs
# its own /var/lib/kubelet: the device-plugin directory there is fixed), where containerd and the
# kubelet run; the pods' network is the CNI bridge plugin with static routes between the nodes. Add-ons
# run as pods from images built here (kube-images.sh, kube-addons.sh): kube-proxy, CoreDNS,
# metrics-server, Traefik and our GPU device plugin for simulated GPUs. Everything is started by PID,
# and `down` removes every process, namespace, veth, mount and cgroup it made, and puts back the kernel
# settings the kubelet changes.
# Sourced by test-infra/local/stack after proc.sh; reads the target config CC_STACK_CONFIG.

KUBE_SYSCTLS=(vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes)

kube::_config() {
  [[ -n "${KUBE_DIR:-}" ]] && return 0
  proc::load_config CC_KUBERNETES_LOCAL_STATE_DIR "a local Kubernetes cluster (no kubernetes.local section)"
  KUBE_DIR=$CC_KUBERNETES_LOCAL_STATE_DIR
  KUBE_BUILD=$CC_KUBERNETES_LOCAL_BUILD_DIR
  KUBE_BIN=$KUBE_BUILD/bin
  KUBE_PKI=$KUBE_DIR/pki
  KUBE_API=https://$CC_KUBERNETES_LOCAL_APISERVER_ADDRESS:$CC_KUBERNETES_LOCAL_APISERVER_PORT
  # What this host's clients (the checks, kubectl) use: the loopback, forwarded to the bridge address.
  # Were they given the bridge address, a call made while the stack is down would leave this host by
  # its default route instead of being refused here.
  KUBE_LOCAL_API=https://127.0.0.1:$CC_KUBERNETES_LOCAL_APISERVER_PORT
  KUBE_NODES=() KUBE_ADDRS=() KUBE_VETHS=() KUBE_CIDRS=()
  local i n a v c
  for ((i = 0; i < ${CC_KUBERNETES_LOCAL_NODES_COUNT:-0}; i++)); do
    n=CC_KUBERNETES_LOCAL_NODES_${i}_NAME a=CC_KUBERNETES_LOCAL_NODES_${i}_ADDRESS
    v=CC_KUBERNETES_LOCAL_NODES_${i}_VETH c=CC_KUBERNETES_LOCAL_NODES_${i}_POD_CIDR
    KUBE_NODES+=("${!n}") KUBE_ADDRS+=("${!a}") KUBE_VETHS+=("${!v}") KUBE_CIDRS+=("${!c}")
  done
}

kube::kubectl() { "$KUBE_BIN/kubectl" --kubeconfig "$KUBE_DIR/admin.kubeconfig" --request-timeout=20s "$@"; }

kube::_require_tools() {
  local t
  for t in openssl nsenter unshare ip iptables runc curl socat; do
    command -v "$t" >/dev/null || PATH="$PATH:/usr/sbin"
    command -v "$t" >/dev/null ||
      log::die "k8s: $t is not installed (run: make setup; Debian packages openssl util-linux iproute2 iptables runc curl socat)" 1
  done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback ]] ||
    log::die "k8s: the CNI plugins are not installed in /usr/lib/cni (run: make setup; Debian package containernetworking-plugins)" 1
}

# --- certificates and kubeconfigs ------------------------------------------------------------------------
# kube::_cert NAME CN [O] [SANS]: an EC key and a certificate signed by the cluster CA (once).
kube::_cert() {
  local name=$1 cn=$2 org=${3:-} sans=${4:-} subj ext
  [[ -s "$KUBE_PKI/$name.crt" ]] && return 0
  subj="/CN=$cn${org:+/O=$org}"
  ext=$KUBE_PKI/$name.ext
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n' \
    "$([[ -n "$sans" ]] && echo serverAuth,clientAuth || echo clientAuth)" >"$ext"
  [[ -z "$sans" ]] || printf 'subjectAltName=%s\n' "$sans" >>"$ext"
  openssl ecparam -name prime256v1 -genkey -noout -out "$KUBE_PKI/$name.key" 2>/dev/null
  openssl req -new -key "$KUBE_PKI/$name.key" -subj "$subj" -out "$KUBE_PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$KUBE_PKI/$name.csr" -CA "$KUBE_PKI/${5:-ca}.crt" -CAkey "$KUBE_PKI/${5:-ca}.key" \
    -CAcreateserial -days 3650 -extfile "$ext" -out "$KUBE_PKI/$name.crt" 2>/dev/null ||
    log::die "k8s: openssl could not sign the $name certificate" 1
  rm -f "$KUBE_PKI/$name.csr" "$ext"
}

kube::_ca() {
  [[ -s "$KUBE_PKI/$1.crt" ]] && return 0
  openssl ecparam -name prime256v1 -genkey -noout -out "$KUBE_PKI/$1.key" 2>/dev/null
  openssl req -x509 -new -key "$KUBE_PKI/$1.key" -subj "/CN=$2" -days 3650 -out "$KUBE_PKI/$1.crt" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null ||
    log::die "k8s: openssl could not make the $1 CA" 1
}

kube::_pki() {
  local n sans
  mkdir -p "$KUBE_PKI"
  chmod 700 "$KUBE_PKI"
  kube::_ca ca clustercheck-local-ca
  kube::_ca front-proxy-ca clustercheck-local-front-proxy-ca
  sans="IP:$CC_KUBERNETES_LOCAL_APISERVER_ADDRESS,IP:$CC_KUBERNETES_LOCAL_API_SERVICE_IP,IP:127.0.0.1,DNS:kubernetes"
  sans+=",DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  kube::_cert apiserver kube-apiserver '' "$sans"
  kube::_cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  kube::_cert admin clustercheck-admin system:masters
  kube::_cert controller-manager system:kube-controller-manager
  kube::_cert scheduler system:kube-scheduler
  kube::_cert front-proxy-client front-proxy-client '' '' front-proxy-ca
  for n in "${KUBE_NODES[@]}"; do kube::_cert "node-$n" "system:node:$n" system:nodes; done
  if [[ ! -s "$KUBE_PKI/sa.key" ]]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$KUBE_PKI/sa.key" 2>/dev/null
    openssl ec -in "$KUBE_PKI/sa.key" -pubout -out "$KUBE_PKI/sa.pub" 2>/dev/null
  fi
  kube::_kubeconfig admin admin "$KUBE_LOCAL_API"
  kube::_kubeconfig controller-manager controller-manager "$KUBE_API"
  kube::_kubeconfig scheduler scheduler "$KUBE_API"
  for n in "${KUBE_NODES[@]}"; do kube::_kubeconfig "node-$n" "node-$n" "$KUBE_API"; done
  # The checks' kubeconfig (kubernetes.kubeconfig): the admin's, where the config says.
  if [[ "$CC_KUBERNETES_KUBECONFIG" != "$KUBE_DIR/admin.kubeconfig" ]]; then
    mkdir -p "$(dirname "$CC_KUBERNETES_KUBECONFIG")"
    cp "$KUBE_DIR/admin.kubeconfig" "$CC_KUBERNETES_KUBECONFIG"
  fi
}

# kube::_kubeconfig NAME CERT SERVER: NAME.kubeconfig for the API server at SERVER with CERT's client
# certificate.
kube::_kubeconfig() {
  local f=$KUBE_DIR/$1.kubeconfig
  cat >"$f.new" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: cc-local
  cluster:
    server: $3
    certificate-authority-data: $(base64 -w0 <"$KUBE_PKI/ca.crt")
users:
- name: $1
  user:
    client-certificate-data: $(base64 -w0 <"$KUBE_PKI/$2.crt")
    client-key-data: $(base64 -w0 <"$KUBE_PKI/$2.key")
contexts:
- name: cc-local
  context: {cluster: cc-local, user: $1}
current-context: cc-local
EOF
  chmod 600 "$f.new"
  mv "$f.new" "$f"
}

# --- the control plane -------------------------------------------------------------------------------------
kube::_etcd_ok() { curl -sf --max-time 2 "http://127.0.0.1:$CC_KUBERNETES_LOCAL_ETCD_PORT/health" >/dev/null; }
kube::_api_ok() { curl -sf --max-time 2 --cacert "$KUBE_PKI/ca.crt" "${1:-$KUBE_API}/readyz" >/dev/null; }

kube::_control_plane_up() {
  local port=$CC_KUBERNETES_LOCAL_ETCD_PORT pki=$KUBE_PKI
  if ! proc::pid kube-etcd >/dev/null; then
    proc::require_free_port "$port" "etcd (kubernetes.local.etcd_port)"
    proc::require_free_port "$((port + 1))" "etcd's peer port (kubernetes.local.etcd_port + 1)"
    # Plain HTTP on the loopback only; no fsync: the local cluster's data is this host's scratch.
    proc::start kube-etcd "$KUBE_BIN/etcd" --name cc-local --data-dir "$KUBE_DIR/etcd" \
      --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
      --listen-peer-urls "http://127.0.0.1:$((port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \
      --initial-cluster "cc-local=http://127.0.0.1:$((port + 1))" --unsafe-no-fsync --log-level warn
  fi
  proc::wait_until kube-etcd "etcd on port $port" 30 kube::_etcd_ok || log::die "k8s: etcd did not start (see $(proc::logfile kube-etcd))" 1
  if ! proc::pid kube-apiserver >/dev/null; then
    proc::start kube-apiserver "$KUBE_BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$port" \
      --bind-address "$CC_KUBERNETES_LOCAL_APISERVER_ADDRESS" --advertise-address "$CC_KUBERNETES_LOCAL_APISERVER_ADDRESS" \
      --secure-port "$CC_KUBERNETES_LOCAL_APISERVER_PORT" --service-cluster-ip-range "$CC_KUBERNETES_LOCAL_SERVICE_SUBNET" \
      --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
      --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
      --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
      --service-account-issuer https://kubernetes.default.svc.cluster.local --authorization-mode Node,RBAC \
      --enable-admission-plugins NodeRestriction --allow-privileged=true --enable-aggregator-routing=true \
      --requestheader-client-ca-file "$pki/front-proxy-ca.crt" --proxy-client-cert-file "$pki/front-proxy-client.crt" \
      --proxy-client-key-file "$pki/front-proxy-client.key" --requestheader-allowed-names front-proxy-client \
      --requestheader-extra-headers-prefix X-Remote-Extra- --requestheader-group-headers X-Remote-Group \
      --requestheader-username-headers X-Remote-User --kubelet-preferred-address-types InternalIP
  fi
  proc::wait_until kube-apiserver "kube-apiserver at $KUBE_API" 90 kube::_api_ok ||
    log::die "k8s: kube-apiserver did not become ready (see $(proc::logfile kube-apiserver))" 1
  if ! proc::pid kube-api-forward >/dev/null; then
    proc::require_free_port "$CC_KUBERNETES_LOCAL_APISERVER_PORT" "the API server's loopback forward (kubernetes.local.apiserver_port)"
    # bound to the bridge address on its side too: with the bridge gone, nothing is sent anywhere
    proc::start kube-api-forward socat "TCP-LISTEN:$CC_KUBERNETES_LOCAL_APISERVER_PORT,bind=127.0.0.1,fork,reuseaddr" \
      "TCP:$CC_KUBERNETES_LOCAL_APISERVER_ADDRESS:$CC_KUBERNETES_LOCAL_APISERVER_PORT,bind=$CC_KUBERNETES_LOCAL_APISERVER_ADDRESS"
  fi
  proc::wait_until kube-api-forward "the API server at $KUBE_LOCAL_API" 10 kube::_api_ok "$KUBE_LOCAL_API" ||
    log::die "k8s: the loopback forward to the API server does not answer (see $(proc::logfile kube-api-forward))" 1
  proc::pid kube-controller-manager >/dev/null ||
    proc::start kube-controller-manager "$KUBE_BIN/kube-controller-manager" --kubeconfig "$KUBE_DIR/controller-manager.kubeconfig" \
      --authentication-kubeconfig "$KUBE_DIR/controller-manager.kubeconfig" --authorization-kubeconfig "$KUBE_DIR/controller-manager.kubeconfig" \
      --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" --root-ca-file "$pki/ca.crt" \
      --service-account-private-key-file "$pki/sa.key" --use-service-account-credentials=true --leader-elect=false \
      --service-cluster-ip-range "$CC_KUBERNETES_LOCAL_SERVICE_SUBNET" --allocate-node-cidrs=false \
      --node-monitor-period 2s --node-monitor-grace-period 20s --secure-port 0 \
      --horizontal-pod-autoscaler-sync-period 5s \
      --horizontal-pod-autoscaler-downscale-stabilization "${CC_KUBERNETES_LOCAL_HPA_DOWNSCALE_S}s"
  proc::pid kube-scheduler >/dev/null ||
    proc::start kube-scheduler "$KUBE_BIN/kube-scheduler" --kubeconfig "$KUBE_DIR/scheduler.kubeconfig" \
      --authentication-kubeconfig "$KUBE_DIR/scheduler.kubeconfig" --authorization-kubeconfig "$KUBE_DIR/scheduler.kubeconfig" \
      --leader-elect=false --secure-port 0
}

# --- the nodes: network, mount namespace, containerd, kubelet --------------------------------------------
# What `up` made is listed in made before it is made, so that `down` after an interrupted `up` (or a
# config with fewer nodes) still finds every namespace, veth and cgroup.
kube::_made() { printf '%s/made' "$KUBE_DIR"; }

kube::_net_up() {
  local i j node
  local -a nodes=()
  for ((i = 0; i < ${#KUBE_NODES[@]}; i++)); do nodes+=("${KUBE_NODES[i]}" "${KUBE_VETHS[i]}" "${KUBE_ADDRS[i]}"); done
  netns::up "$(kube::_made)" "$CC_KUBERNETES_LOCAL_BRIDGE" "$CC_KUBERNETES_LOCAL_APISERVER_ADDRESS" "$CC_KUBERNETES_LOCAL_PREFIX" "${nodes[@]}"
  for ((i = 0; i < ${#KUBE_NODES[@]}; i++)); do
    node=${KUBE_NODES[i]}
    # The host reaches pods (the API server calls metrics-server) through the node that runs them.
    ip route replace "${KUBE_CIDRS[i]}" via "${KUBE_ADDRS[i]}" dev "$CC_KUBERNETES_LOCAL_BRIDGE"
    # shellcheck disable=SC2016 # expanded by the node's shell
    nsenter --net="/run/netns/$node" sh -c '
      sysctl -qw net.ipv4.ip_forward=1 &&
      { iptables -t nat -C POSTROUTING -s "$1" ! -d "$1" -j MASQUERADE 2>/dev/null ||
        iptables -t nat -A POSTROUTING -s "$1" ! -d "$1" -j MASQUERADE; }' sh "$CC_KUBERNETES_LOCAL_POD_SUBNET" ||
      log::die "k8s: cannot set up forwarding in node $node (sysctl, iptables in its namespace)" 1
    for ((j = 0; j < ${#KUBE_NODES[@]}; j++)); do
      ((i == j)) || ip -n "$node" route replace "${KUBE_CIDRS[j]}" via "${KUBE_ADDRS[j]}" dev eth0
    done
  done
  for ((i = 0; i < ${CC_KUBERNETES_LOCAL_HOST_PORTS_COUNT:-0}; i++)); do
    j=CC_KUBERNETES_LOCAL_HOST_PORTS_$i
    proc::host_port_into "kube-forward-${!j}" "$CC_KUBERNETES_LOCAL_APISERVER_ADDRESS" "${!j}" "${KUBE_NODES[@]}"
  done
}

kube::_net_down() { netns::down "$(kube::_made)"; }

# kube::_mnt NODE: the file that holds NODE's mount namespace.
kube::_mnt() { printf '%s/ns/%s' "$KUBE_DIR" "$1"; }

# The host paths each node has of its own (bound to NODE_DIR/<name> in the node's mount namespace): two
# kubelets would otherwise share the device-plugin directory and each remove the other's pod logs, and
# containerd's shim sockets and the CNI's cache would be left on the host.
KUBE_NODE_PATHS=(/var/lib/kubelet:kubelet /var/log:log /var/lib/cni:cni-cache /run/containerd:run-containerd)

# kube::_mnt_up NODE: NODE's own mount namespace (kept by a bind mount on kube::_mnt), a slave of the
# host's, with KUBE_NODE_PATHS bound to the node's directories. A host path made for the binds is
# listed in made, for `down` to remove.
kube::_mnt_up() {
  local node=$1 ns dir=$KUBE_DIR/nodes/$1 p script='' made
  local -a args=()
  ns=$(kube::_mnt "$node")
  made=$(kube::_made)
  mkdir -p "$KUBE_DIR/ns"
  for p in "${KUBE_NODE_PATHS[@]}"; do
    mkdir -p "$dir/${p##*:}"
    if [[ ! -d "${p%%:*}" ]]; then
      printf 'hostdir %s\n' "${p%%:*}" >>"$made"
      mkdir -p "${p%%:*}"
    fi
    args+=("$dir/${p##*:}" "${p%%:*}")
    script+=" && mount --bind \"\$$((${#args[@]} - 1))\" \"\$${#args[@]}\""
  done
  if ! mountpoint -q "$KUBE_DIR/ns"; then
    { mount --bind "$KUBE_DIR/ns" "$KUBE_DIR/ns" && mount --make-private "$KUBE_DIR/ns"; } ||
      log::die "k8s: cannot make $KUBE_DIR/ns a private mount (needs root)" 1
  fi
  [[ -e "$ns" ]] || touch "$ns"
  if ! mountpoint -q "$ns"; then
    unshare --mount="$ns" --propagation slave sh -c "${script# && }" sh "${args[@]}" ||
      log::die "k8s: cannot make node $node's mount namespace" 1
  fi
}

kube::_mnt_down() {
  local f
  [[ -d "$KUBE_DIR/ns" ]] || return 0
  for f in "$KUBE_DIR"/ns/*; do
    [[ -e "$f" ]] || continue
    ! mountpoint -q "$f" || umount "$f" || log::warn "k8s: could not release the mount namespace $f"
    rm -f "$f"
  done
  ! mountpoint -q "$KUBE_DIR/ns" || umount "$KUBE_DIR/ns" || true
  local kind path _
  [[ -f "$(kube::_made)" ]] || return 0
  while read -r kind path _; do
    [[ "$kind" != hostdir ]] || rmdir "$path" 2>/dev/null || true
  done <"$(kube::_made)"
}

kube::_node_files() {
  local node=$1 addr=$2 cidr=$3 dir=$KUBE_DIR/nodes/$1
  mkdir -p "$dir/cni" "$dir/containerd"
  cat >"$dir/containerd.toml" <<EOF
version = 3
root = "$dir/containerd/root"
state = "$dir/containerd/state"
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[plugins.'io.containerd.cri.v1.runtime']
  netns_mounts_under_state_dir = true
  enable_selinux = false
  # No CAP_SYS_RESOURCE in this sandbox: a negative OOM score (the kubelet's -998 for pod sandboxes)
  # cannot be set, so scores stay at or above containerd's own.
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        Root = "$dir/containerd/runc"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "$dir/cni"
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "$KUBE_PAUSE_IMAGE"
EOF
  cat >"$dir/cni/10-cc-bridge.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "cc-pods", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$cidr"}]], "routes": [{"dst": "0.0.0.0/0"}],
            "dataDir": "$dir/cni-ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
  : >"$KUBE_DIR/resolv.conf"
  cat >"$dir/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
cgroupRoot: /$node
failSwapOn: false
containerRuntimeEndpoint: unix://$dir/containerd.sock
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $KUBE_PKI/ca.crt}
authorization: {mode: AlwaysAllow}
clusterDNS: [$CC_KUBERNETES_LOCAL_DNS_SERVICE_IP]
clusterDomain: cluster.local
resolvConf: $KUBE_DIR/resolv.conf
readOnlyPort: 0
# No registry can be reached here: an image the kubelet collected could not come back.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "0%", nodefs.available: "0%", imagefs.available: "0%", nodefs.inodesFree: "0%"}
nodeLeaseDurationSeconds: 10
nodeStatusUpdateFrequency: 4s
serializeImagePulls: false
EOF
}

# kube::_runtime_cgroup NODE: the pids cgroup containerd and its shims run in, so that `down` finds
# every process of the node's runtime, whatever it re-parented.
kube::_runtime_cgroup() { printf '/sys/fs/cgroup/pids/%s.runtime' "$1"; }

# kube::_cgroup_root NODE: the kubelet's cgroupRoot (/NODE) in every v1 hierarchy; the kubelet wants it
# there before it starts, and a new cpuset cgroup has no CPUs until it is given its parent's.
kube::_cgroup_root() {
  local h
  for h in /sys/fs/cgroup/*/; do
    [[ -e "$h/cgroup.procs" && "$h" != */unified/ ]] || continue
    mkdir -p "$h$1"
    if [[ -e "$h/cpuset.cpus" ]]; then
      [[ -n "$(cat "$h$1/cpuset.cpus")" ]] || cat "$h/cpuset.cpus" >"$h$1/cpuset.cpus"
      [[ -n "$(cat "$h$1/cpuset.mems")" ]] || cat "$h/cpuset.mems" >"$h$1/cpuset.mems"
    fi
  done
}

kube::_containerd_ok() { "$KUBE_BIN/ctr" --address "$1" version >/dev/null 2>&1; }

kube::node_start() {
  local node=$1 addr=$2 dir=$KUBE_DIR/nodes/$1 cg labels=''
  cg=$(kube::_runtime_cgroup "$node")
  mkdir -p "$cg"
  kube::_cgroup_root "$node"
  if ! proc::pid "containerd-$node" >/dev/null; then
    # shellcheck disable=SC2016 # expanded by the node's shell
    proc::start "containerd-$node" nsenter --mount="$(kube::_mnt "$node")" --net="/run/netns/$node" \
      sh -c 'echo $$ >"$1/cgroup.procs" && PATH="$2:$PATH" exec containerd --config "$3"' sh "$cg" "$KUBE_BIN" "$dir/containerd.toml"
  fi
  proc::wait_until "containerd-$node" "containerd of $node" 30 kube::_containerd_ok "$dir/containerd.sock" ||
    log::die "k8s: containerd on $node did not start (see $(proc::logfile "containerd-$node"))" 1
  kube_images::import "$node"
  [[ -z "${CC_KUBERNETES_LOCAL_GPU_DEVICES_DIR:-}" ]] || labels=nvidia.com/gpu.present=true
  proc::pid "kubelet-$node" >/dev/null ||
    proc::start "kubelet-$node" nsenter --mount="$(kube::_mnt "$node")" --net="/run/netns/$node" \
      "$KUBE_BIN/kubelet" --config "$dir/kubelet.yaml" --kubeconfig "$KUBE_DIR/node-$node.kubeconfig" \
      --hostname-override "$node" --node-ip "$addr" --cert-dir "$dir/pki" ${labels:+--node-labels "$labels"}
}

# kube::node_stop NODE: the kubelet stops (the node goes NotReady); its pods keep running, as on a
# real node whose kubelet died.
kube::node_stop() {
  kube::_config
  proc::stop "kubelet-$1" 10
}

# kube::_node_down NODE: every process of the node - kubelet, pod containers, shims, containerd.
kube::_node_down() {
  local node=$1 cg i pid left task
  local -a ctr=("$KUBE_BIN/ctr" --address "$KUBE_DIR/nodes/$node/containerd.sock" -n k8s.io)
  proc::stop "kubelet-$node" 10
  # Tasks deleted through containerd first: each shim then exits by itself and removes its socket.
  if proc::pid "containerd-$node" >/dev/null; then
    while read -r task; do
      [[ -z "$task" ]] || timeout 10 "${ctr[@]}" tasks delete --force "$task" >/dev/null 2>&1 || true
    done < <(timeout 10 "${ctr[@]}" tasks ls -q 2>/dev/null)
  fi
  for ((i = 0; i < 50; i++)); do
    left=0
    for cg in /sys/fs/cgroup/pids/"$node" /sys/fs/cgroup/pids/"$node".runtime; do
      [[ -d "$cg" ]] || continue
      while read -r pid; do
        [[ -n "$pid" ]] || continue
        # containerd itself goes by its PID file below, gracefully; the rest is killed at once.
        [[ "$pid" == "$(proc::pid "containerd-$node" 2>/dev/null)" ]] && continue
        kill -KILL "$pid" 2>/dev/null && left=1
      done < <(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null)
    done
    ((left)) || break
    sleep 0.1
  done
  proc::stop "containerd-$node" 10
  # Every pod of the node is gone: so are the addresses the CNI's IPAM still holds for them.
  rm -rf "$KUBE_DIR/nodes/$node/cni-ipam"
}

# kube::_cgroups_down: the nodes' cgroups (kubelet's cgroupRoot and the runtime's), deepest first.
kube::_cgroups_down() { netns::cgroups_down "$(kube::_made)" "%s" "%s.runtime"; }

# The kubelet sets kernel settings it needs (overcommit, panic on oops); `up` keeps the host's values
# and `down` puts them back.
kube::_sysctls_save() {
  local s
  [[ -f "$KUBE_DIR/sysctls.saved" ]] && return 0
  for s in "${KUBE_SYSCTLS[@]}"; do printf '%s %s\n' "$s" "$(cat "/proc/sys/$s")"; done >"$KUBE_DIR/sysctls.saved"
}

kube::_sysctls_restore() {
  local s v
  [[ -f "$KUBE_DIR/sysctls.saved" ]] || return 0
  while read -r s v; do
    [[ "$(cat "/proc/sys/$s" 2>/dev/null)" == "$v" ]] || echo "$v" >"/proc/sys/$s" 2>/dev/null || log::warn "k8s: could not restore $s to $v"
  done <"$KUBE_DIR/sysctls.saved"
  rm -f "$KUBE_DIR/sysctls.saved"
}

kube::_nodes_registered() { (($(kube::kubectl get nodes -o name 2>/dev/null | wc -l) >= ${#KUBE_NODES[@]})); }

# kube::_pod_cidrs: each node's pod CIDR, the range its CNI configuration hands out (set once).
kube::_pod_cidrs() {
  local i have
  for ((i = 0; i < ${#KUBE_NODES[@]}; i++)); do
    have=$(kube::kubectl get node "${KUBE_NODES[i]}" -o jsonpath='{.spec.podCIDR}')
    [[ -n "$have" ]] && continue
    kube::kubectl patch node "${KUBE_NODES[i]}" --type merge \
      -p "{\"spec\":{\"podCIDR\":\"${KUBE_CIDRS[i]}\",\"podCIDRs\":[\"${KUBE_CIDRS[i]}\"]}}" >/dev/null ||
      log::die "k8s: could not set the pod CIDR of node ${KUBE_NODES[i]}" 1
  done
}

# kube::build: the components and images, built or found cached, nothing started (`stack build k8s`:
# make test builds them beside the unit tests). One build at a time: a second waits for the first and
# then finds its result.
kube::build() {
  kube::_config
  kube::_require_tools
  mkdir -p "$KUBE_DIR" "$KUBE_BUILD"
  (
    flock -w 3600 9 || log::die "k8s: another build held $KUBE_BUILD/.lock for an hour" 1
    "$CC_ROOT/test-infra/local/k8s/build.sh" "$KUBE_BUILD" "$CC_KUBERNETES_LOCAL_RELEASE" >&2 || exit 1
    kube_images::build
    kube_images::build_python
  ) 9>"$KUBE_BUILD/.lock" || exit 1
  kube_images::_refs # the image references, for the caller (the build ran in the locked subshell)
}

kube::up() {
  local start i
  start=$(util::now)
  kube::build
  kube::_pki
  kube::_net_up
  kube::_control_plane_up
  kube::_sysctls_save
  for ((i = 0; i < ${#KUBE_NODES[@]}; i++)); do
    kube::_mnt_up "${KUBE_NODES[i]}"
    kube::_node_files "${KUBE_NODES[i]}" "${KUBE_ADDRS[i]}" "${KUBE_CIDRS[i]}"
    kube::node_start "${KUBE_NODES[i]}" "${KUBE_ADDRS[i]}"
  done
  util::wait_for 60 "${#KUBE_NODES[@]} node(s) to register" kube::_nodes_registered ||
    log::die "k8s: the nodes did not register (see $CC_LOCAL_STATE/logs/kubelet-*.log): $(kube::kubectl get nodes --no-headers 2>&1 | tr '\n' ' ')" 1
  kube::_pod_cidrs
  kube_addons::up
  kube_addons::wait
  log::ok "k8s: Kubernetes $CC_KUBERNETES_LOCAL_RELEASE up with ${#KUBE_NODES[@]} node(s) in $(util::elapsed "$start")s (KUBECONFIG=$CC_KUBERNETES_KUBECONFIG)"
}

kube::down() {
  kube::_config
  local f name
  for f in "$CC_LOCAL_STATE"/pids/kubelet-*.pid; do
    [[ -e "$f" ]] || continue
    name=${f##*/kubelet-}
    proc::stop "kubelet-${name%.pid}" 10 &
  done
  wait
  if [[ -f "$(kube::_made)" ]]; then
    while read -r kind name _; do
      [[ "$kind" == node ]] && kube::_node_down "$name"
    done <"$(kube::_made)"
  fi
  proc::stop kube-scheduler 10 &
  proc::stop kube-controller-manager 10 &
  wait
  proc::stop kube-api-forward 5
  for f in "$CC_LOCAL_STATE"/pids/kube-forward-*.pid; do
    [[ -e "$f" ]] || continue
    name=${f##*/}
    proc::stop "${name%.pid}" 5
  done
  proc::stop kube-apiserver 15
  proc::stop kube-etcd 15
  kube::_mnt_down
  kube::_cgroups_down
  kube::_net_down
  rm -f "$(kube::_made)"
  kube::_sysctls_restore
}

kube::status() {
  kube::_config
  local s rc=0 node i port
  local -a services=(kube-etcd kube-apiserver kube-api-forward kube-controller-manager kube-scheduler)
  for node in "${KUBE_NODES[@]}"; do services+=("containerd-$node" "kubelet-$node"); done
  for ((i = 0; i < ${CC_KUBERNETES_LOCAL_HOST_PORTS_COUNT:-0}; i++)); do
    port=CC_KUBERNETES_LOCAL_HOST_PORTS_$i
    services+=("kube-forward-${!port}")
  done
  for s in "${services[@]}"; do proc::status "$s" || rc=1; done
  return "$rc"
}
