"""S3 facts through boto3: liveness, capacity, buckets, API semantics and data round trips."""

from __future__ import annotations

import hashlib
import os
import time
from typing import Any

from clustercheck.facts import describe, emit


def client(s3: dict[str, Any], secret: str | None = None, timeout: float = 15) -> Any:
    import boto3  # heavy: only when an S3 helper runs
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=s3["endpoint"],
        region_name=s3["region"],
        aws_access_key_id=s3["access_key"],
        aws_secret_access_key=s3["secret_key"] if secret is None else secret,
        config=Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"max_attempts": 1},
            s3={"addressing_style": "path"},
        ),
    )


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        err = response.get("Error", {})
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
        return f"{err.get('Code') or 'error'} (HTTP {status})"
    return f"unreachable: {describe(exc)}"


def probe(s3: dict[str, Any], timeout: float) -> None:
    """Liveness: MinIO's health endpoint where it is MinIO, an S3 ListBuckets call always."""
    import requests

    emit("endpoint", s3["endpoint"])
    emit("flavor", s3["flavor"])
    if s3["flavor"] == "minio":
        url = s3["endpoint"].rstrip("/") + "/minio/health/live"
        try:
            emit("health", requests.get(url, timeout=timeout).status_code)
        except requests.RequestException as exc:
            emit("health", f"unreachable: {describe(exc)}")
    start = time.monotonic()
    try:
        names = [b["Name"] for b in client(s3, timeout=timeout).list_buckets().get("Buckets", [])]
        emit("list_buckets", "ok")
        emit("list_buckets_ms", round((time.monotonic() - start) * 1000, 1))
        for name in names:
            emit("bucket", name)
    except Exception as exc:  # any client failure is a fact about the target
        emit("list_buckets", error_code(exc))


def capacity(s3: dict[str, Any], timeout: float) -> None:
    """Free and total bytes where the server reports them (SeaweedFS volume server /status)."""
    import requests

    url = s3.get("status_url")
    if not url:
        emit("capacity", "unreported")
        return
    try:
        body = requests.get(url, timeout=timeout).json()
        disks = body.get("DiskStatuses") or []
        emit("capacity", "reported" if disks else "unreported")
        if disks:
            emit("free_bytes", sum(int(d.get("free", 0)) for d in disks))
            emit("total_bytes", sum(int(d.get("all", 0)) for d in disks))
    except (requests.RequestException, ValueError) as exc:
        emit("capacity", f"unreachable: {describe(exc)}")


def _key(tag: str) -> str:
    return f"clustercheck/{tag}-{os.getpid()}-{int(time.time() * 1000)}"


def api(s3: dict[str, Any], timeout: float) -> None:
    """List, put, head, a missing key (must be 404), wrong credentials (must be refused), delete."""
    bucket = s3["test_bucket"]
    c = client(s3, timeout=timeout)
    key = _key("api")
    body = b"clustercheck api probe\n"
    try:
        c.list_objects_v2(Bucket=bucket, MaxKeys=5)
        emit("list_objects", "ok")
    except Exception as exc:
        emit("list_objects", error_code(exc))
    try:
        c.put_object(Bucket=bucket, Key=key, Body=body)
        emit("put", "ok")
        head = c.head_object(Bucket=bucket, Key=key)
        emit("head_size", head["ContentLength"])
        emit("expected_size", len(body))
    except Exception as exc:
        emit("put", error_code(exc))
    try:
        c.head_object(Bucket=bucket, Key=key + "-missing")
        emit("missing_key", "found (HTTP 200)")
    except Exception as exc:
        emit("missing_key", error_code(exc))
    try:
        client(s3, secret="clustercheck-wrong-" + "x" * 20, timeout=timeout).list_objects_v2(Bucket=bucket)
        emit("wrong_credentials", "accepted (HTTP 200)")
    except Exception as exc:
        emit("wrong_credentials", error_code(exc))
    try:
        c.delete_object(Bucket=bucket, Key=key)
        emit("delete", "ok")
    except Exception as exc:
        emit("delete", error_code(exc))


