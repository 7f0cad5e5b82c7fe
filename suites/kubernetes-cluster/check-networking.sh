#!/usr/bin/env bash
# Check: pods on two different nodes exchange traffic (HTTP from one to the other's pod IP)
# timeout: 600
set -euo pipefail
# shellcheck source=suites/kubernetes-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

k8s::facts probe k8s probe networking --name networking
skip=$(facts::get probe skip)
[[ -z "$skip" ]] || check::skip "$skip"
check::expect "server pod running (got: $(facts::get probe server))" grep -q '^Running' <<<"$(facts::get probe server)"
check::expect_eq "client pod on $(facts::get probe client_node)" "$(facts::get probe client)" Succeeded
check::expect "the server's answer arrived (log: $(facts::get probe client_log))" grep -q cc-net-ok <<<"$(facts::get probe client_log)"
k8s::expect_namespace_deleted probe
check::finish "pod-to-pod HTTP across nodes: $(facts::get probe server) -> $(facts::get probe client_node)"
