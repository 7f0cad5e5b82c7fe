#!/usr/bin/env bash
# The check runner: discovery, parallel jobs, per-check timeouts, retries, dependency skips,
# one JSON result record per check, and a report refreshed after every check so a killed run
# still leaves a valid JUnit file. Sourced by framework.sh.
#
# Inputs (set by the caller): RUN_DIR RUN_NAME RUN_CONFIG_FILE RUN_CONFIG_ENV RUN_SECRETS_FILE RUN_JOBS RUN_TIMEOUT
# RUN_RETRIES RUN_FILTER; optional RUN_BASELINE (judge metrics against it), RUN_SAVE_BASELINE (write this
# run's metrics there at the end, with those of RUN_BASELINE_DIRS: earlier runs of the same checks),
# RUN_HISTORY (append this run's metrics there). Check headers (first 30 lines) may say:
#   # depends: check-a check-b   - skipped with "blocked by ..." unless those passed
#   # exclusive: true            - runs alone (it changes shared state)
#   # timeout: 300               - its own timeout in seconds

RUN_BASELINE_DIRS=()

# runner::discover SUITE_DIR...: the check files, in name order, matching RUN_FILTER.
runner::discover() {
  local dir f name
  for dir in "$@"; do
    [[ -d "$dir" ]] || log::die "runner: suite directory $dir does not exist"
    while IFS= read -r f; do
      name=$(basename "$f" .sh)
      if [[ -n "${RUN_FILTER:-}" ]] && ! grep -Eq -- "$RUN_FILTER" <<<"$name"; then
        continue
      fi
      printf '%s\n' "$f"
    done < <(runner::_ordered "$dir")
  done
}

