#!/usr/bin/env bash
# Shared by the benches that measure the local MLOps stack's model server. Sourced after init.sh.

# bench::runs_arg NAME DEFAULT ARGS...: the one optional RUNS argument (a positive count), or exit 2.
bench::runs_arg() {
  local name=$1 default=$2
  shift 2
  local runs=${1:-$default}
  [[ "$runs" =~ ^[1-9][0-9]*$ && $# -le 1 ]] ||
    log::die "$name: RUNS must be a positive count, got '$*' (see: $0 --help)" 2
  printf '%s' "$runs"
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
