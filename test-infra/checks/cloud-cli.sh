#!/usr/bin/env bash
# The cluster CLI (the real ai-how's contract) as checks and frameworks use it, plus VM access over SSH.
# Needs the exported config (check::init or framework::load_config). CLOUD-TEST-5's utilities are here
# under this file's namespace (test_vm_cli_command is cloud_cli::vm_command, wait_for_vm_ready
# cloud_cli::wait_vm_ready, ...).

CLI_OUTPUT=
CLI_RC=0

cloud_cli::_config_arg() { printf '%s' "$CC_CLOUD_VM_CLI_CONFIG"; }

# cloud_cli::state_for ARGS...: the state file ai-how keeps for what ARGS act on - one per cluster:
# `hpc ...` and `vm ... <an HPC VM>` the HPC cluster's, everything else the cloud cluster's.
cloud_cli::state_for() {
  if [[ "$1" == hpc ]] || { [[ "$1" == vm && -n "${3:-}" ]] && cloud_cli::is_hpc_vm "$3"; }; then
    printf '%s' "${CC_CLOUD_VM_HPC_STATE_FILE:-$CC_CLOUD_VM_STATE_FILE}"
  else
    printf '%s' "$CC_CLOUD_VM_STATE_FILE"
  fi
}

# cloud_cli::run ARGS...: `<cli> --state FILE ARGS` with the right cluster's state file and a timeout;
# sets CLI_OUTPUT, CLI_RC.
cloud_cli::run() {
  local -a cli
  local state
  read -ra cli <<<"$CC_CLOUD_VM_CLI"
  state=$(cloud_cli::state_for "$@")
  CLI_RC=0
  CLI_OUTPUT=$(timeout -k 5 "$CC_CLOUD_VM_TIMEOUTS_CLI_S" "${cli[@]}" --state "$state" "$@" 2>&1) || CLI_RC=$?
  log::debug "$CC_CLOUD_VM_CLI --state $state $* -> exit $CLI_RC"
  if [[ -n "${CC_ARTIFACT_DIR:-}" ]]; then
    printf '$ %s --state %s %s  (exit %s)\n%s\n' "$CC_CLOUD_VM_CLI" "$state" "$*" "$CLI_RC" "$CLI_OUTPUT" >>"$CC_ARTIFACT_DIR/cli.log"
  fi
  return "$CLI_RC"
}

# cloud_cli::status_field ROW: a row's value in the last `vm status` output - ai-how's table
# ("│ State       │ running   │") or plain "State  running" lines.
cloud_cli::status_field() {
  sed -n "s/^[│ ]*$1[ │]\{2,\}\([^│]*\).*/\1/p" <<<"$CLI_OUTPUT" | head -n 1 | sed 's/ *$//'
}

# cloud_cli::said: the last CLI call's error (see cloud_cli::error_text), or its last line.
cloud_cli::said() {
  local text
  text=$(cloud_cli::error_text)
  printf '%s' "${text:-$(tail -n 1 <<<"$CLI_OUTPUT")}"
}

# cloud_cli::error_text: what the last CLI call said after "Error:", joined into one line (ai-how prints
# through rich, which wraps long messages at 80 columns).
cloud_cli::error_text() {
  sed -n '/^Error:/,$p' <<<"$CLI_OUTPUT" | tr -s '\n' ' ' | sed 's/ *$//'
}

# cloud_cli::cluster_command ACTION [EXPECTED_RC]: `cli cloud ACTION CONFIG` exits as expected (default 0).
cloud_cli::cluster_command() {
  local action=$1 expected=${2:-0}
  cloud_cli::run cloud "$action" "$(cloud_cli::_config_arg)" || true
  if [[ "$CLI_RC" != "$expected" ]]; then
    log::error "cloud $action: exit $CLI_RC, expected $expected: $(cloud_cli::said)"
    return 1
  fi
  log::info "cloud $action: exit $CLI_RC as expected"
}

