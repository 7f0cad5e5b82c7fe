#!/usr/bin/env bash
# Check: every configured bucket exists and the configured credentials can see it
# depends: check-minio-deployment
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

n=0
while read -r bucket; do
  n=$((n + 1))
  check::expect "bucket $bucket exists" mlops_target::bucket_roundtrip "$bucket"
done < <(mlops_target::buckets)
check::finish "$n configured bucket(s) present"
