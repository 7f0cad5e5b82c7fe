#!/usr/bin/env bash
# How fast the Python helper starts: five calls each of three commands (its help, the config export every
# check begins with, a command group's help), the median of each. With PYTHON_DIR, the helper of another
# checkout's python/ folder (e.g. a git worktree of an earlier commit) in this venv, to compare.
# Usage: bench/helper-startup.sh [PYTHON_DIR]
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
cd "$CC_ROOT"
util::help_if_asked "$0" "$@"
python_dir=$(realpath "${1:-$CC_ROOT/python}")
[[ -d "$python_dir/clustercheck" ]] || log::die "helper-startup.sh: $python_dir has no clustercheck package" 2
[[ -x "$CC_ROOT/.venv/bin/python" ]] || log::die "helper-startup.sh: no venv (make setup)" 2
tmp=$(mktemp -d)
util::trap_add "rm -rf '$tmp'" EXIT
config=$CC_ROOT/test-infra/configs/local.yaml

# helper::median LABEL CMD...: CMD five times (after one unmeasured warm-up), the median wall time.
helper::median() {
  local label=$1 i start
  shift
  "$@" >/dev/null 2>&1 || true
  for i in 1 2 3 4 5; do
    start=$(util::now)
    "$@" >/dev/null 2>&1 || true
    util::elapsed "$start"
    echo
  done | sort -n | sed -n 3p | awk -v l="$label" '{ printf "%-44s median of 5: %6.0f ms\n", l, $1 * 1000 }'
}

cc() { PYTHONPATH=$python_dir "$CC_ROOT/.venv/bin/python" -m clustercheck "$@"; }
printf 'helper from %s (%s CPUs)\n' "$python_dir" "$(nproc)"
helper::median "clustercheck --help" cc --help
helper::median "clustercheck config export local.yaml" cc config export "$config" -o "$tmp/env"
helper::median "clustercheck inference load --help" cc inference load --help
