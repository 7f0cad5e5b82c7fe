#!/usr/bin/env bash
# SLURM node states read the way SLURM documents them: sinfo(1) "NODE STATE CODES" (22.05 and later) -
# base states in long (%T) and short (%t) form, the suffix characters, and the flags `scontrol show node`
# joins with "+" (IDLE+DRAIN+PLANNED). Every state a check reads goes through slurm_state::verdict, so
# a state nobody listed is named as unknown instead of being taken (or refused) by accident.
#
# Classes:  takes   - the node takes new jobs (idle, busy, planned by backfill: a job may still backfill)
#           out     - out of service on purpose (drained, maintenance, power saving, reboot): named, with
#                     SLURM's reason, as not checked
#           fault   - broken (down, not responding, bad registration): a failure naming the node
#           unknown - not in the table: named, never silently taken

declare -gA SLURM_STATE_TABLE=(
  # base states, long form (%T) and short form (%t)
  [idle]="takes|idle"
  [mixed]="takes|some CPUs allocated" [mix]="takes|some CPUs allocated"
  [allocated]="takes|allocated to jobs" [alloc]="takes|allocated to jobs"
  [completing]="takes|jobs completing" [comp]="takes|jobs completing"
  [planned]="takes|planned by the backfill scheduler for a higher-priority job" [plnd]="takes|planned by the backfill scheduler for a higher-priority job"
  [down]="fault|down"
  [drained]="out|drained" [drain]="out|drained"
  [draining]="out|draining (finishes its jobs, takes no new ones)" [drng]="out|draining (finishes its jobs, takes no new ones)"
  [fail]="fault|failed (expected to fail, per an administrator)"
  [failing]="fault|failing (expected to fail, per an administrator)" [failg]="fault|failing (expected to fail, per an administrator)"
  [future]="out|future (not yet configured)" [futr]="out|future (not yet configured)"
  [inval]="fault|invalid registration (fewer resources than configured)"
  [maint]="out|in a maintenance reservation"
  [reserved]="out|in an advanced reservation" [resv]="out|in an advanced reservation"
  [reboot_issued]="out|reboot issued" [reboot_requested]="out|reboot requested" [boot]="out|rebooting"
  [perfctrs]="out|network performance counters in use" [npc]="out|network performance counters in use"
  [power_down]="out|pending power down (power saving)" [pow_dn]="out|powering down (power saving)"
  [powered_down]="out|powered down (power saving)" [powering_down]="out|powering down (power saving)"
  [powering_up]="out|powering up (power saving)" [pow_up]="out|powering up (power saving)"
  [unknown]="fault|state not yet known to the controller" [unk]="fault|state not yet known to the controller"
  [blocked]="out|blocked by a job with exclusive topology" [block]="out|blocked by a job with exclusive topology"
  # flags that scontrol joins with "+" (base states above also appear there, in capitals)
  [not_responding]="fault|not responding" [no_respond]="fault|not responding"
  [maintenance]="out|in a maintenance reservation"
  [cloud]="takes|cloud node" [dynamic_norm]="takes|dynamic node"
  [dynamic_future]="out|future (dynamic node not yet registered)"
  [invalid_reg]="fault|invalid registration (fewer resources than configured)"
  [power_up]="out|pending power up (power saving)" [power_save]="out|powered down (power saving)"
  [resume]="takes|resuming" [undrain]="takes|undraining"
)
# suffix characters sinfo appends to a state (sinfo(1): NODE STATE CODES)
declare -gA SLURM_STATE_SUFFIX=(
  ['*']="fault|not responding"
  ['~']="out|powered off (power saving)"
  ['#']="out|powering up or being configured"
  ['!']="out|pending power down"
  ['%']="out|powering down"
  ['$']="out|in a maintenance reservation"
  ['@']="out|pending reboot"
  ['^']="out|reboot issued"
  ['-']="takes|planned by the backfill scheduler"
  ['+']="takes|jobs completing beside running ones"
)

# slurm_state::verdict STATE: "CLASS|what it means" for a state as sinfo (%T or %t) or scontrol prints it.
# The worst part decides: fault > unknown > out > takes; the meaning lists every part that is not
# "takes", or the base state's meaning when all take jobs.
slurm_state::verdict() {
  local state=${1,,} part suffix entry class=takes rank=0 r meaning='' first='' c
  [[ -n "$state" ]] || { printf 'unknown|no state reported\n'; return 0; }
  local -a parts=() flags=()
  # strip the suffix characters (a state may carry several) before splitting the "+"-joined flags
  while [[ -n "$state" ]]; do
    c=${state: -1}
    # a trailing "+" is the suffix ("allocated+"); inside, "+" joins flags ("idle+drain")
    if [[ -n "${SLURM_STATE_SUFFIX[$c]+x}" ]]; then
      parts+=("suffix:$c")
      state=${state%?}
    else
      break
    fi
  done
  IFS=+ read -ra flags <<<"$state"
  parts=("${flags[@]}" "${parts[@]}")
  for part in "${parts[@]}"; do
    if [[ "$part" == suffix:* ]]; then
      suffix=${part#suffix:}
      entry=${SLURM_STATE_SUFFIX[$suffix]}
      part="'$suffix'"
    else
      entry=${SLURM_STATE_TABLE[$part]:-"unknown|state '$part' is not in SLURM's NODE STATE CODES (sinfo(1), 22.05+)"}
    fi
    [[ -n "$first" ]] || first=${entry#*|}
    case ${entry%%|*} in takes) r=0 ;; out) r=1 ;; unknown) r=2 ;; *) r=3 ;; esac
    if ((r > 0)) && [[ ", $meaning, " != *", ${entry#*|}, "* ]]; then meaning+="${meaning:+, }${entry#*|}"; fi
    if ((r > rank)); then rank=$r class=${entry%%|*}; fi
  done
  printf '%s|%s\n' "$class" "${meaning:-$first}"
}

# slurm_state::takes_jobs STATE: true when the node takes new jobs.
slurm_state::takes_jobs() { [[ "$(slurm_state::verdict "$1")" == takes\|* ]]; }
