#!/usr/bin/env bats
# facts.sh: a check reads only the keys its helper command declares; any other key ends the check as an
# error naming the key and the command, also when read inside $(...).

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  export PATH="$ROOT/.venv/bin:$PATH" NO_COLOR=1
  export CC_ARTIFACT_DIR=$BATS_TEST_TMPDIR/art CC_CONFIG_FILE=$BATS_TEST_TMPDIR/cfg.yaml
  mkdir -p "$CC_ARTIFACT_DIR"
  # what `clustercheck multi train` printed on a SLURM node, taken in the way a check takes it
  printf 'run_id\tabc\nversion\t3\nslurm_job_id\t42\ncuda_visible_devices\tnone\n' >"$BATS_TEST_TMPDIR/train.out"
}

# in_check BODY: BODY in a check's shell, after the facts were adopted; prints what follows it too.
in_check() {
  run bash -c 'set -euo pipefail; source "$1/test-infra/checks/check.sh"; source "$1/test-infra/checks/facts.sh"; facts::adopt train "$2" multi train
    eval "$3"; echo "went on"' _ "$ROOT" "$BATS_TEST_TMPDIR/train.out" "$1"
}

@test "a declared key reads its value; one the helper did not print reads empty" {
  in_check 'echo "v=$(facts::get train version) m=$(facts::get train model_uri)"'
  [ "$status" -eq 0 ]
  [[ "$output" == *"v=3 m="* && "$output" == *"went on"* ]]
}

@test "a key the command does not declare ends the check as an error naming both, inside \$(...) too" {
  in_check 'v=$(facts::get train versoin); echo "got [$v]"'
  [ "$status" -eq 2 ]
  [[ "$output" == *"ERROR: facts: 'versoin' is not a fact 'clustercheck multi train' declares (run_id version"* ]]
  [[ "$output" != *"went on"* ]]
  in_check '[[ "$(facts::get train slurm_jobid)" == 42 ]] || echo mismatch'
  [ "$status" -eq 2 ]
  [[ "$output" == *"'slurm_jobid' is not a fact"* && "$output" != *mismatch* ]]
}

@test "true/false and none are the one spelling: facts::true and facts::known read them" {
  printf 'run_id\tabc\nversion\ttrue\ncuda_visible_devices\tnone\n' >"$BATS_TEST_TMPDIR/train.out"
  in_check 'if facts::true train version; then echo yes1; fi; facts::true train run_id || echo no2
    facts::known train cuda_visible_devices || echo no3; if facts::known train run_id; then echo yes4; fi
    facts::known train model_uri || echo no5'
  [ "$status" -eq 0 ]
  [ "$(grep -c '^\(yes\|no\)[0-9]' <<<"$output")" -eq 5 ]
}

@test "facts from a command that declares none cannot be read" {
  run bash -c 'set -euo pipefail; source "$1/test-infra/checks/check.sh"; source "$1/test-infra/checks/facts.sh"
    printf "k\tv\n" >"$CC_ARTIFACT_DIR/x.tsv"; facts::get x k' _ "$ROOT"
  [ "$status" -eq 2 ]
  [[ "$output" == *"declares no fact keys"* ]]
}
