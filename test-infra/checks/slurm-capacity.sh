#!/usr/bin/env bash
# What the partition can give a check's jobs, read once per run: a busy production cluster (nodes running
# the users' jobs, jobs of higher priority pending for the rest) makes a check say so at once, naming the
# jobs, instead of each check waiting out hpc.slurm.busy_wait_s. A site that runs acceptance jobs in a
# reservation (hpc.slurm.reservation) or a QOS (hpc.slurm.qos) has made room for them: in a reservation
# its nodes are the checks' (a job needing more is skipped naming it), in a QOS no pre-check.
# Sourced by slurm.sh.

# slurm_capacity::options: the sbatch/srun options that put a job where the site runs acceptance jobs
# (--reservation, --qos), one per line; nothing when neither is configured.
slurm_capacity::options() {
  [[ -z "${CC_HPC_SLURM_RESERVATION:-}" ]] || printf -- '--reservation=%s\n' "$CC_HPC_SLURM_RESERVATION"
  [[ -z "${CC_HPC_SLURM_QOS:-}" ]] || printf -- '--qos=%s\n' "$CC_HPC_SLURM_QOS"
}

# slurm_capacity::file: the run's snapshot in the run's folder (a check run outside a framework run: its own).
slurm_capacity::file() { printf '%s/slurm-capacity.tsv\n' "${CC_RUN_DIR:-$CC_ARTIFACT_DIR}"; }

# slurm_capacity::read: the snapshot, written by the first check of the run that asks (under a lock,
# the others wait and read it): every node's state, the users' running jobs with their nodes and time
# left, and their pending jobs in priority order with the nodes the scheduler planned for them. The
# harness's own jobs (named cc-*) are not the users'.
slurm_capacity::read() {
  local file
  file=$(slurm_capacity::file)
  [[ -s "$file" ]] && return 0
  (
    flock -w 60 9 || exit 0
    [[ -s "$file" ]] && exit 0
    slurm_capacity::_snapshot >"$file.part" && mv "$file.part" "$file"
  ) 9>"$file.lock"
}

slurm_capacity::_hosts() { [[ -z "$1" || "$1" == "(null)" ]] || scontrol show hostnames "$1" 2>/dev/null | paste -sd, -; }

