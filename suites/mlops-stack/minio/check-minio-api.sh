#!/usr/bin/env bash
# Check: S3 API semantics - list, put, head, a missing key is 404, wrong credentials are refused
# depends: check-minio-deployment
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

facts::run s3-api s3 api
check::expect_eq "ListObjectsV2" "$(facts::get s3-api list_objects)" ok
check::expect_eq "PutObject" "$(facts::get s3-api put)" ok
check::expect_eq "HeadObject size" "$(facts::get s3-api head_size)" "$(facts::get s3-api expected_size)"
missing=$(facts::get s3-api missing_key)
check::expect "HEAD of a missing key answers 404 (got: $missing)" grep -Eq '^(404|NoSuchKey|NotFound) ' <<<"$missing"
wrong=$(facts::get s3-api wrong_credentials)
check::expect "a wrong secret key is refused with 403 (got: $wrong)" grep -Eq '\(HTTP 403\)$' <<<"$wrong"
check::expect_eq "DeleteObject" "$(facts::get s3-api delete)" ok
check::finish "list, put, head, 404 on a missing key, 403 on a wrong secret"
