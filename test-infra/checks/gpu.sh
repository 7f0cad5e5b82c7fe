#!/usr/bin/env bash
# GPU ownership checks (CLOUD-TEST-5): the state file and libvirt must agree on which VM holds a GPU.
# Needs cloud-cli.sh. Owners are VM names, as ai-how records them in global-state.json.

gpu::_owner_id() { printf '%s' "$1"; }

# gpu::owner PCI: prints the state file's owner of PCI (empty when free), from the facts the caller read
# last (cloud_cli::facts, in the caller's own shell: a failed read there is the check's error, not lost
# in this function's command substitution).
gpu::owner() {
  cloud_cli::fact state-gpu "$1" 3
}

# gpu::held_by VM PCI: VM owns PCI in the state file, runs, and its domain carries the GPU.
gpu::held_by() {
  local vm=$1 pci=$2 owner dom
  cloud_cli::facts
  owner=$(gpu::owner "$pci")
  if [[ "$owner" != "$(gpu::_owner_id "$vm")" ]]; then
    log::error "GPU $pci: state file owner is '${owner:-nobody}', expected $(gpu::_owner_id "$vm")"
    return 1
  fi
  dom=$(cloud_cli::domain_of "$vm")
  if [[ "$(cloud_cli::fact domain "$dom" 3)" != running ]]; then
    log::error "GPU $pci: owner $vm's domain $dom is $(cloud_cli::fact domain "$dom" 3), not running"
    return 1
  fi
  if [[ "$(cloud_cli::fact domain "$dom" 6)" != "$pci" || "$(cloud_cli::fact domain "$dom" 7)" == missing-hostdev ]]; then
    log::error "GPU $pci: domain $dom does not carry it (libvirt says '$(cloud_cli::fact domain "$dom" 6)' $(cloud_cli::fact domain "$dom" 7))"
    return 1
  fi
  log::ok "GPU $pci allocated to $vm ($(cloud_cli::fact domain "$dom" 7))"
}

# gpu::released PCI [VM]: nobody owns PCI (or, given VM, at least not VM).
gpu::released() {
  local pci=$1 vm=${2:-} owner
  cloud_cli::facts
  owner=$(gpu::owner "$pci")
  if [[ -n "$vm" && "$owner" == "$(gpu::_owner_id "$vm")" ]] || [[ -z "$vm" && -n "$owner" ]]; then
    log::error "GPU $pci still owned by $owner"
    return 1
  fi
  log::ok "GPU $pci released${vm:+ by $vm}"
}

# gpu::conflict VM PCI OWNER: starting VM while OWNER holds PCI is refused, with a message naming
# the GPU and the owner; VM stays down and OWNER keeps the GPU.
gpu::conflict() {
  local vm=$1 pci=$2 owner=$3 ok=0 dom
  cloud_cli::run vm start "$vm" || true
  if [[ "$CLI_RC" == 0 ]]; then
    log::error "vm start $vm succeeded although $owner holds GPU $pci"
    ok=1
  fi
  if ! grep -qF "$pci" <<<"$(cloud_cli::error_text)" || ! grep -qF "$owner" <<<"$(cloud_cli::error_text)"; then
    log::error "conflict message does not name GPU $pci and owner $owner: $(cloud_cli::error_text)"
    ok=1
  fi
  cloud_cli::facts
  dom=$(cloud_cli::domain_of "$vm")
  if [[ "$(cloud_cli::fact domain "$dom" 3)" == running ]]; then
    log::error "domain $dom of $vm is running despite the conflict"
    ok=1
  fi
  if [[ "$(cloud_cli::fact state-gpu "$pci" 3)" != "$(gpu::_owner_id "$owner")" ]]; then
    log::error "GPU $pci owner changed to '$(cloud_cli::fact state-gpu "$pci" 3)' during the refused start"
    ok=1
  fi
  return "$ok"
}

