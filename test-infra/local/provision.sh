#!/usr/bin/env bash
# Provisioning of the local stack's parts by Ansible (ansible/*.yml against localhost), re-run only
# when what it would render changed: the config section it reads, or anything under ansible/.
# Sourced by test-infra/local/stack; needs CC_LOCAL_STATE, CC_STACK_CONFIG and log.sh.

# provision::run NAME PLAYBOOK STATE_DIR SECTIONS [EXTRA_VAR=VALUE...]: run ansible/PLAYBOOK with the
# target config as extra vars and cc_state_dir=STATE_DIR; skipped when the stamp in STATE_DIR still
# matches the config's SECTIONS (comma-separated) and ansible/ has not changed since.
provision::run() {
  local name=$1 playbook=$2 dir=$3 section=$4
  shift 4
  local stamp=$dir/.provisioned vars log digest extra=() kv
  mkdir -p "$dir" "$CC_LOCAL_STATE/logs"
  vars=$(mktemp)
  clustercheck config dump "$CC_STACK_CONFIG" -o "$vars" || { rm -f "$vars"; exit 2; }
  digest=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(json.dumps([d.get(s) for s in sys.argv[2].split(",")], sort_keys=True))' \
    "$vars" "$section" | sha256sum | cut -c1-16)
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$digest" && -z "$(find "$CC_ROOT/ansible" -newer "$stamp" -type f -print -quit)" ]]; then
    log::debug "$name: provisioned (ansible/ and the config's $section section unchanged)"
    rm -f "$vars"
    return 0
  fi
  log::info "$name: provisioning with ansible/$playbook"
  log=$CC_LOCAL_STATE/logs/ansible-$name.log
  for kv in "$@"; do extra+=(-e "$kv"); done
  if ! (cd "$CC_ROOT/ansible" && ANSIBLE_CONFIG=$CC_ROOT/ansible/ansible.cfg ansible-playbook \
    -i inventory/local.yml "$playbook" -e "@$vars" -e "cc_state_dir=$dir" "${extra[@]}") >"$log" 2>&1; then
    rm -f "$vars"
    grep -E 'fatal|FAILED|ERROR' "$log" | tail -n 3 >&2 || true
    log::die "$name: ansible-playbook $playbook failed (full log: $log)" 1
  fi
  rm -f "$vars"
  printf '%s\n' "$digest" >"$stamp"
}
