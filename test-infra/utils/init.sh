#!/usr/bin/env bash
# Entry point of the shell library: source this one file, it sources the rest.
# shellcheck disable=SC2034  # CC_ROOT and CC_UTILS are for the scripts that source this file.
CC_UTILS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CC_ROOT=$(cd "$CC_UTILS/../.." && pwd)
# shellcheck source=test-infra/utils/log.sh
source "$CC_UTILS/log.sh"
# shellcheck source=test-infra/utils/util.sh
source "$CC_UTILS/util.sh"
# shellcheck source=test-infra/utils/owner.sh
source "$CC_UTILS/owner.sh"

# The project's venv, when there is one, provides the clustercheck helper.
if [[ -x "$CC_ROOT/.venv/bin/clustercheck" && ":$PATH:" != *":$CC_ROOT/.venv/bin:"* ]]; then
  PATH="$CC_ROOT/.venv/bin:$PATH"
  export PATH
fi
