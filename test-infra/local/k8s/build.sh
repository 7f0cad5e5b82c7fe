#!/usr/bin/env bash
# build.sh OUT_DIR [RELEASE]: build the local cluster's components from their Go modules into OUT_DIR/bin, once.
# Each component is pinned by a module of ours under build/ (go.mod and go.sum committed): Kubernetes
# (apiserver, controller-manager, scheduler, kubelet, kube-proxy, kubectl), etcd, containerd with its
# runc shim and ctr, CoreDNS, metrics-server, Traefik (the ingress controller), and our own agents (the pause process and the GPU device plugin).
# OUT_DIR/.built holds the key of what was built (the modules' go.mod/go.sum and our sources): an
# unchanged key builds nothing. Go's own caches make a rebuild after a small change a matter of links.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=test-infra/lib/log.sh
source "$here/../../lib/log.sh"

out=${1:?usage: build.sh OUT_DIR [RELEASE]}
command -v go >/dev/null || log::die "k8s: go is not installed: the local cluster is built from Go modules (Go 1.24 or later)" 1

build::key() {
  (cd "$here" && find build agents -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) -print0 | sort -z |
    xargs -0 sha256sum; cat "$here/build.sh") | sha256sum | cut -c1-16
}

# build::go MODULE_DIR CGO TAGS OUT PKG...: go build PKG... into OUT (a directory, or a file for one PKG).
build::go() {
  local dir=$1 cgo=$2 tags=$3 target=$4
  shift 4
  (cd "$here/$dir" && CGO_ENABLED=$cgo GOFLAGS=-buildvcs=false go build -trimpath -tags "$tags" -ldflags "$LDFLAGS" -o "$target" "$@")
}

release=$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" { print $3 }' "$here/build/kubernetes/go.mod")
if [[ -n "${2:-}" && "$2" != "$release" ]]; then
  log::die "k8s: the config's kubernetes.local.release is $2 but test-infra/local/k8s/build/kubernetes/go.mod pins $release: change one to match" 2
fi
key=$(build::key)
if [[ -f "$out/.built" && "$(cat "$out/.built")" == "$key" ]]; then
  log::debug "k8s: components built ($out/bin, key $key)"
  exit 0
fi
minor=${release#v1.}
minor=${minor%%.*}
start=$SECONDS
log::info "k8s: building Kubernetes $release, etcd, containerd, CoreDNS, metrics-server, Traefik from their Go modules (first build: about 20 min on 2 cores)"
mkdir -p "$out/bin"
rm -f "$out/.built"
v=k8s.io/component-base/version
LDFLAGS="-s -w -X $v.gitVersion=$release -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
LDFLAGS+=" -X k8s.io/client-go/pkg/version.gitVersion=$release"
build::go build/kubernetes 1 '' "$out/bin/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl
log::info "k8s: Kubernetes built ($((SECONDS - start)) s)"
LDFLAGS="-s -w"
build::go build/etcd 0 '' "$out/bin/etcd" go.etcd.io/etcd/server/v3
build::go build/containerd 0 'no_btrfs no_devmapper no_zfs' "$out/bin/" github.com/containerd/containerd/v2/cmd/containerd \
  github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 github.com/containerd/containerd/v2/cmd/ctr
build::go build/coredns 0 '' "$out/bin/coredns" github.com/coredns/coredns
build::go build/metrics-server 0 '' "$out/bin/metrics-server" sigs.k8s.io/metrics-server/cmd/metrics-server
build::go build/traefik 0 '' "$out/bin/traefik" github.com/traefik/traefik/v3/cmd/traefik
build::go agents 0 '' "$out/bin/" ./cmd/pause ./cmd/gpu-device-plugin
printf '%s\n' "$key" >"$out/.built"
log::ok "k8s: components built in $((SECONDS - start)) s ($out/bin)"