# cloud_cli::vm_command ACTION VM [EXPECTED_RC]: `cli vm ACTION VM` exits as expected (default 0).
cloud_cli::vm_command() {
  local action=$1 vm=$2 expected=${3:-0}
  cloud_cli::run vm "$action" "$vm" || true
  if [[ "$CLI_RC" != "$expected" ]]; then
    log::error "vm $action $vm: exit $CLI_RC, expected $expected: $(cloud_cli::said)"
    return 1
  fi
  log::info "vm $action $vm: exit $CLI_RC as expected"
}

# -- the cluster as configured -------------------------------------------------------------------------
cloud_cli::vm_count() { printf '%s' "${CC_CLOUD_VM_CLUSTER_VMS_COUNT:-0}"; }

# cloud_cli::vm_field VM FIELD: a VM's config value (FIELD in upper case: IP, VCPUS, MEMORY_MIB, GPU...),
# from the cloud cluster or, for an HPC VM, the HPC cluster (VM names are unique across both).
cloud_cli::vm_field() {
  local vm=$1 field=$2 i var prefix count
  for prefix in CC_CLOUD_VM_CLUSTER CC_HPC_CLUSTER; do
    count=${prefix}_VMS_COUNT
    for ((i = 0; i < ${!count:-0}; i++)); do
      var=${prefix}_VMS_${i}_NAME
      if [[ "${!var}" == "$vm" ]]; then
        var=${prefix}_VMS_${i}_${field}
        printf '%s' "${!var:-}"
        return 0
      fi
    done
  done
  return 1
}

# cloud_cli::is_cloud_vm VM: VM is one of the cloud cluster's.
cloud_cli::is_cloud_vm() {
  local vm
  for vm in $(cloud_cli::vms); do
    [[ "$vm" == "$1" ]] && return 0
  done
  return 1
}

# cloud_cli::is_hpc_vm VM: VM is one of the HPC cluster's (names are derived, so unique across both).
cloud_cli::is_hpc_vm() {
  local i var
  for ((i = 0; i < ${CC_HPC_CLUSTER_VMS_COUNT:-0}; i++)); do
    var=CC_HPC_CLUSTER_VMS_${i}_NAME
    [[ "${!var}" == "$1" ]] && return 0
  done
  return 1
}

# cloud_cli::vms [autostart|standby|gpu|autostart-gpu]: configured VM names, optionally filtered.
cloud_cli::vms() {
  local filter=${1:-all} i name auto gpu
  for ((i = 0; i < $(cloud_cli::vm_count); i++)); do
    name=CC_CLOUD_VM_CLUSTER_VMS_${i}_NAME auto=CC_CLOUD_VM_CLUSTER_VMS_${i}_AUTOSTART gpu=CC_CLOUD_VM_CLUSTER_VMS_${i}_GPU
    case $filter in
      autostart) [[ "${!auto}" == true ]] || continue ;;
      standby) [[ "${!auto}" == false ]] || continue ;;
      gpu) [[ -n "${!gpu:-}" ]] || continue ;;
      autostart-gpu) [[ "${!auto}" == true && -n "${!gpu:-}" ]] || continue ;;
    esac
    printf '%s\n' "${!name}"
  done
}

# cloud_cli::first_vm FILTER: the first VM cloud_cli::vms FILTER lists (no pipe: safe under pipefail).
cloud_cli::first_vm() {
  local -a all
  mapfile -t all < <(cloud_cli::vms "$1")
  printf '%s' "${all[0]:-}"
}

# cloud_cli::gpu_simulated PCI: true when the config (cloud or HPC cluster) declares that GPU simulated.
cloud_cli::gpu_simulated() {
  local i pci sim prefix count
  for prefix in CC_CLOUD_VM_CLUSTER CC_HPC_CLUSTER; do
    count=${prefix}_GPUS_COUNT
    for ((i = 0; i < ${!count:-0}; i++)); do
      pci=${prefix}_GPUS_${i}_PCI sim=${prefix}_GPUS_${i}_SIMULATED
      [[ "${!pci}" == "$1" ]] && { [[ "${!sim}" == true ]]; return; }
    done
  done
  return 1
}

