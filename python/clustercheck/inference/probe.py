"""Endpoint facts: health, readiness, metadata, answers to known inputs, and refusals of bad input."""

from __future__ import annotations

import json
import time
from typing import Any

from clustercheck.bench import protocols
from clustercheck.bench.endpoint import get, post, predict
from clustercheck.facts import describe, emit


def health(ep: dict[str, Any], timeout: float) -> None:
    base = ep["url"].rstrip("/")
    for kind, path in protocols.health_paths(ep["protocol"], ep["model_name"]).items():
        try:
            status, body = get(base + path, timeout, ep.get("connect_to"))
            emit(kind, status)
            if kind == "metadata":
                emit("metadata_body", json.dumps(body)[:300])
                if ep["protocol"] == "v2" and isinstance(body, dict):
                    emit("metadata_name", body.get("name", ""))
                    emit("metadata_inputs", len(body.get("inputs") or []))
        except Exception as exc:
            emit(kind, f"unreachable: {describe(exc)}")


def request_response(ep: dict[str, Any], samples: list[dict[str, Any]], timeout: float) -> None:
    """Known inputs give the known answers; malformed requests get 4xx, never 5xx."""
    start = time.monotonic()
    status, preds = predict(ep, [s["input"] for s in samples], timeout)
    emit("predict_status", status)
    emit("predict_ms", round((time.monotonic() - start) * 1000, 1))
    if isinstance(preds, str):
        emit("schema", preds)
    else:
        emit("schema", "ok" if len(preds) == len(samples) else f"{len(preds)} predictions for {len(samples)} rows")
        for i, (sample, got) in enumerate(zip(samples, preds)):
            emit(f"sample.{i}", f"{got} {sample['output']}")
    req = protocols.predict_request(ep["protocol"], ep["model_name"], [samples[0]["input"]])
    width = len(samples[0]["input"])
    bad = {
        "not_json": b"{this is not json",
        "wrong_shape": protocols.predict_request(ep["protocol"], ep["model_name"], [[1.0] * (width + 3)]).body,
        "empty_body": b"{}",
    }
    for name, body in bad.items():
        try:
            code, _ = post(ep["url"].rstrip("/") + req.path, body, timeout, ep.get("connect_to"))
            emit(f"bad_input.{name}", code)
        except Exception as exc:
            emit(f"bad_input.{name}", f"unreachable: {describe(exc)}")


def wait_good(ep: dict[str, Any], sample: dict[str, Any], within_s: float, poll_s: float = 0.1) -> tuple[float, str]:
    """Seconds until the endpoint answers SAMPLE correctly (or within_s and the last answer)."""
    start = time.monotonic()
    last = "no answer"
    while time.monotonic() - start < within_s:
        status, preds = predict(ep, [sample["input"]], timeout=2)
        if isinstance(preds, list) and preds and str(preds[0]) == str(sample["output"]):
            return time.monotonic() - start, "ok"
        last = preds if isinstance(preds, str) else f"predicted {preds}"
        time.sleep(poll_s)
    return time.monotonic() - start, last
