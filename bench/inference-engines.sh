#!/usr/bin/env bash
# First the engine's accuracy against the fixture server's injected delays (p50, TTFT and inter-token
# errors, against the delays and against a minimal reference client: bench/engine_accuracy.py). Then
# the engine against hey on a one-process aiohttp server, both ratios the targets name
# (bench/engine_vs_hey.py: closed-loop rate at concurrency 64, light-load p50). Then, when the
# local stack is up, our load engine beside wrk and hey on the same local model endpoint: closed-loop
# maximum throughput of each at the same concurrency, then one fixed open-loop rate where our p50/p99
# stand beside hey's (rate-limited) figures, and whether we kept that rate within 1 %.
# Usage: bench/inference-engines.sh [URL]   (default: the local stack's `mlflow models serve`)
#   ACCURACY_ONLY=1: only the accuracy part (needs no running stack).
#   CONCURRENCY (default 16), DURATION seconds (default 10), RATE for the fixed-rate part
#   (default: half our measured maximum).
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
cd "$CC_ROOT"

util::help_if_asked "$0" "$@"
(($# <= 1)) || log::die "inference-engines.sh: takes at most one URL, got '$*' (see: $0 --help)"
url=${1:-http://127.0.0.1:15001}
[[ "$url" =~ ^https?://[^/:]+(:[0-9]+)?(/.*)?$ ]] || log::die "inference-engines.sh: '$url' is not an http(s) URL"
conc=${CONCURRENCY:-16}
dur=${DURATION:-10}
"$CC_ROOT/.venv/bin/python" bench/engine_accuracy.py
[[ "${ACCURACY_ONLY:-0}" != 1 ]] || exit 0
echo
for tool in wrk hey; do
  command -v "$tool" >/dev/null || log::die "bench: $tool is not installed (make setup)" 2
done
"$CC_ROOT/.venv/bin/python" bench/engine_vs_hey.py --duration "$dur"
echo
if ! curl -sf -o /dev/null "$url/ping"; then
  log::warn "bench: no MLflow scoring server ready at $url (make stack-up): the endpoint comparison is left out"
  exit 0
fi

tmp=$(mktemp -d)
util::trap_add "rm -rf '$tmp'" EXIT
body='{"inputs":[[5.1,3.5,1.4,0.2]]}'
path=/invocations
printf '%s' "$body" >"$tmp/body.json"
cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
LUA

printf 'endpoint %s%s, %s CPUs, concurrency %s, %s s per run\n' "$url" "$path" "$(nproc)" "$conc" "$dur"
ours=$(clustercheck bench run "$url" --protocol mlflow --concurrency "$conc" --duration "$dur" \
  --warmup 1 | awk -F '\t' '$1 == "throughput" {print $2}')
wrk_rps=$(wrk -t 2 -c "$conc" -d "${dur}s" -s "$tmp/post.lua" "$url$path" | awk '/Requests\/sec/ {print $2}')
hey -z "${dur}s" -c "$conc" -m POST -T application/json -D "$tmp/body.json" "$url$path" >"$tmp/hey-max.txt"
hey_rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/hey-max.txt")
printf '%-34s %10s req/s\n' "closed loop max, clustercheck" "$ours" "closed loop max, wrk" "$wrk_rps" \
  "closed loop max, hey" "$hey_rps"
awk -v a="$ours" -v b="$hey_rps" 'BEGIN {printf "%-34s %10.0f %%   (aim: >= 50 %%)\n", "clustercheck / hey", 100 * a / b}'

rate=${RATE:-$(awk -v a="$ours" 'BEGIN {printf "%d", a / 2}')}
clustercheck bench run "$url" --protocol mlflow --rate "$rate" --duration "$dur" --warmup 1 >"$tmp/ours.tsv"
get() { awk -F '\t' -v k="$1" '$1 == k {print $2}' "$tmp/ours.tsv"; }
# hey limits each of its workers to -q requests per second: rate/conc each, conc workers.
hey -z "${dur}s" -c "$conc" -q "$(awk -v r="$rate" -v c="$conc" 'BEGIN {printf "%.2f", r / c}')" -m POST \
  -T application/json -D "$tmp/body.json" "$url$path" >"$tmp/hey-rate.txt"
hey_pct() { awk -v p="$1%" '$1 == p && $2 == "in" {printf "%.3f", $3 * 1000}' "$tmp/hey-rate.txt"; }
printf 'at %s req/s: clustercheck open loop achieved %s req/s (%s of target), lag p99 %s ms, errors %s\n' \
  "$rate" "$(get achieved_rate)" "$(awk -v a="$(get achieved_rate)" -v r="$rate" 'BEGIN {printf "%.2f %%", 100 * a / r}')" \
  "$(get schedule_lag_ms.p99)" "$(get error_rate)"
printf '%-34s p50 %8s ms   p99 %8s ms\n' "clustercheck (from schedule)" "$(get latency_ms.p50)" "$(get latency_ms.p99)" \
  "hey (rate-limited, closed loop)" "$(hey_pct 50)" "$(hey_pct 99)"
printf '%-34s %s req/s\n' "hey achieved" "$(awk '/Requests\/sec/ {print $2}' "$tmp/hey-rate.txt")"