# -- what libvirt and the state file say (one helper call, read many times) -----------------------------
# Refreshed in place, so a refresh inside $(...) is seen by the caller too.
FACTS_FILE=

cloud_cli::facts() {
  FACTS_FILE=$CC_ARTIFACT_DIR/facts.tsv
  local -a hpc=()
  [[ -z "${CC_CLOUD_VM_HPC_STATE_FILE:-}" ]] || hpc=(--state-file "$CC_CLOUD_VM_HPC_STATE_FILE")
  clustercheck libvirt facts --uri "$CC_CLOUD_VM_CLUSTER_LIBVIRT_URI" --state-file "$CC_CLOUD_VM_STATE_FILE" \
    "${hpc[@]}" --all-state-domains --network "$CC_CLOUD_VM_CLUSTER_NETWORK_NAME" \
    >"$FACTS_FILE" || check::error "could not read libvirt/state facts"
}

# cloud_cli::fact TYPE KEY COLUMN: column COLUMN (1-based) of the TYPE line whose second column is KEY.
cloud_cli::fact() {
  FACTS_FILE=$CC_ARTIFACT_DIR/facts.tsv
  awk -F '\t' -v t="$1" -v k="$2" -v c="$3" '$1 == t && $2 == k { print $c; exit }' "$FACTS_FILE"
}

# cloud_cli::domain_of VM: the libvirt domain the state file records for VM (ai-how: the VM's own name).
cloud_cli::domain_of() { cloud_cli::fact state-vm "$1" 4; }

# cloud_cli::stop_if_running VM: a clean-up that stops VM only when libvirt runs it: ai-how's vm stop
# releases the VM's GPU whoever holds it, so stopping a VM that never started would free the holder's.
cloud_cli::stop_if_running() {
  cloud_cli::facts
  [[ "$(cloud_cli::fact domain "$(cloud_cli::domain_of "$1")" 3)" == running ]] || return 0
  cloud_cli::run vm stop "$1" >/dev/null 2>&1 || true
}

# -- guests over SSH ----------------------------------------------------------------------------------
# cloud_cli::ssh VM CMD...: run CMD in the guest (BatchMode: never prompts).
cloud_cli::ssh() {
  local vm=$1; shift
  local ip
  ip=$(cloud_cli::vm_field "$vm" IP) || return 2
  ssh -i "$CC_CLOUD_VM_SSH_PRIVATE_KEY" -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout="$CC_CLOUD_VM_SSH_CONNECT_TIMEOUT_S" \
    "$CC_CLOUD_VM_SSH_USER@$ip" "$@"
}

# cloud_cli::domain_state VM: what libvirt says of VM's domain (ai-how names it after the VM): running,
# shut off, crashed...; empty when libvirt cannot be asked (a remote target without virsh access).
cloud_cli::domain_state() {
  local uri=${CC_CLOUD_VM_CLUSTER_LIBVIRT_URI:-${CC_HPC_CLUSTER_LIBVIRT_URI:-}}
  [[ -n "$uri" ]] && command -v virsh >/dev/null || return 0
  virsh -c "$uri" domstate "$1" 2>/dev/null | sed -n '1{/./p}' || true
}

# cloud_cli::wait_vm_ready VM [TIMEOUT_S]: until the guest answers over SSH. A guest whose domain libvirt
# shows shut off or crashed will not answer: that fails at once (after a grace for a start still in
# flight) rather than at the timeout - a CLI that only says it started a VM costs seconds, not minutes.
CC_VM_GONE_GRACE_S=${CC_VM_GONE_GRACE_S:-5}
cloud_cli::wait_vm_ready() {
  local vm=$1 timeout=${2:-$CC_CLOUD_VM_TIMEOUTS_VM_READY_S}
  VM_WAIT_START=$SECONDS VM_DOWN='' VM_SSH_TRIED=$SECONDS
  if ! util::wait_for "$timeout" "VM $vm to answer over SSH" cloud_cli::_answers_or_down "$vm"; then
    cloud_cli::console_tail "$vm"
    return 1
  fi
  [[ -z "$VM_DOWN" ]] && return 0
  log::error "VM $vm will not answer over SSH: libvirt shows its domain $VM_DOWN"
  return 1
}