# runner::_ordered DIR: the suite's checks, in the order its ORDER file gives, the rest by name.
runner::_ordered() {
  local dir=$1 name
  local -a all
  mapfile -t all < <(find "$dir" -maxdepth 1 -type f \( -name 'check-*.sh' -o -name 'test-*.sh' \) | sort)
  if [[ -f "$dir/ORDER" ]]; then
    while read -r name; do
      [[ -z "$name" || "$name" == \#* ]] && continue
      [[ -f "$dir/$name.sh" ]] && printf '%s\n' "$dir/$name.sh"
    done <"$dir/ORDER"
  fi
  for name in "${all[@]}"; do
    grep -qx "$(basename "$name" .sh)" "$dir/ORDER" 2>/dev/null || printf '%s\n' "$name"
  done
}

runner::_header() {
  local file=$1 key=$2
  sed -n '1,30p' "$file" | sed -n "s/^# $key: *//p" | head -n 1
}

runner::_suite_of() {
  local dir
  dir=$(dirname "$1")
  printf '%s' "${dir#"$CC_ROOT/suites/"}"
}

# runner::_record NAME SUITE STATUS MESSAGE DURATION ATTEMPTS FLAKY EXIT: the check's result record,
# written by the Python side (report/records.py is the records' only schema).
runner::_record() {
  local as_flaky=()
  [[ "$7" != true ]] || as_flaky=(--flaky)
  clustercheck record add "$RUN_DIR/results.jsonl" --name "$1" --suite "$2" --status "$3" --message "$4" \
    --duration "$5" --attempts "$6" "${as_flaky[@]}" --exit-code "$8"
}

runner::_status_of() { clustercheck record get "$RUN_DIR/results.jsonl" "$1" status 2>/dev/null; }

# runner::report: refresh junit.xml / summary.json from the records (serialised, atomic).
runner::report() {
  local quiet=${1:---quiet}
  flock "$RUN_DIR/.report.lock" clustercheck report --records "$RUN_DIR/results.jsonl" \
    --planned "$RUN_DIR/planned.txt" --out-dir "$RUN_DIR" --name "$RUN_NAME" \
    ${RUN_CONFIG_FILE:+--config "$RUN_CONFIG_FILE"} ${RUN_HISTORY:+--history "$RUN_HISTORY"} "$quiet" ||
    log::warn "runner: report writer failed"
}

# runner::_last_line FILE: the check's last verdict line (PASS:/FAIL:/SKIP:/ERROR:; an exit trap may
# log after it), else its last line; prefix removed.
runner::_last_line() {
  local line
  line=$(grep -E '^(PASS|FAIL|SKIP|ERROR): ' "$1" 2>/dev/null | tail -n 1) || true
  [[ -n "$line" ]] || line=$(grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n 1) || true
  sed -E 's/^(PASS|FAIL|SKIP|ERROR): //; s/^[0-9:]{8} [A-Z]+ +//' <<<"$line" | cut -c1-500
}

# runner::_mask DIR: every secret value (RUN_SECRETS_FILE, one per line) in the files under DIR
# becomes ********, before any line of them reaches a record, a progress line or a report.
runner::_mask() {
  [[ -s "${RUN_SECRETS_FILE:-}" ]] || return 0
  local -a files=()
  mapfile -t files < <(grep -rlF -f "$RUN_SECRETS_FILE" -- "$1" 2>/dev/null)
  ((${#files[@]})) || return 0
  # perl: literal (\Q) replacement without escaping each secret for sed; longest secrets first.
  CC_MASK_FILE=$RUN_SECRETS_FILE perl -pi -e '
    BEGIN { open(my $f, "<", $ENV{CC_MASK_FILE}) or die; chomp(@s = <$f>); @s = grep { length } @s;
            @s = sort { length($b) <=> length($a) } @s }
    for my $s (@s) { s/\Q$s\E/********/g }' -- "${files[@]}" ||
    log::warn "runner: masking secrets in $1 failed"
}

# runner::run_check FILE INDEX TOTAL: run one check with timeout and retries; write its record.
runner::run_check() {
  local file=$1 index=$2 total=$3
  local name suite timeout art out attempt=0 rc status message start duration flaky=false
  name=$(basename "$file" .sh)
  suite=$(runner::_suite_of "$file")
  timeout=$(runner::_header "$file" timeout)
  timeout=${timeout:-$RUN_TIMEOUT}
  art=$RUN_DIR/artifacts/$name
  rm -rf "$art"
  mkdir -p "$art"
  out=$art/output.log
  : >"$out"
  start=$(date +%s.%N)
  while :; do
    attempt=$((attempt + 1))
    ((attempt > 1)) && printf '\n===== attempt %d =====\n' "$attempt" >>"$out"
    rc=0
    # A check stopped by its timeout or an interrupt gets 30 s to put the target back (its EXIT trap:
    # a scenario destroys or restarts whole clusters) before KILL.
    CC_CONFIG_ENV=$RUN_CONFIG_ENV CC_RUN_DIR=$RUN_DIR CC_ARTIFACT_DIR=$art CC_CHECK_NAME=$name CC_CHECK_TIMEOUT=$timeout \
      timeout -k 30 "$timeout" bash "$file" >>"$out" 2>&1 </dev/null &
    local pid=$!
    printf '%s\t%s\n' "$pid" "$suite" >"$RUN_DIR/.running/$name"
    wait "$pid" || rc=$?
    rm -f "$RUN_DIR/.running/$name"
    runner::_mask "$art"
    message=$(runner::_last_line "$out")
    case $rc in
      0) status=passed ;;
      1) status=failed ;;
      77) status=skipped ;;
      124 | 137) status=error; message="timed out after ${timeout}s" ;;
      *) status=error; message="exit code $rc: ${message:-no output}" ;;
    esac
    if [[ -e "$RUN_DIR/.interrupted" && $status != passed && $status != skipped ]]; then
      status=error; message="interrupted by $(cat "$RUN_DIR/.interrupted") while running"
      break
    fi
    [[ $status == passed || $status == failed ]] && runner::_judge "$name" "$art"
    if [[ $status == failed || $status == error ]] && ((attempt <= RUN_RETRIES)); then
      continue
    fi
    break
  done
  [[ $status == passed && $attempt -gt 1 ]] && flaky=true
  duration=$(util::elapsed "$start")
  runner::_record "$name" "$suite" "$status" "$message" "$duration" "$attempt" "$flaky" "$rc"
  runner::_progress "$index" "$total" "$status" "$name" "$duration" "$message" "$flaky"
  runner::report
}

