"""Inference protocols: how to ask a server for a prediction and how to read its answer.

KServe v1 (`/v1/models/NAME:predict`), the Open Inference Protocol v2 (`/v2/models/NAME/infer`),
MLflow's scoring server (`/invocations`), and OpenAI-compatible completions / chat (streamed).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

PROTOCOLS = ("v1", "v2", "mlflow", "openai-completions", "openai-chat")
STREAMING = ("openai-completions", "openai-chat")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes
    stream: bool = False
    protocol: str = ""


def _rows(inputs: list[list[float]]) -> list[list[float]]:
    return [list(map(float, row)) for row in inputs]


def predict_request(protocol: str, model: str, inputs: list[list[float]]) -> Request:
    """A request asking for predictions of INPUTS (rows of features)."""
    rows = _rows(inputs)
    if protocol == "v1":
        body: dict[str, Any] = {"instances": rows}
        return Request("POST", f"/v1/models/{model}:predict", json.dumps(body).encode())
    if protocol == "v2":
        width = len(rows[0]) if rows else 0
        flat = [v for row in rows for v in row]
        body = {"inputs": [{"name": "input-0", "shape": [len(rows), width], "datatype": "FP64", "data": flat}]}
        return Request("POST", f"/v2/models/{model}/infer", json.dumps(body).encode())
    if protocol == "mlflow":
        return Request("POST", "/invocations", json.dumps({"inputs": rows}).encode())
    raise ValueError(f"protocol {protocol} does not take feature rows")


_SIZE = re.compile(r"^D\((\d+),(\d+)\)$")


def parse_size(spec: str) -> tuple[int, int]:
    """`D(100,100)`: 100 input tokens, 100 output tokens (the inference-autotuner notation)."""
    m = _SIZE.match(spec.replace(" ", ""))
    if not m:
        raise ValueError(f"size {spec!r} is not D(input_tokens,output_tokens)")
    return int(m.group(1)), int(m.group(2))


def generate_request(protocol: str, model: str, size: str) -> Request:
    """An OpenAI-compatible streamed request with about N input words and M output tokens."""
    n_in, n_out = parse_size(size)
    prompt = " ".join(["hello"] * n_in)
    if protocol == "openai-completions":
        # include_usage: the server's own token count arrives last (OpenAI API; vLLM): a chunk may carry several
        body: dict[str, Any] = {"model": model, "prompt": prompt, "max_tokens": n_out, "stream": True,
                                "stream_options": {"include_usage": True}}
        return Request("POST", "/v1/completions", json.dumps(body).encode(), True, protocol)
    if protocol == "openai-chat":
        body = {"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": n_out, "stream": True,
                "stream_options": {"include_usage": True}}
        return Request("POST", "/v1/chat/completions", json.dumps(body).encode(), True, protocol)
    raise ValueError(f"protocol {protocol} is not a generation protocol")


def predictions(protocol: str, payload: Any) -> list[Any]:
    """The predictions in a parsed JSON answer; ValueError when the answer does not fit the protocol."""
    if protocol == "v1":
        if not isinstance(payload, dict) or not isinstance(payload.get("predictions"), list):
            raise ValueError("v1 answer has no 'predictions' list")
        return list(payload["predictions"])
    if protocol == "v2":
        outputs = payload.get("outputs") if isinstance(payload, dict) else None
        if not isinstance(outputs, list) or not outputs or not isinstance(outputs[0], dict):
            raise ValueError("v2 answer has no 'outputs' list")
        out = outputs[0]
        for key in ("name", "shape", "datatype", "data"):
            if key not in out:
                raise ValueError(f"v2 output lacks '{key}'")
        return list(out["data"])
    if protocol == "mlflow":
        if isinstance(payload, dict) and isinstance(payload.get("predictions"), list):
            return list(payload["predictions"])
        if isinstance(payload, list):
            return payload
        raise ValueError("MLflow answer has no 'predictions' list")
    raise ValueError(f"protocol {protocol} has no predictions")


def health_paths(protocol: str, model: str) -> dict[str, str]:
    """Liveness, readiness and metadata routes of each protocol."""
    if protocol == "v1":
        return {"live": "/", "ready": f"/v1/models/{model}", "metadata": f"/v1/models/{model}"}
    if protocol == "v2":
        return {"live": "/v2/health/live", "ready": "/v2/health/ready", "metadata": f"/v2/models/{model}"}
    if protocol == "mlflow":
        return {"live": "/ping", "ready": "/health", "metadata": "/version"}
    return {"live": "/v1/models", "ready": "/v1/models", "metadata": "/v1/models"}


def stream_event(protocol: str, line: bytes) -> tuple[int, int | None] | None:
    """One server-sent-events line: (1 if it carries text else 0, the server's completion token count when
    it gives one - the usage chunk of `stream_options.include_usage`); None at the end marker."""
    if not line.startswith(b"data:"):
        return 0, None
    data = line[5:].strip()
    if data == b"[DONE]":
        return None
    try:
        event = json.loads(data)
    except ValueError:
        return 0, None
    usage = event.get("usage") if isinstance(event, dict) else None
    used = usage.get("completion_tokens") if isinstance(usage, dict) else None
    try:
        choice = event["choices"][0]
        text = choice.get("text") if protocol == "openai-completions" else choice.get("delta", {}).get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        text = None
    return (1 if text else 0), (int(used) if isinstance(used, int) else None)
