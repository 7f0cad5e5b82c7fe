#!/usr/bin/env bash
# Prints the wall time of `make test-all-clusters` (every framework against the local target, the
# stack brought up and down by the run when it is not up) and, with --runs N, whether N consecutive
# runs give the same pass/fail/skip set (the spec's consistency criterion: 3 runs).
# Usage: bench/all-clusters.sh [--runs N] [--config FILE] [--parallel] [--frameworks LIST]
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
cd "$CC_ROOT"

runs=1 config=test-infra/configs/local.yaml
parallel=() frameworks=()
while (($#)); do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --config) config=${2:?--config needs a file}; shift ;;
    --parallel) parallel=(--parallel) ;;
    --frameworks)
      [[ $# -ge 2 && -n "$2" && "$2" != -* ]] || log::die "--frameworks needs a comma-separated list"
      frameworks=(--frameworks "$2"); shift ;;
    -h | --help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) log::die "unknown argument '$1'" ;;
  esac
  shift
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || log::die "--runs takes a positive whole number, got '$runs'"
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
