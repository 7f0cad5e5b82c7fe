#!/usr/bin/env bash
# Check: GPU and VM errors are one clear line naming the GPU, its owner or the unknown VM, with no traceback
# depends: check-shared-gpu-detection
# exclusive: true
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mapfile -t shared < <(gpu::shared)
((${#shared[@]})) || check::skip "no GPU is configured for more than one VM"
read -r pci holder other <<<"${shared[0]}"
util::trap_add "cloud_cli::stop_if_running '$other'" EXIT
# ai-how's contract: every failure exits 1 with an "Error: ..." message on stdout (rich wraps it at 80
# columns: the message is read joined), never a traceback.
cloud_cli::vm_command start "$other" 1 || check::note_failure "conflicting vm start $other: exit $CLI_RC (expected 1)"
message=$(cloud_cli::error_text)
check::expect "conflict is reported as an error" test -n "$message"
check::expect "conflict message names GPU $pci" grep -qF "$pci" <<<"$message"
check::expect "conflict message names holder $holder" grep -qF "$holder" <<<"$message"
check::expect "conflict message has no traceback" check::lacks Traceback "$CLI_OUTPUT"
check::expect "conflict is one error message" test "$(grep -c '^Error:' <<<"$CLI_OUTPUT")" -eq 1
for action in start stop restart status; do
  cloud_cli::vm_command "$action" no-such-vm-cc 1 || check::note_failure "vm $action no-such-vm-cc: exit $CLI_RC (expected 1)"
  check::expect "vm $action of an unknown VM names it in the error" grep -qF no-such-vm-cc <<<"$(cloud_cli::error_text)"
  check::expect "vm $action of an unknown VM has no traceback" check::lacks Traceback "$CLI_OUTPUT"
done
check::finish "conflict and unknown-VM errors are clear one-liners"
