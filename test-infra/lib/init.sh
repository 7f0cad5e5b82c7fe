#!/usr/bin/env bash
# Entry point of the shell library: source this one file, it sources the rest.
# The framework's libraries are in test-infra/lib (CC_LIB), the checks' in test-infra/checks (CC_CHECKS);
# each file holds one namespace, named after the file (slurm-capacity.sh: slurm_capacity::).
# shellcheck disable=SC2034  # CC_ROOT, CC_LIB and CC_CHECKS are for the scripts that source this file.
CC_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CC_ROOT=$(cd "$CC_LIB/../.." && pwd)
CC_CHECKS=$CC_ROOT/test-infra/checks
# shellcheck source=test-infra/lib/log.sh
source "$CC_LIB/log.sh"
# shellcheck source=test-infra/lib/util.sh
source "$CC_LIB/util.sh"
# shellcheck source=test-infra/lib/owner.sh
source "$CC_LIB/owner.sh"

# The project's venv, when there is one, provides the clustercheck helper.
if [[ -x "$CC_ROOT/.venv/bin/clustercheck" && ":$PATH:" != *":$CC_ROOT/.venv/bin:"* ]]; then
  PATH="$CC_ROOT/.venv/bin:$PATH"
  export PATH
fi
