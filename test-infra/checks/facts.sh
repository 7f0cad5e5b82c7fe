#!/usr/bin/env bash
# Facts from the Python helper: `clustercheck SUBCOMMAND` prints "key<TAB>value" lines; a check keeps
# them in its artifact directory and judges them. Each helper command declares the keys it prints
# (clustercheck.facts.declares); reading a key it does not declare is an error naming both, never an
# empty string. Values: true/false for booleans, none for nothing. Needs check.sh loaded.

# facts::_from NAME SUBCOMMAND...: NAME's facts come from `clustercheck SUBCOMMAND` (named in errors);
# its declared keys are to be written anew.
facts::_from() {
  local name=$1; shift
  printf 'clustercheck %s\n' "$*" >"$CC_ARTIFACT_DIR/$name.cmd"
  rm -f "$CC_ARTIFACT_DIR/$name.keys"
}

# facts::run NAME SUBCOMMAND...: run the helper against the target config, keep its facts as NAME.tsv
# (its declared keys as NAME.keys) and show them; exit 2 (error: could not judge) when the helper
# itself could not run.
facts::run() {
  local name=$1; shift
  local out=$CC_ARTIFACT_DIR/$name.tsv rc=0
  facts::_from "$name" "$@"
  CC_FACTS_DECLARED=$CC_ARTIFACT_DIR/$name.keys clustercheck "$@" --config "$CC_CONFIG_FILE" \
    >"$out" 2>"$CC_ARTIFACT_DIR/$name.stderr" || rc=$?
  sed 's/^/  | /' "$out"
  if ((rc != 0)); then
    cat "$CC_ARTIFACT_DIR/$name.stderr" >&2
    check::error "helper 'clustercheck $*' could not run (exit $rc)"
  fi
}

# A key read inside $(...) runs in a subshell, whose exit would leave the check going on with an empty
# value: the subshell signals the check's own shell, which ends as an error (exit 2, its EXIT traps run).
trap 'exit 2' USR1

# facts::_refuse MESSAGE: end the check as an error, from its own shell or from a subshell of it.
facts::_refuse() {
  printf 'ERROR: %s\n' "$1" >&2
  if ((BASH_SUBSHELL)); then kill -USR1 "$$"; fi
  exit 2
}

# facts::adopt NAME FILE SUBCOMMAND...: FILE holds facts SUBCOMMAND printed elsewhere (a batch job's
# output); keep them as NAME.tsv with SUBCOMMAND's declared keys, as facts::run does.
facts::adopt() {
  local name=$1 file=$2; shift 2
  facts::_from "$name" "$@"
  cp "$file" "$CC_ARTIFACT_DIR/$name.tsv" 2>/dev/null || : >"$CC_ARTIFACT_DIR/$name.tsv"
  clustercheck fact-keys "$@" >"$CC_ARTIFACT_DIR/$name.keys" ||
    check::error "helper 'clustercheck fact-keys $*' could not run"
}

# facts::_declared NAME KEY [prefix]: KEY is a key (with "prefix": a prefix of keys) that NAME's command
# declares; otherwise the check errors, naming the key and the command.
facts::_declared() {
  local name=$1 key=$2 how=${3:-key} pattern cmd
  cmd=$(cat "$CC_ARTIFACT_DIR/$name.cmd" 2>/dev/null || echo "(no facts::run $name)")
  [[ -s "$CC_ARTIFACT_DIR/$name.keys" ]] ||
    facts::_refuse "facts: '$cmd' declares no fact keys (clustercheck.facts.declares), so '$key' cannot be read"
  while IFS= read -r pattern; do
    # shellcheck disable=SC2053  # the declared pattern is a glob on purpose (step.*)
    if [[ "$key" == $pattern ]]; then return 0; fi
    if [[ $how == prefix && ( "$pattern" == "$key"* || "$key" == "${pattern%%\**}"* && "$pattern" == *\** ) ]]; then
      return 0
    fi
  done <"$CC_ARTIFACT_DIR/$name.keys"
  facts::_refuse "facts: '$key' is not a fact '$cmd' declares ($(paste -sd' ' "$CC_ARTIFACT_DIR/$name.keys"))"
}

# facts::get NAME KEY: the value of KEY in NAME.tsv (empty when the helper did not print it).
facts::get() {
  facts::_declared "$1" "$2"
  awk -F '\t' -v k="$2" '$1 == k { sub(/^[^\t]*\t/, ""); print; exit }' "$CC_ARTIFACT_DIR/$1.tsv"
}

# facts::true NAME KEY: KEY reads true.
facts::true() { [[ "$(facts::get "$1" "$2")" == true ]]; }

# facts::known NAME KEY: KEY was printed with a value (not empty, not none).
facts::known() {
  local v
  v=$(facts::get "$1" "$2")
  [[ -n "$v" && "$v" != none ]]
}

# facts::matching NAME PREFIX: "key<TAB>value" lines whose key starts with PREFIX.
facts::matching() {
  facts::_declared "$1" "$2" prefix
  awk -F '\t' -v p="$2" 'index($1, p) == 1' "$CC_ARTIFACT_DIR/$1.tsv"
}
