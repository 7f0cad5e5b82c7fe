#!/usr/bin/env bash
# The local cluster's images, built here from the binaries build.sh made and Debian's packages (no
# registry can be reached, and nothing is pulled): the pause sandbox, busybox for the checks' probe pods,
# kube-proxy with iptables, CoreDNS, metrics-server, Traefik, the GPU device plugin, and clustercheck. Written once per build
# (k8s/oci-image.py; same inputs, same digest) and imported into each node's containerd, pinned so that
# the kubelet never collects them. Sourced by test-infra/local/stack after kube.sh.

# kube_images::_version MODULE_DIR MODULE: the version build/MODULE_DIR/go.mod pins MODULE at.
kube_images::_version() {
  awk -v m="$2" '($1 == "require" && $2 == m) || $1 == m { print $2 == m ? $3 : $2; exit }' \
    "$CC_ROOT/test-infra/local/k8s/build/$1/go.mod"
}

kube_images::_refs() {
  KUBE_PAUSE_IMAGE=cc.local/pause:1
  KUBE_BUSYBOX_IMAGE=${CC_KUBERNETES_IMAGES_BUSYBOX:-cc.local/busybox:debian12}
  KUBE_PROXY_IMAGE=cc.local/kube-proxy:$CC_KUBERNETES_LOCAL_RELEASE
  KUBE_COREDNS_IMAGE=cc.local/coredns:$(kube_images::_version coredns github.com/coredns/coredns)
  KUBE_METRICS_IMAGE=cc.local/metrics-server:$(kube_images::_version metrics-server sigs.k8s.io/metrics-server)
  KUBE_PLUGIN_IMAGE=cc.local/gpu-device-plugin:1
  KUBE_PYTHON_IMAGE=cc.local/clustercheck:1
  KUBE_TRAEFIK_IMAGE=cc.local/traefik:$(kube_images::_version traefik github.com/traefik/traefik/v3)
}

# kube_images::build: every image's archive under the build directory (once per build).
kube_images::build() {
  kube_images::_refs
  local dir=$KUBE_BUILD/images oci=$CC_ROOT/test-infra/local/k8s/oci-image.py xt=/usr/lib/x86_64-linux-gnu/xtables
  local stamp
  stamp="$(cat "$KUBE_BUILD/.built") $KUBE_BUSYBOX_IMAGE $(cat "$oci" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)"
  [[ -f "$dir/.built" && "$(cat "$dir/.built")" == "$stamp" ]] && return 0
  log::info "k8s: writing the cluster's images ($dir)"
  mkdir -p "$dir"
  rm -f "$dir/.built"
  command -v busybox >/dev/null || log::die "k8s: busybox is not installed (run: make setup; Debian package busybox-static)" 1
  python3 "$oci" --ref "$KUBE_PAUSE_IMAGE" --out "$dir/pause.tar" --add "$KUBE_BIN/pause:/pause" --entrypoint /pause
  local -a applets=()
  local a
  for a in $(busybox --list); do [[ "$a" == busybox ]] || applets+=(--link "/bin/$a:busybox"); done
  # The static busybox still loads glibc's name service modules to resolve, even an address: without
  # them its wget and nslookup crash.
  local -a nss=()
  for a in /usr/lib/x86_64-linux-gnu/libnss_files.so.2 /usr/lib/x86_64-linux-gnu/libnss_dns.so.2; do
    nss+=(--add "$a:$a" --with-libs "$a")
  done
  printf 'hosts: files dns\n' >"$dir/nsswitch.conf"
  python3 "$oci" --ref "$KUBE_BUSYBOX_IMAGE" --out "$dir/busybox.tar" --add "$(command -v busybox):/bin/busybox" "${applets[@]}" \
    "${nss[@]}" --add "$dir/nsswitch.conf:/etc/nsswitch.conf" --entrypoint /bin/sh
  [[ -d "$xt" ]] || log::die "k8s: $xt is missing (run: make setup; Debian package iptables)" 1
  local -a tables=()
  for a in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    tables+=(--link "/usr/sbin/$a:xtables-nft-multi")
  done
  python3 "$oci" --ref "$KUBE_PROXY_IMAGE" --out "$dir/kube-proxy.tar" --add "$KUBE_BIN/kube-proxy:/usr/local/bin/kube-proxy" \
    --with-libs "$KUBE_BIN/kube-proxy" --add /usr/sbin/xtables-nft-multi:/usr/sbin/xtables-nft-multi \
    --with-libs /usr/sbin/xtables-nft-multi --add "$xt:$xt" "${tables[@]}" \
    --entrypoint /usr/local/bin/kube-proxy
  python3 "$oci" --ref "$KUBE_COREDNS_IMAGE" --out "$dir/coredns.tar" --add "$KUBE_BIN/coredns:/coredns" --entrypoint /coredns
  python3 "$oci" --ref "$KUBE_METRICS_IMAGE" --out "$dir/metrics-server.tar" --add "$KUBE_BIN/metrics-server:/metrics-server" \
    --entrypoint /metrics-server
  python3 "$oci" --ref "$KUBE_TRAEFIK_IMAGE" --out "$dir/traefik.tar" --add "$KUBE_BIN/traefik:/traefik" --entrypoint /traefik
  python3 "$oci" --ref "$KUBE_PLUGIN_IMAGE" --out "$dir/gpu-device-plugin.tar" \
    --add "$KUBE_BIN/gpu-device-plugin:/gpu-device-plugin" --entrypoint /gpu-device-plugin
  printf '%s\n' "$stamp" >"$dir/.built"
}

