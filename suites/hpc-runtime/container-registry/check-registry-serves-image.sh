#!/usr/bin/env bash
# Check: the registry's catalog lists the cluster's image, and a compute node pulls it by digest with
# the container runtime - which verifies every blob - and gets that digest (a changed blob is refused)
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

runtime::require_registry
repo=${CC_HPC_CONTAINERS_IMAGE%:*} tag=${CC_HPC_CONTAINERS_IMAGE##*:}
runtime::registry_get /v2/_catalog "$CC_ARTIFACT_DIR/catalog.json"
[[ "$REGISTRY_STATUS" == 200 ]] || check::fail "GET /v2/_catalog answered HTTP $REGISTRY_STATUS"
py=$CC_HPC_SLURM_MPI_PYTHON
"$py" -c 'import json, sys; sys.exit(sys.argv[2] not in json.load(open(sys.argv[1])).get("repositories", []))' \
  "$CC_ARTIFACT_DIR/catalog.json" "$repo" ||
  check::fail "the registry's catalog does not list $repo: $(head -c 300 "$CC_ARTIFACT_DIR/catalog.json")"
runtime::registry_get "/v2/$repo/tags/list" "$CC_ARTIFACT_DIR/tags.json"
grep -q "\"$tag\"" "$CC_ARTIFACT_DIR/tags.json" || check::fail "$repo has no tag $tag: $(head -c 300 "$CC_ARTIFACT_DIR/tags.json")"
runtime::pinned_image
digest=${PINNED_IMAGE##*@}
log::info "$CC_HPC_CONTAINERS_IMAGE is $digest"

runtime::container_env "$PINNED_IMAGE"
node=$(slurm::first_idle_node) || check::error "no idle node in partition $CC_HPC_SLURM_PARTITION to pull on"
CC_CTR_PRINT_DIGEST=1 slurm::srun -N1 -n1 -w "$node" "$CONTAINER_RUN" -- true
[[ "$SRUN_RC" == 0 ]] || check::fail "node $node could not pull $PINNED_IMAGE: $(grep -m1 'container-run:' <<<"$SRUN_OUTPUT" || slurm::step_failure)"
pulled=$(awk '/^pulled-digest / { print $2 }' <<<"$SRUN_OUTPUT")
check::expect_eq "digest of the image $node pulled" "$pulled" "$digest"
check::finish "catalog lists $repo; $node pulled $repo@$digest and got that digest"
