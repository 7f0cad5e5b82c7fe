#!/usr/bin/env bash
# Check: every stopped VM sharing a GPU started at the same moment: one owns it, the rest are refused naming it and its owner; the state files stay valid JSON throughout and agree with libvirt after
# depends: check-shared-gpu-detection
# exclusive: true
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mapfile -t shared < <(gpu::shared)
((${#shared[@]})) || check::skip "no GPU is configured for more than one VM"
read -r pci holder _other <<<"${shared[0]}"
mapfile -t sharers < <(gpu::sharers "$pci")
n=${CC_CLOUD_VM_CONCURRENT_STARTS:-${#sharers[@]}}
((n <= ${#sharers[@]})) || n=${#sharers[@]}
sharers=("${sharers[@]:0:n}")
((n >= 2)) || check::skip "fewer than two VMs share GPU $pci"
util::trap_add "for v in ${sharers[*]}; do cloud_cli::run vm stop \"\$v\" >/dev/null 2>&1 || true; done; cloud_cli::run vm start '$holder' >/dev/null 2>&1 || true" EXIT

# Free the GPU: every sharer stopped, nobody owns it.
for vm in "${sharers[@]}"; do
  test_vm_cli_command stop "$vm" || check::error "could not stop $vm to set up the check: $(cloud_cli::said)"
done
check_gpu_released "$pci" || check::error "GPU $pci still owned after stopping all its sharers"

log::info "starting ${sharers[*]} at once (GPU $pci)"
dir=$CC_ARTIFACT_DIR/concurrent
gpu::start_together "$dir" "${sharers[@]}"
winners=()
for vm in "${sharers[@]}"; do
  [[ "$(cat "$dir/$vm.rc")" == 0 ]] && winners+=("$vm")
done
check::expect_eq "VMs whose start succeeded" "${winners[*]}" "${winners[0]:-none}"
owner=${winners[0]:-}
for vm in "${sharers[@]}"; do
  [[ "$vm" == "$owner" ]] && continue
  CLI_OUTPUT=$(cat "$dir/$vm.out")
  message=$(cloud_cli::error_text)
  check::expect "$vm refused with a message naming GPU $pci and its owner ${owner:-?}" \
    grep -qF "$pci" <<<"$message"
  [[ -z "$owner" ]] || check::expect "$vm's refusal names the owner $owner" grep -qF "$owner" <<<"$message"
  check::expect "$vm's refusal has no traceback" check::lacks Traceback "$CLI_OUTPUT"
done
check::expect "state files valid JSON at every read ($(head -n 1 "$dir/watch.out"))" test "$(cat "$dir/watch.rc")" = 0
cloud_cli::facts
check::expect_eq "owner of GPU $pci in global-state.json" "$(facts::get state-gpu "$pci" 3)" "${owner:-}"
running=()
recorded=()
for vm in "${sharers[@]}"; do
  [[ "$(facts::get domain "$(facts::domain_of "$vm")" 3)" == running ]] && running+=("$vm")
  [[ "$(facts::get state-vm "$vm" 3)" == running ]] && recorded+=("$vm")
done
check::expect_eq "sharers running in libvirt" "${running[*]}" "${owner:-}"
check::expect_eq "sharers the state file says run" "${recorded[*]}" "${owner:-}"
# Put the GPU back with the VM that held it before.
[[ -z "$owner" || "$owner" == "$holder" ]] || test_vm_cli_command stop "$owner" || check::note_failure "could not stop $owner afterwards"
test_vm_cli_command start "$holder" || check::note_failure "could not give GPU $pci back to $holder: $(cloud_cli::said)"
wait_for_vm_ready "$holder" || check::note_failure "$holder did not answer after getting GPU $pci back"
check::finish "${#sharers[@]} concurrent starts of GPU $pci's sharers: $owner won, the rest were refused"
