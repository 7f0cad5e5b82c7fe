#!/usr/bin/env bash
# Prints the wall time of `make test-all-clusters` (every framework against the local target, the
# stack brought up and down by the run when it is not up) and, with --runs N, whether N consecutive
# runs give the same pass/fail/skip set (the spec's consistency criterion: 3 runs).
# Usage: bench/all-clusters.sh [--runs N] [--config FILE] [--parallel] [--frameworks LIST]
#        bench/all-clusters.sh --fresh [--cold-go]
# --fresh: what a new user pays - `git clone` of this checkout (../shared beside it) and `make
# test-all-clusters` there, the venv and the local cluster's build made anew; --cold-go: with empty Go
# caches too (a fresh machine: the modules downloaded again, every component compiled; about 25 minutes).
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
cd "$CC_ROOT"

runs=1 config=test-infra/configs/local.yaml
parallel=() frameworks=()
fresh=0 cold_go=0
while (($#)); do
  case $1 in
    --fresh) fresh=1 ;;
    --cold-go) cold_go=1 ;;
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --config) config=${2:?--config needs a file}; shift ;;
    --parallel) parallel=(--parallel) ;;
    --frameworks)
      [[ $# -ge 2 && -n "$2" && "$2" != -* ]] || log::die "--frameworks needs a comma-separated list"
      frameworks=(--frameworks "$2"); shift ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) log::die "unknown argument '$1'" ;;
  esac
  shift
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || log::die "--runs takes a positive whole number, got '$runs'"
((fresh || !cold_go)) || log::die "--cold-go goes with --fresh"

# bench::fresh: the README's first command in a new clone; prints its wall time and result line.
bench::fresh() {
  [[ -d "$CC_ROOT/../shared" ]] || log::die "--fresh: ../shared is not beside this checkout"
  ! test-infra/local/stack status >/dev/null 2>&1 ||
    log::die "--fresh: this checkout's local stack is up; the clone's would take the same names (stack down first)"
  local tmp start rc=0
  # beside this checkout, not under /tmp: the SLURM nodes mount a /tmp of their own over the host's
  tmp=$(mktemp -d "$(cd "$CC_ROOT/.." && pwd)/cc-fresh.XXXXXX")
  chmod 755 "$tmp" # the stack's service users (postgres, munge, slurm) reach their state under the clone
  mkdir -p reports/bench-all-clusters
  util::trap_add "cp '$tmp/run.log' '$CC_ROOT/reports/bench-all-clusters/fresh.log' 2>/dev/null; chmod -R u+w '$tmp' 2>/dev/null; rm -rf '$tmp'" EXIT
  git clone -q "$CC_ROOT" "$tmp/main"
  ln -s "$(cd "$CC_ROOT/.." && pwd)/shared" "$tmp/shared"
  local -a env=()
  ((cold_go)) && env=(GOCACHE="$tmp/go-cache" GOMODCACHE="$tmp/go-mod")
  log::info "fresh clone in $tmp/main$( ((cold_go)) && echo ', empty Go caches'): make test-all-clusters (log: $tmp/run.log, kept as reports/bench-all-clusters/fresh.log)"
  start=$(util::now)
  env "${env[@]}" make -C "$tmp/main" test-all-clusters >"$tmp/run.log" 2>&1 || rc=$?
  printf 'fresh clone%s: make test-all-clusters %.1f s, exit %d: %s\n' "$( ((cold_go)) && echo ', empty Go caches')" \
    "$(util::elapsed "$start")" "$rc" "$(grep -E '^all-clusters: ' "$tmp/run.log" | tail -n 1)"
  return "$rc"
}
if ((fresh)); then
  bench::fresh
  exit
fi
if ((${#frameworks[@]})); then
  IFS=, read -ra names <<<"${frameworks[1]}"
  for f in "${names[@]}"; do
    [[ -x "frameworks/test-$f-framework.sh" ]] || log::die "--frameworks: no framework '$f'"
  done
fi

out=reports/bench-all-clusters
rm -rf "$out"
mkdir -p "$out"
for ((i = 1; i <= runs; i++)); do
  start=$(util::now)
  rc=0
  test-infra/run-all-clusters.sh --config "$config" --report-dir "$out/run-$i" "${parallel[@]}" "${frameworks[@]}" >"$out/run-$i.log" 2>&1 || rc=$?
  wall=$(util::elapsed "$start")
  # The set compared between runs: each check with its status; the counts line for people.
  counts=$(python3 - "$out/run-$i/summary.json" "$out/run-$i.set" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as out:
    for c in data["checks"]:
        out.write(f"{c['suite']}/{c['name']}\t{c['status']}\n")
n = data["counts"]
print(f"{n['passed']} passed, {n['failed']} failed, {n['error']} errors, {n['skipped']} skipped of {n['total']}")
PY
  )
  printf 'run %d: wall time %.1f s, exit %d: %s\n' "$i" "$wall" "$rc" "$counts"
  # each framework's whole e2e (cluster start to stop), as run-all-clusters noted it
  for f in "$out/run-$i"/*/e2e.json; do
    [[ -e "$f" ]] || continue
    printf '  %-18s %7.1f s\n' "$(basename "$(dirname "$f")")" "$(sed -n 's/.*"wall_s": *\([0-9.]*\).*/\1/p' "$f")"
  done
done
if ((runs > 1)); then
  same=yes
  for ((i = 2; i <= runs; i++)); do
    if ! diff -u "$out/run-1.set" "$out/run-$i.set" >"$out/diff-$i.txt"; then
      same=no
      printf 'run %d differs from run 1:\n' "$i"
      grep '^[-+][^-+]' "$out/diff-$i.txt" | sed 's/^/  /'
    fi
  done
  printf 'consistent pass/fail/skip set over %d runs: %s (%d checks)\n' "$runs" "$same" "$(wc -l <"$out/run-1.set")"
  [[ "$same" == yes ]] || exit 1
fi
