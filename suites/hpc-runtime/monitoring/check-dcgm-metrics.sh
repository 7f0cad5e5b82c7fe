#!/usr/bin/env bash
# Check: the DCGM exporter serves GPU metrics (hpc.monitoring.dcgm_url): utilisation and framebuffer
# memory for at least one GPU per GPU node
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

url=${CC_HPC_MONITORING_DCGM_URL:-}
[[ -n "$url" ]] || check::skip "no DCGM exporter configured (hpc.monitoring.dcgm_url; the local target has no GPU)"
curl -sf --max-time 10 "$url" -o "$CC_ARTIFACT_DIR/dcgm.txt" || check::fail "the DCGM exporter at $url did not answer"
for metric in DCGM_FI_DEV_GPU_UTIL DCGM_FI_DEV_FB_USED; do
  n=$(grep -c "^$metric{" "$CC_ARTIFACT_DIR/dcgm.txt" || true)
  ((n > 0)) || check::note_failure "$url serves no $metric"
done
gpus=$(awk 'match($0, /^DCGM_FI_DEV_GPU_UTIL\{.*gpu="[0-9]+"/) { g = $0; sub(/.*gpu="/, "", g); sub(/".*/, "", g); seen[g] = 1 }
  END { print length(seen) }' "$CC_ARTIFACT_DIR/dcgm.txt")
check::finish "DCGM exporter serves utilisation and memory for $gpus GPU(s)"