# runner::_judge NAME ART: with RUN_BASELINE, judge the check's metrics against it (artifacts
# baseline.jsonl, lines in its output); a passed check whose metric regressed becomes failed, and a
# check that failed on its own keeps its message with the regression after it: the summary line is
# all most readers see, and an objective missed says nothing of how far the metric moved (sets
# status and message of the caller).
runner::_judge() {
  [[ -n "${RUN_BASELINE:-}" && -s "$2/metrics.jsonl" ]] || return 0
  local rc=0 why
  clustercheck baseline judge --baseline "$RUN_BASELINE" --config "$RUN_CONFIG_FILE" --check "$1" \
    --metrics "$2/metrics.jsonl" --out "$2/baseline.jsonl" >>"$2/output.log" 2>"$2/baseline.err" || rc=$?
  if ((rc == 0)); then
    rm -f "$2/baseline.err"
    runner::_too_noisy "$2/baseline.jsonl"
    return 0
  fi
  why=$(sed 's/^clustercheck: //' "$2/baseline.err" | tail -n 1)
  rm -f "$2/baseline.err"
  if ((rc == 1)); then
    printf 'FAIL: %s\n' "$why" >>"$2/output.log"
    case $status in
      passed) status=failed message=$why ;;
      failed) message="${message:+$message; }$why" ;;
    esac
  else
    printf 'ERROR: baseline: %s\n' "$why" >>"$2/output.log"
    status=error message="baseline: $why"
  fi
  return 0
}

# runner::_too_noisy JUDGED: metrics whose baseline runs were too noisy to judge are named after the
# message of a check that passed (neither a pass nor a failure of the metric: the summary says so).
runner::_too_noisy() {
  local noisy
  noisy=$(sed -n 's/.*"name": "\([^"]*\)".*"verdict": "too-noisy".*/\1/p' "$1" 2>/dev/null | paste -sd, - | sed 's/,/, /g')
  [[ -n "$noisy" && "$status" == passed ]] || return 0
  message="${message:+$message; }baseline: too noisy to judge: $noisy"
}

runner::_progress() {
  local index=$1 total=$2 status=$3 name=$4 duration=$5 message=$6 flaky=$7 word colour
  case $status in
    passed) word=PASS colour=32 ;; failed) word=FAIL colour=31 ;; skipped) word=SKIP colour=33 ;; *) word=ERROR colour=31 ;;
  esac
  [[ $flaky == true ]] && word=FLAKY
  local line
  line=$(printf '[%2d/%d] %-5s %s (%ss)' "$index" "$total" "$word" "$name" "$duration")
  [[ $status != passed ]] && line+=" - $message"
  if log::_colour; then
    printf '\033[%sm%s\033[0m\n' "$colour" "$line" >&2
  else
    printf '%s\n' "$line" >&2
  fi
}

# runner::_message_of NAME: the recorded message of a check that ran.
runner::_message_of() { clustercheck record get "$RUN_DIR/results.jsonl" "$1" message 2>/dev/null; }

