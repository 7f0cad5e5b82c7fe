#!/usr/bin/env bash
# Check: the served model is the registry's version under the configured alias (same predictions)
# depends: check-inference-service-deployment
# timeout: 180
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ -n "${CC_INFERENCE_ENDPOINT_REGISTRY_ALIAS:-}" && -n "${CC_MLOPS_MLFLOW_URL:-}" ]] ||
  check::skip "no registry to compare with (inference.endpoint.registry_alias and mlops.mlflow.url)"

facts::run model-match inference model-match
version=$(facts::get model-match registry_version)
[[ "$version" != unresolved* && -n "$version" ]] || check::fail "registry: ${version:-no answer}"
rows=$(facts::get model-match rows)
[[ -n "$rows" ]] || check::fail "served model: $(facts::get model-match served)"
check::expect_eq "served predictions equal to $version's on $rows rows" "$(facts::get model-match agree)" "$rows"
diff=$(facts::get model-match first_difference)
[[ -z "$diff" ]] || check::note_failure "first difference: $diff"
check::finish "the served model predicts as $version"
