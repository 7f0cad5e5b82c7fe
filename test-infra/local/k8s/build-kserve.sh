#!/usr/bin/env bash
# build-kserve.sh OUT_DIR [RELEASE]: build KServe's controller (cmd/manager) from its Go module into
# OUT_DIR/bin/kserve-manager, once, and print the directory of KServe's module (its config/: CRDs, RBAC,
# webhooks, ConfigMap, runtimes), which the stack renders its manifests from.
# Pinned by build/kserve/go.mod (with KServe's own replace lines); OUT_DIR/.built holds the key of what
# was built, and an unchanged key builds nothing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=test-infra/lib/log.sh
source "$here/../../lib/log.sh"

out=${1:?usage: build-kserve.sh OUT_DIR [RELEASE]}
command -v go >/dev/null || log::die "kserve: go is not installed: KServe's controller is built from its Go module" 1
mod=github.com/kserve/kserve
release=$(awk -v m="$mod" '$1 == "require" && $2 == m { print $3 }' "$here/build/kserve/go.mod")
if [[ -n "${2:-}" && "$2" != "$release" ]]; then
  log::die "kserve: the config's kubernetes.local.kserve.release is $2 but test-infra/local/k8s/build/kserve/go.mod pins $release: change one to match" 2
fi
cd "$here/build/kserve"
key=$(cat go.mod go.sum tools.go "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)
if [[ ! -f "$out/.built" || "$(cat "$out/.built")" != "$key" ]]; then
  start=$SECONDS
  log::info "kserve: building KServe $release's controller from its Go module (first build: minutes on 2 cores)"
  mkdir -p "$out/bin"
  rm -f "$out/.built"
  CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags "-s -w" -o "$out/bin/kserve-manager" "$mod/cmd/manager" >&2
  printf '%s\n' "$key" >"$out/.built"
  log::ok "kserve: controller built in $((SECONDS - start)) s ($out/bin)"
fi
go list -m -f '{{.Dir}}' "$mod"