# gpu::verify_vm VM PCI: the GPU is visible inside the guest (NVIDIA vendor id on its PCI bus).
# Returns 3 when the GPU is simulated: nothing can be seen inside a guest then.
gpu::verify_vm() {
  local vm=$1 pci=$2
  if cloud_cli::gpu_simulated "$pci"; then
    return 3
  fi
  if cloud_cli::ssh "$vm" 'grep -l 0x10de /sys/bus/pci/devices/*/vendor' >/dev/null 2>&1; then
    log::ok "an NVIDIA device is visible inside $vm"
    return 0
  fi
  log::error "no NVIDIA PCI device visible inside $vm"
  return 1
}

# gpu::transfer FROM TO PCI: stop FROM, start TO; TO then holds PCI and FROM does not.
gpu::transfer() {
  local from=$1 to=$2 pci=$3
  cloud_cli::vm_command stop "$from" || return 1
  gpu::released "$pci" "$from" || return 1
  cloud_cli::vm_command start "$to" || return 1
  gpu::held_by "$to" "$pci" || return 1
}

# gpu::shared: "PCI HOLDER OTHER" for each GPU configured for more than one VM, where HOLDER is
# the sharer that starts with the cluster and OTHER a sharer that does not.
gpu::shared() {
  local vm pci holder other
  declare -A holders=() others=()
  for vm in $(cloud_cli::vms gpu); do
    pci=$(cloud_cli::vm_field "$vm" GPU)
    if [[ "$(cloud_cli::vm_field "$vm" AUTOSTART)" == true && -z "${holders[$pci]:-}" ]]; then
      holders[$pci]=$vm
    elif [[ -z "${others[$pci]:-}" ]]; then
      others[$pci]=$vm
    fi
  done
  for pci in "${!holders[@]}"; do
    holder=${holders[$pci]} other=${others[$pci]:-}
    [[ -n "$other" ]] && printf '%s %s %s\n' "$pci" "$holder" "$other"
  done
  return 0
}

# gpu::sharers PCI: every configured VM (cloud and HPC cluster) whose GPU is PCI.
gpu::sharers() {
  local vm
  for vm in $(cloud_cli::vms gpu) $(gpu::_started_hpc_vms); do
    [[ "$(cloud_cli::vm_field "$vm" GPU)" == "$1" ]] && printf '%s\n' "$vm"
  done
  return 0
}

# gpu::_started_hpc_vms: the HPC cluster's VMs when its state file says it is started (its VMs can be
# started then), else nothing.
gpu::_started_hpc_vms() {
  local i name
  [[ -n "${CC_CLOUD_VM_HPC_STATE_FILE:-}" && -f "${CC_CLOUD_VM_HPC_STATE_FILE:-}" ]] || return 0
  for ((i = 0; i < ${CC_HPC_CLUSTER_VMS_COUNT:-0}; i++)); do
    name=CC_HPC_CLUSTER_VMS_${i}_NAME
    printf '%s\n' "${!name}"
  done
}

# gpu::start_together DIR VM...: `vm start` every VM at the same moment (each waits on one go-file),
# while the state files are read over and over; DIR/<vm>.rc and DIR/<vm>.out hold each result,
# DIR/watch.out what the reader saw (its exit status in DIR/watch.rc).
gpu::start_together() {
  local dir=$1 vm pid
  local -a pids=()
  shift
  mkdir -p "$dir"
  local -a files=(--state-file "$CC_CLOUD_VM_STATE_FILE")
  [[ -z "${CC_CLOUD_VM_HPC_STATE_FILE:-}" ]] || files+=(--state-file "$CC_CLOUD_VM_HPC_STATE_FILE")
  # The watcher's status is written whatever it is (under set -e a failing watcher would end the
  # subshell before it wrote it).
  (
    rc=0
    clustercheck libvirt watch-state "${files[@]}" --stop-file "$dir/stop" --max-seconds 900 >"$dir/watch.out" 2>&1 || rc=$?
    echo "$rc" >"$dir/watch.rc"
  ) &
  local watcher=$!
  for vm in "$@"; do
    (
      while [[ ! -e "$dir/go" ]]; do sleep 0.01; done
      rc=0
      cloud_cli::run vm start "$vm" || rc=$?
      printf '%s\n' "$CLI_OUTPUT" >"$dir/$vm.out"
      echo "$rc" >"$dir/$vm.rc"
    ) &
    pids+=($!)
  done
  touch "$dir/go"
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  touch "$dir/stop"
  wait "$watcher" || true
}
