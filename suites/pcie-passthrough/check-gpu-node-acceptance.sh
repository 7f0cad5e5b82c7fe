#!/usr/bin/env bash
# Check: the GPU node acceptance checks (suites/gpu-node: ECC and remaps, XID, PCIe link, throttling,
# NVLink; matrix throughput, memory and host bandwidth, memory test, NCCL) pass where the passed-through
# GPU is used - this host (mode host) or inside each running VM holding one, where the probe runs from
# a copy of the clustercheck package (the guest needs python3 with click and nvidia-ml-py; torch for the
# active checks, which otherwise skip with the reason)
set -euo pipefail
# shellcheck source=suites/pcie-passthrough/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pcie::require_targets "GPU node acceptance"
dir=$CC_ARTIFACT_DIR/probes
mkdir -p "$dir"
for t in "${PCIE_TARGETS[@]}"; do
  rc=0
  if [[ "$t" == host ]]; then
    clustercheck gpu-node probe --node host --out "$dir/host.json" 2>"$CC_ARTIFACT_DIR/probe-host.err" || rc=$?
  else
    # shellcheck disable=SC2016 # expanded in the guest
    tar -C "$CC_ROOT/python" -cz --exclude=__pycache__ clustercheck |
      cloud_cli::ssh "$t" 'd=$(mktemp -d) && tar -xz -C "$d" && PYTHONPATH=$d python3 -m clustercheck gpu-node probe --node '"$(printf %q "$t")"'; rc=$?; rm -rf "$d"; exit $rc' \
      >"$dir/$t.json" 2>"$CC_ARTIFACT_DIR/probe-$t.err" || rc=$?
  fi
  if ((rc != 0)) || [[ ! -s "$dir/$t.json" ]]; then
    check::note_failure "$t: the GPU probe did not run (exit $rc): $(tail -n 1 "$CC_ARTIFACT_DIR/probe-$t.err" 2>/dev/null | sed 's/^clustercheck gpu-node: //')"
    rm -f "$dir/$t.json"
  fi
done
compgen -G "$dir/*.json" >/dev/null || check::finish "no GPU could be probed"
skipped=() passed=() notes=() unmeasured=()
for c in inventory memory xid pcie throttle nvlink matmul membw hostbw memtest nccl; do
  clustercheck gpu-node judge "$c" "$dir"/*.json --config "$CC_CONFIG_FILE" >"$CC_ARTIFACT_DIR/judge-$c.tsv" ||
    check::error "clustercheck gpu-node judge $c could not run"
  before=${#CHECK_FAILURES[@]}
  gpunode::read_verdict "$CC_ARTIFACT_DIR/judge-$c.tsv" "$c: "
  for n in "${GPUNODE_NOTES[@]}"; do notes+=("$c: $n"); done
  if [[ -n "$GPUNODE_SKIP" ]]; then
    skipped+=("$c ($GPUNODE_SKIP)")
    # NVLink and NCCL do not apply to every machine; the rest is what acceptance measures
    [[ "$c" == nvlink || "$c" == nccl ]] || unmeasured+=("$c")
  elif ((${#CHECK_FAILURES[@]} == before)); then
    passed+=("$c")
  fi
done
message="GPU node acceptance on ${PCIE_TARGETS[*]}: ${passed[*]:-nothing} passed${skipped:+; skipped: $(IFS=';'; printf '%s' "${skipped[*]}")}${notes:+; $(IFS=';'; printf '%s' "${notes[*]}")}"
# a part that was not measured (no torch in the guest, say) is not accepted: skipped, never passed
((${#CHECK_FAILURES[@]} || ${#unmeasured[@]} == 0)) || check::skip "${unmeasured[*]} not measured - $message"
check::finish "$message"
