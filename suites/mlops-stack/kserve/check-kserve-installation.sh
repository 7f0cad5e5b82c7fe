#!/usr/bin/env bash
# Check: the KServe controller runs and its CRDs are established
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mlops::require_kubernetes
mlops::facts kserve-installation k8s kserve-installation
mlops::expect_all_ok kserve-installation
check::finish "the KServe controller runs and its CRDs are established"
