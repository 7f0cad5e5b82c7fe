#!/usr/bin/env bash
# Check: object storage is writable, and has free capacity where the server reports it
# depends: check-minio-deployment
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

facts::run s3-api s3 api
check::expect_eq "write to bucket $CC_MLOPS_S3_TEST_BUCKET" "$(facts::get s3-api put)" ok
check::expect_eq "delete from bucket $CC_MLOPS_S3_TEST_BUCKET" "$(facts::get s3-api delete)" ok
facts::run s3-capacity s3 capacity
capacity=$(facts::get s3-capacity capacity)
case $capacity in
  reported)
    free=$(facts::get s3-capacity free_bytes)
    total=$(facts::get s3-capacity total_bytes)
    check::metric s3_total "$(awk -v b="$total" 'BEGIN { printf "%.1f", b / 2^30 }')" GiB
    check::objective s3_free "$(awk -v b="$free" 'BEGIN { printf "%.1f", b / 2^30 }')" GiB ">=" "mlops.s3.min_free_gib" || true
    ;;
  unreported) log::info "the server does not report capacity (set mlops.s3.status_url where it can)" ;;
  *) check::note_failure "capacity: $capacity" ;;
esac
check::finish "writable; capacity $capacity"
