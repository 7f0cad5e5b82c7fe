#!/usr/bin/env bash
# Prints the issue's speed figures: `clustercheck --help` wall time (target <= 200 ms), one check-style
# helper call (target <= 300 ms), and the cloud-VM suite's wall time on the local target.
# Usage: bench/cloud-vm.sh [--no-suite]     (the suite part boots real guests: about 3 minutes)
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
case ${1:-} in
  '' | --no-suite) (($# <= 1)) || log::die "cloud-vm.sh: takes at most --no-suite, got '$*'" ;;
  *) util::no_args "$0" "$@" ;;
esac
cd "$CC_ROOT"

# bench::median_ms N CMD...: median wall time of N runs, in milliseconds.
bench::median_ms() {
  local n=$1 i start; shift
  local -a times=()
  for ((i = 0; i < n; i++)); do
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    times+=($((($(date +%s%N) - start) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

help_ms=$(bench::median_ms 11 clustercheck --help)
printf 'clustercheck --help            median %4d ms  (target <= 200 ms)\n' "$help_ms"

# A check that calls the helper once: source the config, one `clustercheck libvirt facts` call.
tmp=$(mktemp -d)
util::trap_add "rm -rf '$tmp'" EXIT
clustercheck config export test-infra/configs/local.yaml -o "$tmp/config.env"
cat >"$tmp/check-one-helper.sh" <<CHECK
#!/usr/bin/env bash
set -euo pipefail
source "$CC_ROOT/test-infra/checks/check.sh"
source "$CC_ROOT/test-infra/checks/cloud-cli.sh"
check::init
cloud_cli::facts
check::pass "facts read"
CHECK
if test-infra/local/stack status libvirt >/dev/null 2>&1; then
  check_ms=$(CC_CONFIG_ENV=$tmp/config.env CC_ARTIFACT_DIR=$tmp/art bench::median_ms 11 bash "$tmp/check-one-helper.sh")
  printf 'check with one helper call     median %4d ms  (target <= 300 ms)\n' "$check_ms"
else
  echo "check with one helper call     not measured: local stack is down (make stack-up)"
fi

if [[ "${1:-}" != --no-suite ]]; then
  start=$(util::now)
  rc=0
  frameworks/test-cloud-vm-framework.sh e2e --report-dir "$tmp/report" >"$tmp/suite.log" 2>&1 || rc=$?
  printf 'cloud-vm e2e on local target   %6.1f s    (exit %d; %s)\n' "$(util::elapsed "$start")" "$rc" \
    "$(grep -o 'cloud-vm: [0-9].*' "$tmp/suite.log" | tail -n 1)"
  awk '/^\[/' "$tmp/suite.log" | sed 's/^/    /'
fi
