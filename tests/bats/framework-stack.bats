#!/usr/bin/env bats
# A framework's start-cluster/stop-cluster on the local target: it stops only the stack components it
# started, never one it found running (another framework's, under that one's VMs or jobs).

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  FAKE=$BATS_TEST_TMPDIR/root
  mkdir -p "$FAKE/test-infra/local" "$FAKE/state"
  # The stack's command line, recorded; `status C` answers from FAKE/up (the components running).
  cat >"$FAKE/test-infra/local/stack" <<'STACK'
#!/usr/bin/env bash
dir=$(cd "$(dirname "$0")/../.." && pwd)
echo "$*" >>"$dir/calls"
cmd=$1; shift
for c in "$@"; do
  case $cmd in
    status) grep -qxF "$c" "$dir/up" 2>/dev/null || exit 1 ;;
    up) [[ "$c" != broken ]] || exit 1; echo "$c" >>"$dir/up" ;;
    down) grep -vxF "$c" "$dir/up" >"$dir/up.new" || true; mv "$dir/up.new" "$dir/up" ;;
  esac
done
STACK
  chmod +x "$FAKE/test-infra/local/stack"
  : >"$FAKE/up"
}

# frame NAME COMPONENTS... -- COMMANDS: run COMMANDS with framework.sh sourced as framework NAME.
frame() {
  local name=$1; shift
  local comps=()
  while [[ $1 != -- ]]; do comps+=("$1"); shift; done
  shift
  run bash -c 'source "$1/test-infra/lib/framework.sh"; CC_ROOT=$2 CC_LOCAL_STATE=$2/state OPT_CONFIG=x
    FRAMEWORK_NAME=$3; FRAMEWORK_STACK_COMPONENTS=($4); eval "$5"' _ "$ROOT" "$FAKE" "$name" "${comps[*]}" "$*"
}

@test "stop-cluster stops what start-cluster started, not a component it found up" {
  echo libvirt >"$FAKE/up"
  frame multi libvirt mlops -- 'framework::local_stack_up'
  [ "$status" -eq 0 ]
  [[ "$output" == *"libvirt already up"* ]]
  grep -qx 'up mlops' "$FAKE/calls"
  frame multi libvirt mlops -- 'framework::local_stack_down'
  [ "$status" -eq 0 ]
  [ "$(tail -1 "$FAKE/calls")" = 'down mlops' ]
  [ "$(cat "$FAKE/up")" = libvirt ]
  [ ! -e "$FAKE/state/.started-by-multi" ]
}

@test "two frameworks sharing a component: the one that found it up leaves it to the one that started it" {
  frame infer mlops -- 'framework::local_stack_up'
  frame mlops mlops -- 'framework::local_stack_up'
  frame mlops mlops -- 'framework::local_stack_down'
  [ "$status" -eq 0 ]
  grep -qx mlops "$FAKE/up"
  frame infer mlops -- 'framework::local_stack_down'
  [ ! -s "$FAKE/up" ]
}

@test "a component that fails to come up is still recorded, so stop-cluster takes down what it left" {
  frame k8s libvirt broken -- 'framework::local_stack_up'
  [ "$status" -eq 1 ]
  [[ "$output" == *"local stack (libvirt broken) failed to come up"* ]]
  frame k8s libvirt broken -- 'framework::local_stack_down'
  [ "$(tail -1 "$FAKE/calls")" = 'down libvirt broken' ]
}

@test "nothing started, nothing stopped" {
  printf 'libvirt\nmlops\n' >"$FAKE/up"
  frame multi libvirt mlops -- 'framework::local_stack_up; framework::local_stack_down'
  [ "$status" -eq 0 ]
  [ -z "$(grep '^up\|^down' "$FAKE/calls")" ]
  [ "$(wc -l <"$FAKE/up")" -eq 2 ]
}
