#!/usr/bin/env bash
# Check: the cluster's version and Kubespray's components (kubelets, CoreDNS, kube-proxy, Calico) match
set -euo pipefail
# shellcheck source=suites/kubernetes-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

k8s::facts inst k8s facts installation
version=$(facts::get inst version)
if [[ -n "${CC_KUBERNETES_EXPECTED_VERSION:-}" ]]; then
  check::expect "server version $version is the deployed $CC_KUBERNETES_EXPECTED_VERSION" \
    grep -Eq "^${CC_KUBERNETES_EXPECTED_VERSION//./\\.}(\\.|$)" <<<"$version"
fi
while IFS=$'\t' read -r key value; do
  check::expect "${key#kubelet.} kubelet $value matches the server's minor ${version%.*}" grep -q "^${version%.*}" <<<"$value"
done < <(facts::matching inst kubelet.)
k8s::expect_ready inst component.
check::finish "Kubernetes $version; kubelets, CoreDNS, kube-proxy, Calico as deployed"
