#!/usr/bin/env bash
# Check: a pod resolves kubernetes.default and a test service of its own namespace (CoreDNS)
# timeout: 600
set -euo pipefail
# shellcheck source=suites/kubernetes-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

k8s::facts probe k8s probe dns --name dns-resolution
check::expect_eq "nslookup pod" "$(facts::get probe lookup)" Succeeded
check::expect "kubernetes.default resolved (log: $(facts::get probe lookup_log))" grep -q 'Name: kubernetes.default' <<<"$(facts::get probe lookup_log)"
k8s::expect_namespace_deleted probe
check::finish "kubernetes.default and a test service resolve from a pod"