# kube_images::build_python: cc.local/clustercheck, Debian's Python with this checkout's clustercheck
# package (and the little its probe and load worker import): what the GPU node Jobs and the load
# workers' Indexed Job run. Rewritten when the package changes.
kube_images::build_python() {
  kube_images::_refs
  local dir=$KUBE_BUILD/images stamp site
  local -a deps=()
  stamp=$( (cd "$CC_ROOT/python" && git ls-files -co --exclude-standard | sort | xargs cat; cat "${BASH_SOURCE[0]}") |
    sha256sum | cut -c1-16)
  [[ -f "$dir/clustercheck.built" && "$(cat "$dir/clustercheck.built")" == "$stamp" ]] && return 0
  log::info "k8s: writing the clustercheck image ($KUBE_PYTHON_IMAGE)"
  site=$KUBE_BUILD/python-site
  rm -rf "$site" "$dir/clustercheck.built" "$KUBE_BUILD/python-src"
  # from a copy: pip builds in the source tree, which stays as it is
  cp -r "$CC_ROOT/python" "$KUBE_BUILD/python-src"
  # what the GPU probe and the load worker import, with what those need, at the venv's versions
  mapfile -t deps < <("$CC_ROOT/.venv/bin/python" - <<'PY'
import importlib.metadata as m
from packaging.requirements import Requirement
todo, seen = ["click", "PyYAML", "aiohttp", "uvloop"], {}
while todo:
    d = m.distribution(todo.pop())
    if d.metadata["Name"].lower() not in seen:
        seen[d.metadata["Name"].lower()] = f"{d.metadata['Name']}=={d.version}"
        todo += [r.name for r in map(Requirement, d.requires or []) if not r.marker or r.marker.evaluate({"extra": ""})]
print("\n".join(sorted(seen.values())))
PY
)
  "$CC_ROOT/.venv/bin/pip" install -q --no-compile --disable-pip-version-check --target "$site" --no-deps \
    "$KUBE_BUILD/python-src" "${deps[@]}" >"$KUBE_DIR/pip-image.log" 2>&1 ||
    log::die "k8s: could not install clustercheck for its image (see $KUBE_DIR/pip-image.log)" 1
  kube_images::python_tar "$KUBE_PYTHON_IMAGE" "$dir/clustercheck.tar" "$site" --entrypoint /usr/bin/python3
  printf '%s\n' "$stamp" >"$dir/clustercheck.built"
}

# kube_images::python_tar REF OUT SITE [OCI_OPTION...]: an image of Debian's Python 3.11 (its standard
# library and the shared libraries it and its extension modules load, with the C++ runtime that wheels
# built for manylinux expect) and SITE as its dist-packages.
kube_images::python_tar() {
  local ref=$1 out=$2 site=$3 py=/usr/bin/python3.11 f real
  shift 3
  local -a libs=()
  [[ -x "$py" ]] || log::die "k8s: $py is not installed (run: make setup; Debian package python3)" 1
  for f in /usr/lib/python3.11/lib-dynload/*.so; do libs+=(--with-libs "$f"); done
  # what manylinux wheels may load from the system (PEP 599's list, less X11): beside Python's own
  for f in libstdc++.so.6 libgcc_s.so.1 librt.so.1 libdl.so.2 libpthread.so.0 libutil.so.1 libz.so.1; do
    f=/usr/lib/x86_64-linux-gnu/$f
    real=$(readlink -f "$f")
    libs+=(--add "$real:$real" --with-libs "$real")
    [[ "$real" == "$f" ]] || libs+=(--link "$f:${real##*/}")
  done
  python3 "$CC_ROOT/test-infra/local/k8s/oci-image.py" --ref "$ref" --out "$out" \
    --add "$py:$py" --link /usr/bin/python3:python3.11 --with-libs "$py" "${libs[@]}" \
    --add /usr/lib/python3.11:/usr/lib/python3.11 --add "$site:/usr/local/lib/python3.11/dist-packages" "$@"
}

# kube_images::import NODE: every image into NODE's containerd (k8s.io namespace), pinned; an image
# already there with the same digest is left as it is.
kube_images::import() {
  local node=$1 sock=$KUBE_DIR/nodes/$1/containerd.sock f have ref
  local -a ctr=("$KUBE_BIN/ctr" --address "$sock" -n k8s.io)
  kube_images::_refs
  have=$("${ctr[@]}" images ls 2>/dev/null | awk 'NR > 1 { print $1 " " $3 }')
  for f in "$KUBE_BUILD"/images/*.tar; do
    ref=$(tar -xOf "$f" index.json | python3 -c 'import json, sys; m = json.load(sys.stdin)["manifests"][0]; print(m["annotations"]["io.containerd.image.name"], m["digest"])')
    grep -qxF "$ref" <<<"$have" && continue
    # the kubelet's CRI looks at its own namespace's images; unpacked for the CRI's snapshotter
    "${ctr[@]}" images import --snapshotter overlayfs "$f" >/dev/null ||
      log::die "k8s: could not import $f into $node's containerd" 1
    "${ctr[@]}" images label "${ref%% *}" io.cri-containerd.pinned=pinned >/dev/null || true
  done
}
