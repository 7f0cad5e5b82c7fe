#!/usr/bin/env bats
# SLURM node states as sinfo(1)'s NODE STATE CODES document them (22.05+): every base state, short form,
# suffix and scontrol flag has a class, and what the local cluster printed in each state it could be put
# in (tests/fixtures/slurm-node-states/) sorts its nodes the way a platform engineer reads them.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  source "$ROOT/test-infra/checks/check.sh"
  source "$ROOT/test-infra/checks/slurm.sh"
  FIX=$ROOT/tests/fixtures/slurm-node-states
}

class_of() { local v; v=$(slurm_state::verdict "$1"); printf '%s\n' "${v%%|*}"; }

# expect_class CLASS STATE...: each STATE is of CLASS (printed on failure)
expect_class() {
  local want=$1 s got bad=0
  shift
  for s in "$@"; do
    got=$(class_of "$s")
    [[ "$got" == "$want" ]] || { echo "state '$s': $got, expected $want"; bad=1; }
  done
  return "$bad"
}

@test "base states that take jobs, long and short form: idle, mixed, allocated, completing, planned" {
  expect_class takes idle mixed mix allocated alloc completing comp planned plnd IDLE MIXED
}

@test "base states out of service on purpose: drained, draining, maintenance, reserved, future, power saving, reboot" {
  expect_class out drained drain draining drng maint reserved resv future futr perfctrs npc \
    power_down pow_dn powered_down powering_down powering_up pow_up reboot_issued reboot_requested boot blocked
}

@test "base states that are faults: down, fail, failing, inval, unknown" {
  expect_class fault down fail failing failg inval unknown unk
}

@test "every suffix character: '*' a fault, '-' and '+' take jobs, the power, maintenance and reboot marks out of service" {
  expect_class fault 'idle*' 'down*' 'drained*' 'mixed*'
  expect_class takes 'idle-' 'mixed-' 'allocated+' 'mixed+'
  expect_class out 'idle~' 'idle#' 'idle!' 'idle%' 'idle$' 'idle@' 'idle^'
  # a suffix never hides a worse base state, and several suffixes read together
  expect_class fault 'down~' 'idle~*'
  [ "$(slurm_state::verdict 'idle*')" = "fault|not responding" ]
  [ "$(slurm_state::verdict 'down*')" = "fault|down, not responding" ]
  [ "$(slurm_state::verdict 'idle~')" = "out|powered off (power saving)" ]
  [ "$(slurm_state::verdict 'mixed-')" = "takes|some CPUs allocated" ]
}

@test "scontrol's joined flags: the worst part decides" {
  expect_class takes IDLE+PLANNED MIXED+COMPLETING ALLOCATED+COMPLETING IDLE+CLOUD
  expect_class out IDLE+DRAIN+PLANNED MIXED+DRAIN IDLE+MAINTENANCE+RESERVED IDLE+RESERVED IDLE+CLOUD+POWERED_DOWN IDLE+POWERING_UP
  expect_class fault DOWN+NOT_RESPONDING IDLE+NOT_RESPONDING IDLE+DRAIN+NOT_RESPONDING IDLE+INVALID_REG IDLE+FAIL
  [ "$(slurm_state::verdict IDLE+DRAIN+NOT_RESPONDING)" = "fault|drained, not responding" ]
}

@test "a state nobody listed is named as unknown - never taken, never refused silently" {
  [ "$(slurm_state::verdict sleeping)" = "unknown|state 'sleeping' is not in SLURM's NODE STATE CODES (sinfo(1), 22.05+)" ]
  [ "$(slurm_state::verdict IDLE+WOBBLY)" = "unknown|state 'wobbly' is not in SLURM's NODE STATE CODES (sinfo(1), 22.05+)" ]
  [ "$(slurm_state::verdict '')" = "unknown|no state reported" ]
  run slurm_state::takes_jobs sleeping
  [ "$status" -eq 1 ]
  run slurm::usable_state 'idle*'
  [ "$status" -eq 1 ]
  slurm::usable_state planned
}

# sort_fixture NAME: slurm::usable_nodes over the recorded sinfo output NAME.txt (a stand-in sinfo prints it)
sort_fixture() {
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  printf '#!/bin/sh\ncat "%s"\n' "$FIX/$1.txt" >"$BATS_TEST_TMPDIR/bin/sinfo"
  chmod +x "$BATS_TEST_TMPDIR/bin/sinfo"
  PATH=$BATS_TEST_TMPDIR/bin:$PATH CC_HPC_SLURM_PARTITION=gpu slurm::usable_nodes
  SORTED="usable=${SLURM_USABLE[*]} out=$(slurm::listing "${SLURM_OUT[@]}") fault=$(slurm::listing "${SLURM_FAULT[@]}")"
  echo "$1: $SORTED"
}

@test "recorded: idle, mixed, allocated + planned, completing - every node takes jobs" {
  for f in idle mixed allocated-planned completing; do
    sort_fixture "$f"
    [ "$SORTED" = "usable=cc-cn01 cc-cn02 out= fault=" ]
  done
  [ "${SLURM_NODE_STATE[cc-cn01]}" = completing ]
}

@test "recorded: draining, drained, maintenance, reserved - out of service, named with SLURM's reason" {
  sort_fixture draining
  [ "$SORTED" = "usable=cc-cn02 out=cc-cn01 (draining: draining (finishes its jobs, takes no new ones); reason: cc-test: draining for a firmware update) fault=" ]
  sort_fixture drained
  [ "$SORTED" = "usable=cc-cn02 out=cc-cn01 (drained: drained; reason: cc-test: draining for a firmware update) fault=" ]
  sort_fixture maint
  [ "$SORTED" = "usable=cc-cn02 out=cc-cn01 (maint: in a maintenance reservation) fault=" ]
  sort_fixture reserved
  [ "$SORTED" = "usable=cc-cn02 out=cc-cn01 (reserved: in an advanced reservation) fault=" ]
}

@test "recorded: down, fail, not responding, down* - faults, named with SLURM's reason" {
  sort_fixture down
  [ "$SORTED" = "usable=cc-cn02 out= fault=cc-cn01 (down: down; reason: cc-test: bad DIMM)" ]
  sort_fixture fail
  [ "$SORTED" = "usable=cc-cn02 out= fault=cc-cn01 (fail: failed (expected to fail, per an administrator); reason: cc-test: expected to fail)" ]
  sort_fixture not-responding
  [ "$SORTED" = "usable=cc-cn01 out= fault=cc-cn02 (idle*: not responding)" ]
  sort_fixture down-not-responding
  [ "$SORTED" = "usable= out=cc-cn01 (drained: drained; reason: cc-test: drained while its peer is down) fault=cc-cn02 (down*: down, not responding; reason: Not responding)" ]
}

@test "recorded: a FUTURE node is not listed at all (registration's node count catches it)" {
  sort_fixture future
  [ "$SORTED" = "usable=cc-cn02 out= fault=" ]
}
