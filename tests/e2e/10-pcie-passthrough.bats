#!/usr/bin/env bats
# The PCIe passthrough framework on the local target (libvirt VMs with simulated GPUs): the domain and
# ownership check runs, the device checks skip with the reason; each check fails on a broken host -
# a VM without its GPU, a GPU not on the bus, a device not bound to vfio-pci, a host with no driver.
load helpers

FW=$ROOT/frameworks/test-pcie-passthrough-framework.sh

setup_file() {
  "$ROOT/test-infra/local/stack" up libvirt >&3 2>&1
}

# The last e2e file: nothing it started stays (libvirtd was left running after `make test`).
teardown_file() {
  ai_how cloud destroy >/dev/null 2>&1 || true
  stack_release libvirt >&3 2>&1 || true
}

@test "e2e on the local target: the domain check passes, the device checks skip as simulated" {
  report=$BATS_TEST_TMPDIR/report
  run "$FW" e2e --report-dir "$report"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"pcie-passthrough: 1 passed, 0 failed, 0 errors, 6 skipped of 7"* ]]
  xmllint --noout --schema "$ROOT/tests/fixtures/junit.xsd" "$report/junit.xml"
  [ "$(junit_status "$report/junit.xml" check-domain-hostdev)" = passed ]
  grep -q 'message="GPU 0000:65:00.0 0000:ca:00.0 is simulated: the NVML check needs a real device"' "$report/junit.xml"
  [ -z "$(virsh_q list --all --name | grep cc-local)" ]
}

@test "a running VM whose GPU the state file gives to another: the domain check fails" {
  ON_TEARDOWN=("ai_how cloud destroy")
  ai_how cloud start >&3 2>&1
  cp "$GLOBAL_STATE" "$BATS_TEST_TMPDIR/global-state.json"
  # the owner put back first: destroy releases only what the cluster's own VMs hold
  ON_TEARDOWN=("cp '$BATS_TEST_TMPDIR/global-state.json' '$GLOBAL_STATE'" "ai_how cloud destroy")
  edit_json "$GLOBAL_STATE" 's["shared_resources"]["gpu_allocations"]["0000:65:00.0"] = "cc-somebody-else"'
  expect_fail check-domain-hostdev
  [[ "$output" == *"running VM cc-local-gpu-worker-01 does not carry its GPU 0000:65:00.0"* ]]
}

# real_gpu_config OUT PCI: local.yaml whose cluster YAML declares its first GPU real, at PCI.
real_gpu_config() {
  sed -e "s#\.\./\.\./#$ROOT/#g" -e "s/0000:65:00.0/$2/g" "$CLUSTERS" >"$1.clusters.yaml"
  yaml_set "$1.clusters.yaml" global.clustercheck.gpus.0.simulated=false
  target_config "$1" "cloud_vm.cli_config=$1.clusters.yaml"
}

@test "a GPU declared real but absent, or a device not bound to vfio-pci: the IOMMU and vfio checks fail" {
  real_gpu_config "$BATS_TEST_TMPDIR/absent.yaml" 0000:65:00.0
  expect_fail check-iommu-group "$BATS_TEST_TMPDIR/absent.yaml"
  [[ "$output" == *"GPU 0000:65:00.0 is not on this host's PCI bus"* ]]
  # A real device of this host (a virtio device; no IOMMU here) in the GPU's place
  dev=$(basename "$(ls -d /sys/bus/pci/devices/* | tail -n 1)")
  real_gpu_config "$BATS_TEST_TMPDIR/virtio.yaml" "$dev"
  expect_fail check-iommu-group "$BATS_TEST_TMPDIR/virtio.yaml"
  [[ "$output" == *"GPU $dev has no IOMMU group (IOMMU off"* ]]
  expect_fail check-vfio-binding "$BATS_TEST_TMPDIR/virtio.yaml"
  [[ "$output" == *"GPU $dev is bound to '"*"', not vfio-pci"* ]]
}

