"""An inference endpoint as a target config describes it (`inference.endpoint`): one request in its
protocol, its answer read back, and the load spec at a rate - shared by the inference and Kubernetes
checks, which both send traffic to an endpoint."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from clustercheck.bench import engine, protocols
from clustercheck.facts import describe


def get(url: str, timeout: float, address: str | None = None) -> tuple[int, Any]:
    import requests

    url, headers = connect_to(url, address)
    resp = requests.get(url, headers=headers, timeout=timeout)
    try:
        return resp.status_code, resp.json()
    except ValueError:
        return resp.status_code, resp.text[:200]


def connect_to(url: str, address: str | None) -> tuple[str, dict[str, str]]:
    """URL sent to ADDRESS (HOST:PORT) instead, with the URL's host name as the Host header (curl's
    --connect-to: a cluster's ingress routes on the name that DNS would have sent there)."""
    if not address:
        return url, {}
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=address)), {"Host": parts.netloc}


def post(url: str, body: bytes, timeout: float, address: str | None = None) -> tuple[int, Any]:
    import requests

    url, headers = connect_to(url, address)
    resp = requests.post(url, data=body, headers={"Content-Type": "application/json", **headers}, timeout=timeout)
    try:
        return resp.status_code, resp.json()
    except ValueError:
        return resp.status_code, resp.text[:200]


def predict(ep: dict[str, Any], rows: list[list[float]], timeout: float) -> tuple[int | str, list[Any] | str]:
    """(HTTP status, predictions) or (status, why the answer does not fit the protocol); ep's
    "connect_to" (HOST:PORT), where given, is where the request goes (connect_to above)."""
    req = protocols.predict_request(ep["protocol"], ep["model_name"], rows)
    try:
        status, body = post(ep["url"].rstrip("/") + req.path, req.body, timeout, ep.get("connect_to"))
    except Exception as exc:
        return "unreachable", describe(exc)
    if status != 200:
        return status, f"HTTP {status}: {str(body)[:200]}"
    try:
        return status, protocols.predictions(ep["protocol"], body)
    except ValueError as exc:
        return status, f"answer does not fit the {ep['protocol']} protocol: {exc}"


def request(ep: dict[str, Any], samples: list[dict[str, Any]]) -> protocols.Request:
    if ep["protocol"] in protocols.STREAMING:
        return protocols.generate_request(ep["protocol"], ep["model_name"], ep["size"])
    return protocols.predict_request(ep["protocol"], ep["model_name"], [samples[0]["input"]])


def load_spec(cfg: dict[str, Any], rate: float, duration: float) -> engine.LoadSpec:
    load = cfg["load"]
    url, host = connect_to(cfg["endpoint"]["url"].rstrip("/"), cfg["endpoint"].get("connect_to"))
    spec = engine.LoadSpec(
        url=url, request=request(cfg["endpoint"], cfg["samples"]), mode="open",
        rate=rate, arrival=load["arrival"], burstiness=load["burstiness"], duration_s=duration, warmup_s=load["warmup_s"],
        timeout_s=load["timeout_s"], max_requests=load["max_requests"], workers=load["workers"],
    )
    spec.headers.update(host)
    return spec