def roundtrip(s3: dict[str, Any], timeout: float, artifact_dir: str) -> None:
    """A small object, a multipart object of multipart_mib and a presigned GET, each checksummed."""
    import requests
    from boto3.s3.transfer import TransferConfig

    bucket = s3["test_bucket"]
    c = client(s3, timeout=max(timeout, 60))
    small_key, big_key = _key("small"), _key("multipart")
    small = os.urandom(64 * 1024)
    emit("small_sha256", hashlib.sha256(small).hexdigest())
    try:
        c.put_object(Bucket=bucket, Key=small_key, Body=small)
        got = c.get_object(Bucket=bucket, Key=small_key)["Body"].read()
        emit("small_back_sha256", hashlib.sha256(got).hexdigest())
    except Exception as exc:
        emit("small_back_sha256", error_code(exc))

    size = s3["multipart_mib"] * 1024 * 1024
    path = os.path.join(artifact_dir, "multipart.bin")
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        chunk = os.urandom(1024 * 1024)
        for i in range(s3["multipart_mib"]):
            block = chunk[:-4] + i.to_bytes(4, "big")  # every MiB differs: a misplaced part shows
            digest.update(block)
            fh.write(block)
    emit("multipart_bytes", size)
    emit("multipart_sha256", digest.hexdigest())
    part = 8 * 1024 * 1024
    try:
        start = time.monotonic()
        c.upload_file(path, bucket, big_key, Config=TransferConfig(multipart_threshold=part, multipart_chunksize=part))
        emit("multipart_upload_s", round(time.monotonic() - start, 3))
        head = c.head_object(Bucket=bucket, Key=big_key)
        etag = head.get("ETag", "").strip('"')
        emit("multipart_parts", etag.split("-", 1)[1] if "-" in etag else 1)
        emit("multipart_expected_parts", -(-size // part))
        back = hashlib.sha256()
        for block in c.get_object(Bucket=bucket, Key=big_key)["Body"].iter_chunks(1024 * 1024):
            back.update(block)
        emit("multipart_back_sha256", back.hexdigest())
    except Exception as exc:
        emit("multipart_back_sha256", error_code(exc))
    finally:
        os.unlink(path)
    try:
        url = c.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": small_key}, ExpiresIn=120)
        resp = requests.get(url, timeout=timeout)
        emit("presigned_status", resp.status_code)
        emit("presigned_sha256", hashlib.sha256(resp.content).hexdigest())
    except Exception as exc:
        emit("presigned_status", describe(exc))
    for key in (small_key, big_key):
        try:
            c.delete_object(Bucket=bucket, Key=key)
        except Exception as exc:
            emit("cleanup", f"{key}: {error_code(exc)}")


def ensure_buckets(s3: dict[str, Any], timeout: float) -> list[str]:
    """Create the configured buckets that are missing; return the ones created."""
    c = client(s3, timeout=timeout)
    have = {b["Name"] for b in c.list_buckets().get("Buckets", [])}
    made = [b for b in s3["buckets"] if b not in have]
    for name in made:
        c.create_bucket(Bucket=name)
    return made


def wait_writable(s3: dict[str, Any], within_s: float, timeout: float) -> None:
    """Until every configured bucket takes a write. A restarted SeaweedFS answers /healthz before its
    volume servers have re-registered, and writes to a bucket fail with 500 until they have."""
    c = client(s3, timeout=timeout)
    key = f"clustercheck/ready-{os.getpid()}"
    end = time.monotonic() + within_s
    for bucket in s3["buckets"]:
        while True:
            try:
                c.put_object(Bucket=bucket, Key=key, Body=b"ready")
                c.delete_object(Bucket=bucket, Key=key)
                break
            except Exception as exc:
                if time.monotonic() > end:
                    raise RuntimeError(f"bucket {bucket} takes no writes: {error_code(exc)}") from None
                time.sleep(0.5)


def object_sha256(s3: dict[str, Any], bucket: str, key: str, timeout: float) -> str:
    """The sha256 of an object's bytes, or why it could not be read."""
    try:
        body = client(s3, timeout=timeout).get_object(Bucket=bucket, Key=key)["Body"].read()
        return hashlib.sha256(body).hexdigest()
    except Exception as exc:
        return error_code(exc)


def list_keys(s3: dict[str, Any], bucket: str, prefix: str, timeout: float) -> list[str]:
    c = client(s3, timeout=timeout)
    keys: list[str] = []
    for page in c.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return keys
