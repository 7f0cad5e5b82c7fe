#!/usr/bin/env bash
# Check: where the registry has a login configured, a push without credentials is refused (401) and
# one with them is accepted (the upload is then cancelled: nothing is stored)
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

runtime::require_registry
[[ -n "${CC_HPC_CONTAINERS_REGISTRY_USERNAME:-}" ]] ||
  check::skip "the registry has no login configured (hpc.containers.registry.username): anyone may push"
repo=${CC_HPC_CONTAINERS_IMAGE%:*}
url=$CC_HPC_CONTAINERS_REGISTRY_URL/v2/$repo/blobs/uploads/
anon=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "$url") || anon=000
[[ "$anon" == 401 ]] || check::note_failure "a push without credentials was answered HTTP $anon, not 401 (refused)"
headers=$CC_ARTIFACT_DIR/upload.headers
authed=$(curl -s -o /dev/null -D "$headers" -w '%{http_code}' --max-time 10 --config "$RUNTIME_CURL_CFG" -X POST "$url") || authed=000
location=$(tr -d '\r' <"$headers" | awk -F': ' 'tolower($1) == "location" { print $2 }')
if [[ -n "$location" ]]; then
  [[ "$location" == http* ]] || location=$CC_HPC_CONTAINERS_REGISTRY_URL$location
  curl -s -o /dev/null --max-time 10 --config "$RUNTIME_CURL_CFG" -X DELETE "$location" || true
fi
[[ "$authed" == 202 ]] || check::note_failure "a push with the configured login was answered HTTP $authed, not 202 (accepted)"
check::finish "push without credentials: HTTP $anon (refused); with the login: HTTP $authed (accepted, upload cancelled)"