# runner::_blocked_by FILE: the first dependency that ran in this run and did not pass, with what it
# said (a blocked check tells why without a look at its blocker: "partition gpu is DOWN").
runner::_blocked_by() {
  local dep st msg
  for dep in $(runner::_header "$1" depends); do
    st=$(runner::_status_of "$dep")
    if [[ -n "$st" && "$st" != passed ]]; then
      msg=$(runner::_message_of "$dep")
      # a chain of blocked checks names the first cause once, not every link
      [[ "$msg" != "blocked by "* ]] || { printf '%s' "${msg#blocked by }"; return 0; }
      ((${#msg} <= 240)) || msg="${msg:0:237}..."
      printf '%s (%s%s)' "$dep" "$st" "${msg:+: $msg}"
      return 0
    fi
  done
  return 1
}

# runner::run FILE...: run the checks; exit status 0 when none failed or errored.
runner::run() {
  local files=("$@") total=${#@} i=0 f name blocker
  mkdir -p "$RUN_DIR/.running" "$RUN_DIR/artifacts"
  : >"$RUN_DIR/results.jsonl"
  rm -f "$RUN_DIR/.interrupted"
  RUN_STARTED=$(util::now)
  printf '{"started": %s}\n' "$RUN_STARTED" >"$RUN_DIR/run.json"
  for f in "${files[@]}"; do basename "$f" .sh; done >"$RUN_DIR/planned.txt"
  runner::report
  log::info "running $total check(s) of $RUN_NAME (jobs $RUN_JOBS, timeout ${RUN_TIMEOUT}s, retries $RUN_RETRIES)"
  for f in "${files[@]}"; do
    [[ -e "$RUN_DIR/.interrupted" ]] && break
    i=$((i + 1))
    name=$(basename "$f" .sh)
    if [[ -n "$(runner::_header "$f" depends)" || "$(runner::_header "$f" exclusive)" == true ]]; then
      wait || true
    fi
    if blocker=$(runner::_blocked_by "$f"); then
      runner::_record "$name" "$(runner::_suite_of "$f")" skipped "blocked by $blocker" 0 0 false 77
      runner::_progress "$i" "$total" skipped "$name" 0 "blocked by $blocker" false
      continue
    fi
    if [[ "$(runner::_header "$f" exclusive)" == true || "$RUN_JOBS" -le 1 ]]; then
      runner::run_check "$f" "$i" "$total"
    else
      while (($(jobs -rp | wc -l) >= RUN_JOBS)); do wait -n || true; done
      runner::run_check "$f" "$i" "$total" &
    fi
  done
  wait || true
  runner::finish
}

# runner::interrupt SIGNAL: stop running checks (their process groups), keep what finished.
runner::interrupt() {
  [[ -n "${RUN_DIR:-}" && -d "$RUN_DIR/.running" ]] || return 0
  printf '%s\n' "$1" >"$RUN_DIR/.interrupted"
  local p pid suite
  for p in "$RUN_DIR"/.running/*; do
    [[ -e "$p" ]] || continue
    IFS=$'\t' read -r pid suite <"$p"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    # The check's own runner may never get to write its record (the trap exits first): write it here.
    runner::_record "$(basename "$p")" "$suite" error "interrupted by $1 while running" 0 1 false 143
    rm -f "$p"
  done
  wait || true
}

# runner::finish: history, baseline, final report and summary; returns 1 when a check failed or errored.
runner::finish() {
  [[ -z "${RUN_STARTED:-}" ]] ||
    printf '{"started": %s, "wall_s": %s}\n' "$RUN_STARTED" "$(util::elapsed "$RUN_STARTED")" >"$RUN_DIR/run.json"
  if [[ -n "${RUN_HISTORY:-}" && ! -e "$RUN_DIR/.interrupted" ]]; then
    clustercheck baseline record --run-dir "$RUN_DIR" --config "$RUN_CONFIG_FILE" --history "$RUN_HISTORY" \
      --framework "$RUN_NAME" || log::warn "runner: could not append to the history $RUN_HISTORY"
  fi
  runner::report --summary
  if [[ -n "${RUN_SAVE_BASELINE:-}" ]]; then
    local -a rounds=()
    local d
    for d in "${RUN_BASELINE_DIRS[@]}"; do rounds+=(--run-dir "$d"); done
    clustercheck baseline save --run-dir "$RUN_DIR" "${rounds[@]}" --config "$RUN_CONFIG_FILE" --out "$RUN_SAVE_BASELINE" \
      --framework "$RUN_NAME" >&2 || log::error "runner: could not save the baseline $RUN_SAVE_BASELINE"
  fi
  local skip_fails=() outcome
  [[ "${RUN_FAIL_ON_SKIP:-0}" != 1 ]] || skip_fails=(--fail-on-skip)
  outcome=$(clustercheck record outcome "$RUN_DIR/results.jsonl" --planned "$RUN_DIR/planned.txt" "${skip_fails[@]}") ||
    outcome=failed
  case $outcome in
    ok) return 0 ;;
    skipped) log::error "skipped checks count as failures (--fail-on-skip)" ;;
  esac
  return 1
}