slurm_capacity::_snapshot() {
  local p=$CC_HPC_SLURM_PARTITION id name user nodes left count reason planned start at
  printf 'taken\t%s\t%s\n' "$(date +%H:%M:%S)" "$(date +%s)"
  sinfo -h -N -p "$p" -o '%N|%T' 2>/dev/null | sort -u | tr '|' '\t' | sed 's/^/node\t/'
  if [[ -n "${CC_HPC_SLURM_RESERVATION:-}" ]]; then
    nodes=$(timeout 15 scontrol -o show reservation "$CC_HPC_SLURM_RESERVATION" 2>/dev/null | grep -o ' Nodes=[^ ]*' | head -n 1)
    printf 'reservation\t%s\t%s\n' "$CC_HPC_SLURM_RESERVATION" "$(slurm_capacity::_hosts "${nodes# Nodes=}")"
  fi
  while IFS='|' read -r id name user nodes left; do
    [[ -n "$id" && "$name" != cc-* ]] || continue
    printf 'running\t%s\t%s\t%s\t%s\n' "$id" "$user" "$(slurm_capacity::_hosts "$nodes")" "$left"
  done < <(timeout 15 squeue -h -p "$p" -t R -o '%i|%j|%u|%N|%L' 2>/dev/null)
  while IFS='|' read -r id name user count reason planned start; do
    [[ -n "$id" && "$name" != cc-* ]] || continue
    at=0
    [[ "$start" != *T* ]] || at=$(date -d "$start" +%s 2>/dev/null || echo 0)
    printf 'pending\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$user" "$count" "$reason" "$(slurm_capacity::_hosts "$planned")" "$at"
  done < <(timeout 15 squeue -h -p "$p" -t PD --sort=-p,i -o '%i|%j|%u|%D|%r|%Y|%S' 2>/dev/null)
}

# slurm_capacity::admit N [NODE,...]: whether a job of N nodes (or on exactly those nodes) can start now,
# by the run's snapshot: nodes taking jobs and running none of the users' (mixed ones may), less those
# the users' pending jobs will take first (the nodes the scheduler planned for them, else as many free
# nodes as each asks; a job SLURM expects to start after ours would end does not count: ours backfill
# before it). Fails with
# SLURM_CAPACITY_WHY naming what holds the nodes. In a reservation, its nodes alone count; in a QOS
# (no reservation) everything is admitted.
slurm_capacity::admit() {
  local want=$1 named=${2:-}
  SLURM_CAPACITY_WHY=
  [[ -n "${CC_HPC_SLURM_RESERVATION:-}" || -z "${CC_HPC_SLURM_QOS:-}" ]] || return 0
  slurm_capacity::read
  local file
  file=$(slurm_capacity::file)
  [[ -s "$file" ]] || return 0
  SLURM_CAPACITY_WHY=$(awk -F '\t' -v want="$want" -v named="$named" -v p="$CC_HPC_SLURM_PARTITION" -v horizon=360 '
    $1 == "taken" { taken = $2; now = $3 }
    # a node taking jobs is free unless a user job runs there (one allocated to our own last job is free)
    $1 == "node" { order[++n] = $2; state[$2] = $3; if ($3 ~ /^(idle|mixed|allocated|completing|planned)$/) free[$2] = 1 }
    $1 == "running" { k = split($4, on, ","); for (i = 1; i <= k; i++) held[on[i]] = held[on[i]] (held[on[i]] ? ", " : "") "job " $2 " (" $3 ", " $5 " left)" }
    $1 == "pending" { pend[++m] = $0 }
    $1 == "reservation" { resv = $2; k = split($3, on, ","); for (i = 1; i <= k; i++) mine[on[i]] = 1 }
    END {
      if (!n) exit  # sinfo said nothing: no grounds to refuse; the job finds out
      if (resv != "") {  # the site made room: the reservation nodes are ours, the others are not
        for (x in free) if (!(x in mine)) { delete free[x]; held[x] = (x in held ? held[x] "; " : "") "not in reservation " resv }
        for (x in mine) if (x in state) free[x] = 1
        m = 0  # pending jobs wait outside it
      }
      if (resv == "") for (x in held) if (state[x] != "mixed") delete free[x]  # mixed: cores left free beside the user jobs
      for (j = 1; j <= m; j++) {
        split(pend[j], f, "\t"); take = f[4] + 0; what = "pending job " f[2] " (" f[3] ", " f[4] " node(s), " f[5] ")"
        # one the scheduler starts later than our jobs end (5 min, and a minute of margin) lets them
        # backfill before it, as SLURM backfill does; one with no expected start holds its nodes now
        if (f[7] + 0 > 0 && now + 0 > 0 && f[7] - now > horizon) continue
        if (f[6] != "") { k = split(f[6], on, ","); for (i = 1; i <= k; i++) if (on[i] in free) { delete free[on[i]]; held[on[i]] = what } }
        else for (i = 1; i <= n && take > 0; i++) if (order[i] in free) { delete free[order[i]]; held[order[i]] = what; take-- }
      }
      have = 0; for (x in free) have++
      short = 0
      if (named != "") { k = split(named, on, ","); for (i = 1; i <= k; i++) if (!(on[i] in free)) short = 1 }
      else if (want + 0 > have) short = 1
      if (!short) exit
      out = "needs " (named != "" ? named : want " node(s)") " of partition " p ", " have " free when the run read it (" taken ", once per run)"
      for (i = 1; i <= n; i++) { x = order[i]; if (x in free || (named != "" && index("," named ",", "," x ",") == 0)) continue
        out = out "; " x " " state[x] (x in held ? ": " held[x] : "") }
      print out
    }' "$file")
  [[ -z "$SLURM_CAPACITY_WHY" ]]
}

# slurm_capacity::node_free NODE: true when NODE can take a job now, by the run's snapshot; else
# SLURM_CAPACITY_WHY says what holds it.
slurm_capacity::node_free() { slurm_capacity::admit 1 "$1"; }

# slurm_capacity::job_size ARGS...: "N NODELIST" that srun/sbatch ARGS ask for (-N/--nodes, -w/--nodelist;
# one node when they name none).
slurm_capacity::job_size() {
  local n=1 list='' a
  while (($#)); do
    a=$1
    case $a in
      -N | --nodes) n=${2%%-*}; shift ;;
      -N* ) n=${a#-N}; n=${n%%-*} ;;
      --nodes=*) n=${a#--nodes=}; n=${n%%-*} ;;
      -w | --nodelist) list=$2; shift ;;
      --nodelist=*) list=${a#--nodelist=} ;;
    esac
    shift
  done
  [[ -z "$list" ]] || list=$(slurm_capacity::_hosts "$list")
  printf '%s %s\n' "$n" "$list"
}

# slurm_capacity::admit_job ARGS...: skip the check at once, naming the users' jobs, when the job ARGS
# describe cannot start on the partition as the run found it.
slurm_capacity::admit_job() {
  local n list
  read -r n list < <(slurm_capacity::job_size "$@")
  local hint=" (a reservation, hpc.slurm.reservation, or a QOS, hpc.slurm.qos, runs the checks beside the users' jobs)"
  [[ -z "${CC_HPC_SLURM_RESERVATION:-}" ]] || hint=''
  slurm_capacity::admit "$n" "$list" || check::skip "busy: not checked - $SLURM_CAPACITY_WHY$hint"
}
