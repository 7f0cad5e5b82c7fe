"""Model-server facts: readiness and predictions for known inputs, MLflow's protocol or the v2 one."""

from __future__ import annotations

import time
from typing import Any

from clustercheck.facts import describe, emit


def _ready(url: str, protocol: str, model: str, timeout: float) -> str:
    import requests

    path = "/ping" if protocol == "mlflow" else f"/v2/models/{model}/ready"
    try:
        resp = requests.get(url.rstrip("/") + path, timeout=timeout)
        return "ready" if resp.status_code == 200 else f"HTTP {resp.status_code} on {path}"
    except requests.RequestException as exc:
        return f"unreachable: {describe(exc)}"


def _request(protocol: str, rows: list[list[float]]) -> tuple[str, dict[str, Any]]:
    if protocol == "mlflow":
        return "/invocations", {"inputs": rows}
    flat = [v for row in rows for v in row]
    return "", {"inputs": [{"name": "input-0", "shape": [len(rows), len(rows[0])], "datatype": "FP64", "data": flat}]}


def _predictions(protocol: str, body: Any) -> list[Any]:
    if protocol == "mlflow":
        values = body["predictions"] if isinstance(body, dict) else body
    else:
        values = body["outputs"][0]["data"]
    flat: list[Any] = []
    for v in values:
        flat.extend(v if isinstance(v, list) else [v])
    return flat


def probe(url: str, protocol: str, model: str, samples: list[dict[str, Any]], timeout: float) -> None:
    import requests

    emit("endpoint", f"{protocol} {url}")
    state = _ready(url, protocol, model, timeout)
    emit("ready", state)
    if state != "ready":
        return
    path, payload = _request(protocol, [s["input"] for s in samples])
    if protocol == "v2":
        path = f"/v2/models/{model}/infer"
    start = time.monotonic()
    try:
        resp = requests.post(url.rstrip("/") + path, json=payload, timeout=timeout)
        emit("predict_ms", round((time.monotonic() - start) * 1000, 1))
        if resp.status_code != 200:
            emit("predict", f"HTTP {resp.status_code}: {resp.text[:200]}")
            return
        got = _predictions(protocol, resp.json())
        emit("predict", "ok")
        for i, sample in enumerate(samples):
            emit(f"sample.{i}", f"{got[i] if i < len(got) else 'missing'} {sample['output']}")
    except (requests.RequestException, ValueError, KeyError, IndexError) as exc:
        emit("predict", f"failed: {describe(exc)}")


def wait_ready(url: str, protocol: str, model: str, deadline_s: float) -> bool:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if _ready(url, protocol, model, 2) == "ready":
            return True
        time.sleep(0.5)
    return False
