#!/usr/bin/env bash
# make test-e2e: every e2e file, in order, sharing the local target between them. Each file still
# brings up what it needs (setup_file; a no-op for what already runs) but leaves it running for the
# next (E2E_KEEP_STACK=1 -> stack_release keeps it): MLflow's stack takes 35-55 s to start here and
# SLURM's 40 s, and four files need one or both. Everything is stopped once, after the last file,
# however the run ends - unless --keep-stack: then the caller stops it (tests/run-all.sh runs two of
# these at once, on parts of the stack that do not meet, and stops the stack after both). Each file's
# wall time is printed at the end (where CI's log tail shows it).
# Arguments: [--keep-stack] bats options, then files (default: every tests/e2e/*.bats).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
stack=test-infra/local/stack
times=()
# shellcheck disable=SC2317 # called by the EXIT trap
run_all::times() {
  ((${#times[@]})) || return 0
  echo "--- e2e wall time by file ---"
  printf '%s\n' "${times[@]}"
}
keep_stack=
[[ "${1:-}" != --keep-stack ]] || { keep_stack=1; shift; }
# shellcheck disable=SC2317 # called by the EXIT trap
run_all::end() {
  [[ -n "$keep_stack" ]] || "$stack" down || true
  run_all::times
}
trap 'run_all::end' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

opts=() files=()
while (($#)); do
  case $1 in
    -f | --filter) opts+=("$1" "$2"); shift ;;
    -*) opts+=("$1") ;;
    *) if [[ -d "$1" ]]; then files+=("$1"/*.bats); else files+=("$1"); fi ;;
  esac
  shift
done
((${#files[@]})) || files=(tests/e2e/*.bats)

rc=0 total=$SECONDS
for f in "${files[@]}"; do
  start=$SECONDS
  E2E_KEEP_STACK=1 bats --timing "${opts[@]}" "$f" || rc=1
  times+=("$(printf '%5d s  %s' $((SECONDS - start)) "${f##*/}")")
done
times+=("$(printf '%5d s  all %d file(s)' $((SECONDS - total)) "${#files[@]}")")
exit "$rc"
