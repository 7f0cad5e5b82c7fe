#!/usr/bin/env bash
# Facts from the Python helper: `clustercheck SUBCOMMAND` prints "key<TAB>value" lines; a check keeps
# them in its artifact directory and judges them. Needs check.sh loaded.

# facts::run NAME SUBCOMMAND...: run the helper against the target config, keep its facts as NAME.tsv
# and show them; exit 2 (error: could not judge) when the helper itself could not run.
facts::run() {
  local name=$1; shift
  local out=$CC_ARTIFACT_DIR/$name.tsv rc=0
  clustercheck "$@" --config "$CC_CONFIG_FILE" >"$out" 2>"$CC_ARTIFACT_DIR/$name.stderr" || rc=$?
  sed 's/^/  | /' "$out"
  if ((rc != 0)); then
    cat "$CC_ARTIFACT_DIR/$name.stderr" >&2
    check::error "helper 'clustercheck $*' could not run (exit $rc)"
  fi
}

# facts::get NAME KEY: the value of KEY in NAME.tsv (empty when absent).
facts::get() {
  awk -F '\t' -v k="$2" '$1 == k { sub(/^[^\t]*\t/, ""); print; exit }' "$CC_ARTIFACT_DIR/$1.tsv"
}

# facts::matching NAME PREFIX: "key<TAB>value" lines whose key starts with PREFIX.
facts::matching() {
  awk -F '\t' -v p="$2" 'index($1, p) == 1' "$CC_ARTIFACT_DIR/$1.tsv"
}
