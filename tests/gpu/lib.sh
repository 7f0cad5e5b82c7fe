#!/usr/bin/env bash
# Shared by the GPU-machine scripts. Sourced, never run.

# gpu::install_project [WHEELS_DIR]: the clustercheck package for the machine's python3, its missing
# dependencies from WHEELS_DIR (pip download ... for that machine) when it has no package index.
gpu::install_project() {
  python3 -c 'import clustercheck' 2>/dev/null && return 0
  local pip_args=(--quiet)
  [[ -z "${1:-}" ]] || pip_args+=(--no-index --find-links "$1")
  python3 -m pip install "${pip_args[@]}" jsonschema junit-xml
  python3 -m pip install --quiet --no-deps --no-build-isolation -e python
}

# gpu::begin OUT_DIR [WHEELS_DIR]: what every GPU-machine script does first, in the repository root: OUT_DIR
# made, the project installed (gpu::install_project), the machine's GPUs noted in OUT_DIR/gpu.txt.
gpu::begin() {
  mkdir -p "$1"
  gpu::install_project "${2:-}"
  nvidia-smi --query-gpu=name,driver_version,memory.total,pci.bus_id --format=csv,noheader | tee "$1/gpu.txt"
}
