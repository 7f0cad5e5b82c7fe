#!/usr/bin/env bash
# Check: every stopped VM sharing a GPU started at the same moment, cloud_vm.concurrent_rounds times: each round one owns it, the rest are refused naming it and its owner; the state files stay valid JSON throughout and agree with libvirt after
# depends: check-shared-gpu-detection
# exclusive: true
# timeout: 1800
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
rounds=$CC_CLOUD_VM_CONCURRENT_ROUNDS
util::trap_add "for v in ${sharers[*]}; do cloud_cli::run vm stop \"\$v\" >/dev/null 2>&1 || true; done; cloud_cli::run vm start '$holder' >/dev/null 2>&1 || true" EXIT

# round K: the sharers started together once; what went wrong is noted as "round K: ...". OWNER is the
# one that won (empty when none did).
round() {
  local k=$1 dir=$CC_ARTIFACT_DIR/concurrent/round-$1 vm message winners=() running=() recorded=()
  local before=${#CHECK_FAILURES[@]}
  log::info "round $k of $rounds: starting ${sharers[*]} at once (GPU $pci)"
  gpu::start_together "$dir" "${sharers[@]}"
  for vm in "${sharers[@]}"; do
    [[ "$(cat "$dir/$vm.rc")" == 0 ]] && winners+=("$vm")
  done
  check::expect_eq "round $k: VMs whose start succeeded" "${winners[*]}" "${winners[0]:-none}"
  OWNER=${winners[0]:-}
  for vm in "${sharers[@]}"; do
    [[ "$vm" == "$OWNER" ]] && continue
    CLI_OUTPUT=$(cat "$dir/$vm.out")
    message=$(cloud_cli::error_text)
    check::expect "round $k: $vm refused with a message naming GPU $pci and its owner ${OWNER:-?}" \
      grep -qF "$pci" <<<"$message"
    [[ -z "$OWNER" ]] || check::expect "round $k: $vm's refusal names the owner $OWNER" grep -qF "$OWNER" <<<"$message"
    check::expect "round $k: $vm's refusal has no traceback" check::lacks Traceback "$CLI_OUTPUT"
  done
  check::expect "round $k: state files valid JSON at every read ($(head -n 1 "$dir/watch.out"); $(sed -n 2p "$dir/watch.out"))" \
    test "$(cat "$dir/watch.rc")" = 0
  cloud_cli::facts
  check::expect_eq "round $k: owner of GPU $pci in global-state.json" "$(cloud_cli::fact state-gpu "$pci" 3)" "$OWNER"
  for vm in "${sharers[@]}"; do
    [[ "$(cloud_cli::fact domain "$(cloud_cli::domain_of "$vm")" 3)" == running ]] && running+=("$vm")
    [[ "$(cloud_cli::fact state-vm "$vm" 3)" == running ]] && recorded+=("$vm")
  done
  check::expect_eq "round $k: sharers running in libvirt" "${running[*]}" "$OWNER"
  check::expect_eq "round $k: sharers the state file says run" "${recorded[*]}" "$OWNER"
  ((${#CHECK_FAILURES[@]} == before))
}

# Free the GPU: every sharer stopped, nobody owns it.
for vm in "${sharers[@]}"; do
  cloud_cli::vm_command stop "$vm" || check::error "could not stop $vm to set up the check: $(cloud_cli::said)"
done
gpu::released "$pci" || check::error "GPU $pci still owned after stopping all its sharers"

# A race shows in some rounds only: run them all, up to the first that shows it, within the time budget
# (the next round must fit with room to give the GPU back to its holder).
budget=${CC_CHECK_TIMEOUT:-1800} started=$SECONDS longest=0 done_rounds=0 OWNER=""
for ((k = 1; k <= rounds; k++)); do
  if ((k > 1)); then
    if ((SECONDS - started + 2 * longest + 120 > budget)); then
      log::warn "stopping after $done_rounds of $rounds rounds: another would pass the check's ${budget}s budget"
      break
    fi
    # the next round starts from the same state: the winner stopped, the GPU free
    [[ -z "$OWNER" ]] || cloud_cli::vm_command stop "$OWNER" || check::error "round $k: could not stop $OWNER: $(cloud_cli::said)"
    gpu::released "$pci" || { check::note_failure "round $k: GPU $pci still owned after stopping $OWNER"; break; }
  fi
  t0=$SECONDS
  round "$k" || { log::error "round $k of $rounds showed the problem: no further rounds"; break; }
  done_rounds=$k
  ((SECONDS - t0 <= longest)) || longest=$((SECONDS - t0))
done
# Put the GPU back with the VM that held it before.
[[ -z "$OWNER" || "$OWNER" == "$holder" ]] || cloud_cli::vm_command stop "$OWNER" || check::note_failure "could not stop $OWNER afterwards"
cloud_cli::vm_command start "$holder" || check::note_failure "could not give GPU $pci back to $holder: $(cloud_cli::said)"
cloud_cli::wait_vm_ready "$holder" || check::note_failure "$holder did not answer after getting GPU $pci back"
check::finish "$done_rounds of $rounds round(s) of ${#sharers[@]} concurrent starts of GPU $pci's sharers: one owner each time, the rest refused"
