#!/usr/bin/env bash
# Shared by the benches: their RUNS argument, the local MLOps stack around a bench, and SLURM clusters of
# their own. Sourced after init.sh.

# bench::timed LABEL CMD...: run CMD, print its wall time; its log stays in $tmp/last.log ($tmp: the
# bench's scratch directory). A failing CMD ends the bench with its log's tail (with BENCH_ANY_EXIT=1
# its exit status is printed and the bench goes on: a run whose verdicts are the figure).
bench::timed() {
  local label=$1 start rc=0
  shift
  start=$(util::now)
  # shellcheck disable=SC2154  # tmp is the sourcing bench's scratch directory
  "$@" >"$tmp/last.log" 2>&1 || rc=$?
  printf '%-56s %6.1f s  (exit %d)\n' "$label" "$(util::elapsed "$start")" "$rc"
  ((rc == 0 || ${BENCH_ANY_EXIT:-0})) || { tail -n 5 "$tmp/last.log"; exit 1; }
}

# bench::runs_arg DEFAULT ARGS...: the bench's one optional RUNS argument (a positive count) as BENCH_RUNS;
# -h/--help prints the bench's header and exits 0; anything else exits 2.
bench::runs_arg() {
  local default=$1
  shift
  util::help_if_asked "$0" "$@"
  BENCH_RUNS=${1:-$default}
  [[ "$BENCH_RUNS" =~ ^[1-9][0-9]*$ && $# -le 1 ]] ||
    log::die "$(basename "$0"): RUNS must be a positive count, got '$*' (see: $0 --help)" 2
}

# bench::mlops_up CONFIG TMP: bring the local MLOps stack up when it is not, and down again on exit
# (only a stack this bench started). Registers its own EXIT handler.
bench::mlops_up() {
  BENCH_CONFIG=$1
  if ! CC_STACK_CONFIG=$BENCH_CONFIG "$CC_ROOT/test-infra/local/stack" status mlops >/dev/null 2>&1; then
    util::trap_add "CC_STACK_CONFIG='$BENCH_CONFIG' '$CC_ROOT/test-infra/local/stack' down mlops >/dev/null 2>&1 || true" EXIT
    CC_STACK_CONFIG=$BENCH_CONFIG "$CC_ROOT/test-infra/local/stack" up mlops >"$2/up.log" 2>&1 ||
      { tail -n 5 "$2/up.log"; log::die "bench: the local MLOps stack did not come up" 1; }
  fi
}

# bench::absolute_config BASE [SED_ARG...]: BASE (a config of test-infra/configs) printed with absolute
# paths, usable from any directory; SED_ARGs (-e EXPR) apply first.
bench::absolute_config() {
  local base=$1
  shift
  sed "$@" -e "s#\.\./\.\./#$CC_ROOT/#g" \
    -e "s#^  cli_config: .*#  cli_config: $CC_ROOT/test-infra/configs/local-cluster.yaml#" "$base"
}

# bench::config_set BASE OUT KEY=YAML...: BASE with absolute paths and the dotted keys set, written to OUT.
bench::config_set() {
  local base=$1 out=$2
  shift 2
  bench::absolute_config "$base" >"$out"
  "$CC_ROOT/.venv/bin/python" "$CC_ROOT/test-infra/lib/yaml-set.py" "$out" "$@"
}

# bench::hpc_base TMP: local.yaml with absolute paths and a state directory of its own (TMP/state,
# exported as CC_LOCAL_STATE), so a bench's SLURM clusters leave the stack of `make stack-up` alone (they
# still need its ports and names: that stack must be down). Sets BENCH_HPC_BASE to the config's path.
bench::hpc_base() {
  chmod 755 "$1" # MariaDB runs as mysql and must reach its data directory under it
  export CC_LOCAL_STATE=$1/state
  bench::absolute_config "$CC_ROOT/test-infra/configs/local.yaml" -e "s#\.\./\.\./\.local-target/#$1/state/#" >"$1/local.yaml"
  BENCH_HPC_BASE=$1/local.yaml # read by the bench that sourced this file
  export BENCH_HPC_BASE
}

# bench::hpc_nodes BASE N: BASE with N compute nodes; prints its path.
bench::hpc_nodes() {
  sed -e "s/^    nodes: 2$/    nodes: $2/" -e "s/^    compute_nodes: 2$/    compute_nodes: $2/" "$1" >"${1%.yaml}-$2.yaml"
  printf '%s\n' "${1%.yaml}-$2.yaml"
}

# bench::hpc_must_be_down: the local SLURM cluster's ports and names are free, or exit 2.
bench::hpc_must_be_down() {
  if "$CC_ROOT/test-infra/local/stack" status hpc >/dev/null 2>&1 || ip link show cc-slurm0 >/dev/null 2>&1; then
    log::die "bench: the local SLURM cluster is up; it uses the ports and names this benchmark needs (make stack-down)" 2
  fi
}