# cloud_cli::console_tail VM: the last lines of the guest's serial console (the file its domain writes it to),
# where libvirt can be asked: what the guest said before it stopped answering.
cloud_cli::console_tail() {
  local uri=${CC_CLOUD_VM_CLUSTER_LIBVIRT_URI:-${CC_HPC_CLUSTER_LIBVIRT_URI:-}} path
  [[ -n "$uri" ]] && command -v virsh >/dev/null || return 0
  path=$(virsh -c "$uri" dumpxml "$1" 2>/dev/null | sed -n "/<serial/,/<\/serial>/s/.*<source path='\([^']*\)'.*/\1/p" | head -n 1)
  [[ -n "$path" && -r "$path" ]] || return 0
  log::error "VM $1: the last lines of its console ($path):"
  tail -n 8 "$path" | sed 's/^/    /' >&2
}

# cloud_cli::_answers_or_down VM: the guest answers, or (past the grace) libvirt shows its domain down; then
# VM_DOWN holds that state. Runs in cloud_cli::wait_vm_ready's shell, so VM_DOWN reaches it.
# ssh is tried once the guest's SSH port takes a connection, and at least every 5 s besides (a target
# reached only through a proxy in the user's ssh config): while a guest boots, its address answers no
# ARP and ssh's connect fails only after the kernel's three neighbour probes, 3 s, so a guest was seen
# ready up to 3 s late (measured: port open 4.7 s after vm start, ssh answering at 7.6 s).
cloud_cli::_answers_or_down() {
  local state probe=0
  cloud_cli::_ssh_port_open "$1" || probe=$?
  if ((probe != 1 || SECONDS - VM_SSH_TRIED >= 5)); then
    VM_SSH_TRIED=$SECONDS
    cloud_cli::ssh "$1" true && return 0
  fi
  ((SECONDS - VM_WAIT_START >= CC_VM_GONE_GRACE_S)) || return 1
  state=$(cloud_cli::domain_state "$1")
  [[ "$state" == "shut off" || "$state" == crashed ]] || return 1
  VM_DOWN=$state
}

# cloud_cli::_ssh_port_open VM: 0 when VM's address takes a TCP connection on port 22 within 0.5 s, 1 when
# it does not, 2 when the state file gives VM no address (nothing to probe).
cloud_cli::_ssh_port_open() {
  local ip
  ip=$(cloud_cli::vm_field "$1" IP) && [[ -n "$ip" ]] || return 2
  # shellcheck disable=SC2016 # the address is the inner shell's $1
  timeout 0.5 bash -c 'exec 3<>"/dev/tcp/$1/22"' _ "$ip" 2>/dev/null || return 1
}

# cloud_cli::wait_cluster_ready [TIMEOUT_S]: every autostart VM answers over SSH.
cloud_cli::wait_cluster_ready() {
  local timeout=${1:-$CC_CLOUD_VM_TIMEOUTS_CLUSTER_READY_S} vm deadline
  deadline=$((SECONDS + ${timeout%.*}))
  for vm in $(cloud_cli::vms autostart); do
    cloud_cli::wait_vm_ready "$vm" $((deadline - SECONDS > 1 ? deadline - SECONDS : 1)) || return 1
  done
}

cloud_cli::status() {
  cloud_cli::run cloud status "$(cloud_cli::_config_arg)" || true
  printf '%s\n' "$CLI_OUTPUT"
  return "$CLI_RC"
}
