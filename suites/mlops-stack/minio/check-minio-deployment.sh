#!/usr/bin/env bash
# Check: the S3 endpoint is live - MinIO's health endpoint on MinIO, an authenticated S3 call always
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

facts::run s3-probe s3 probe
if [[ "$CC_MLOPS_S3_FLAVOR" == minio ]]; then
  check::expect_eq "MinIO /minio/health/live" "$(facts::get s3-probe health)" 200
fi
check::expect_eq "S3 ListBuckets at $CC_MLOPS_S3_ENDPOINT" "$(facts::get s3-probe list_buckets)" ok
ms=$(facts::get s3-probe list_buckets_ms)
[[ -z "$ms" ]] || check::metric s3_list_buckets_latency "$ms" ms
check::finish "S3 endpoint $CC_MLOPS_S3_ENDPOINT ($CC_MLOPS_S3_FLAVOR) answers authenticated calls"
