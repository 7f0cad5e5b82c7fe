#!/usr/bin/env bash
# Who started what. A command records what it started (so that only that is taken down later) and what
# it found running (so that it is left as found), as files in the local state directory: another
# command - a framework's stop-cluster, another framework, run-all-clusters - reads the same answer.
# RECORD names a file there; ITEMs are its lines.

# owner::record_file RECORD: where RECORD is kept.
owner::record_file() { printf '%s/%s' "${CC_LOCAL_STATE:-$CC_ROOT/.local-target}" "$1"; }

# owner::note RECORD [ITEM]: RECORD exists from now on; with ITEM, it lists ITEM (once).
owner::note() {
  local file
  file=$(owner::record_file "$1")
  mkdir -p "$(dirname "$file")"
  if (($# > 1)); then
    grep -qxF -- "$2" "$file" 2>/dev/null || printf '%s\n' "$2" >>"$file"
  else
    : >"$file"
  fi
}

# owner::has RECORD: RECORD was noted and not dropped since.
owner::has() { [[ -e "$(owner::record_file "$1")" ]]; }

# owner::items RECORD: the ITEMs RECORD lists, one a line (nothing when there is no RECORD).
owner::items() {
  local file
  file=$(owner::record_file "$1")
  [[ ! -s "$file" ]] || cat "$file"
}

# owner::lists RECORD ITEM: RECORD lists ITEM.
owner::lists() { owner::items "$1" | grep -qxF -- "$2"; }

# owner::forget RECORD ITEM: RECORD no longer lists ITEM; a record left empty is dropped.
owner::forget() {
  local file
  file=$(owner::record_file "$1")
  [[ -e "$file" ]] || return 0
  grep -vxF -- "$2" "$file" >"$file.new" || true
  if [[ -s "$file.new" ]]; then mv "$file.new" "$file"; else rm -f "$file.new" "$file"; fi
}

# owner::drop RECORD: forget RECORD (no error when there is none).
owner::drop() { rm -f "$(owner::record_file "$1")"; }
