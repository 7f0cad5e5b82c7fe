#!/usr/bin/env bash
# Check: data comes back intact - a small object, a multipart object, a presigned GET (sha256 each)
# depends: check-minio-deployment
# timeout: 300
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

facts::run s3-roundtrip s3 roundtrip --work-dir "$CC_ARTIFACT_DIR/work"
f() { facts::get s3-roundtrip "$1"; }
check::expect_eq "small object sha256 after GET" "$(f small_back_sha256)" "$(f small_sha256)"
check::expect_eq "multipart object ($CC_MLOPS_S3_MULTIPART_MIB MiB) sha256 after GET" "$(f multipart_back_sha256)" "$(f multipart_sha256)"
parts=$(f multipart_parts)
check::expect_eq "multipart upload parts" "$parts" "$(f multipart_expected_parts)"
check::expect "the upload really was multipart ($parts parts)" test "${parts:-0}" -gt 1 2>/dev/null
check::expect_eq "presigned GET status" "$(f presigned_status)" 200
check::expect_eq "presigned GET sha256" "$(f presigned_sha256)" "$(f small_sha256)"
upload_s=$(f multipart_upload_s)
if [[ -n "$upload_s" ]]; then
  check::metric s3_multipart_upload "$(awk -v m="$CC_MLOPS_S3_MULTIPART_MIB" -v s="$upload_s" 'BEGIN { printf "%.1f", m / s }')" MiB/s
fi
check::finish "small, ${CC_MLOPS_S3_MULTIPART_MIB} MiB multipart ($parts parts) and presigned round trips intact"