@test "host mode on a machine without an NVIDIA driver: driver, device nodes and NVML fail; passthrough skipped" {
  dev=$(basename "$(ls -d /sys/bus/pci/devices/* | tail -n 1)")
  target_config "$BATS_TEST_TMPDIR/host.yaml" "pcie_passthrough.mode=host" "pcie_passthrough.devices=[\"$dev\"]" \
    'pcie_passthrough.expected={"model": "H200", "count": 1}'
  run "$FW" run-tests --config "$BATS_TEST_TMPDIR/host.yaml" --report-dir "$BATS_TEST_TMPDIR/report"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"host: no NVIDIA driver loaded (no /sys/module/nvidia/version or /proc/driver/nvidia/version)"* ]]
  [[ "$output" == *"host: /dev/nvidiactl is missing"* ]]
  [[ "$output" == *"host: NVML unavailable"* ]]
  [[ "$output" == *"check-gpu-node-acceptance"*"host: the GPU probe did not run (exit 3): host: NVML unavailable"* ]]
  [[ "$output" == *"pcie-passthrough: 0 passed, 4 failed, 0 errors, 3 skipped of 7"* ]]
  grep -q 'message="pcie_passthrough.mode is host: the GPUs serve this host' "$BATS_TEST_TMPDIR/report/junit.xml"
}

@test "two simulated NVML GPUs where one H100 is expected: the NVML check fails naming each GPU by index, bus id and UUID" {
  export PYTHONPATH=$ROOT/tests/fixtures/nvml-sim CC_NVML_SIM=$ROOT/tests/fixtures/nvml-sim/two-h200.json
  dev=$(basename "$(ls -d /sys/bus/pci/devices/* | tail -n 1)")
  target_config "$BATS_TEST_TMPDIR/host.yaml" "pcie_passthrough.mode=host" "pcie_passthrough.devices=[\"$dev\"]" \
    'pcie_passthrough.expected={"model": "H100", "count": 1}'
  expect_fail check-gpu-nvml "$BATS_TEST_TMPDIR/host.yaml"
  [[ "$output" == *"host: NVML sees 2 GPU(s), expected 1"* ]]
  [[ "$output" == *"host: GPU 0 (00000000:1b:00.0, GPU-5f1c0a3e-0000-4d6e-9a11-000000000000) is 'NVIDIA H200', expected a 'H100'"* ]]
  [[ "$output" == *"host: GPU 1 (00000000:43:00.0, GPU-5f1c0a3e-0001-4d6e-9a11-000000000001) is 'NVIDIA H200', expected a 'H100'"* ]]
}

@test "GPU node acceptance in host mode over simulated NVML: a thermally throttled GPU fails naming check, host and GPU; healthy, it skips: the active half was not measured" {
  python3 - "$ROOT/tests/fixtures/nvml-sim/two-h200.json" "$BATS_TEST_TMPDIR/sim.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["gpus"][0]["clock_reasons"] = 0x40
json.dump(d, open(sys.argv[2], "w"))
PY
  export PYTHONPATH=$ROOT/tests/fixtures/nvml-sim CC_NVML_SIM=$BATS_TEST_TMPDIR/sim.json
  dev=$(basename "$(ls -d /sys/bus/pci/devices/* | tail -n 1)")
  target_config "$BATS_TEST_TMPDIR/host.yaml" "pcie_passthrough.mode=host" "pcie_passthrough.devices=[\"$dev\"]"
  expect_fail check-gpu-node-acceptance "$BATS_TEST_TMPDIR/host.yaml"
  [[ "$output" == *"throttle: host: GPU 1 (00000000:43:00.0): clocks held down by hw_thermal_slowdown"* ]]
  [[ "$output" != *"memory:"* ]]
  export CC_NVML_SIM=$ROOT/tests/fixtures/nvml-sim/two-h200.json
  run_check check-gpu-node-acceptance "$BATS_TEST_TMPDIR/host.yaml"
  [ "$status_of" = skipped ]
  [[ "$output" == *"SKIP: matmul membw hostbw memtest not measured - GPU node acceptance on host: inventory memory xid pcie throttle passed; skipped: nvlink (host: no NVLink"* ]]
  [[ "$output" == *"matmul (no active measurements: simulated GPUs"* ]]
}
