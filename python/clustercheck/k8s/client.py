"""The Kubernetes API through the official client: kubeconfig and context from the target config (or
KUBECONFIG), in-cluster config inside a pod, a timeout on every call, and errors as one clear line."""

from __future__ import annotations

import json
import os
from typing import Any

from clustercheck.errors import UserError


class Cluster:
    """API groups the checks use, all with the configured request timeout."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        from kubernetes import client, config

        self.timeout = float(cfg["timeout_s"])
        path = cfg.get("kubeconfig") or os.environ.get("KUBECONFIG", "")
        try:
            if path:
                if not os.path.exists(path):
                    raise UserError(f"kubeconfig {path} does not exist (kubernetes.kubeconfig)")
                api = config.new_client_from_config(config_file=path, context=cfg.get("context") or None)
            elif os.environ.get("KUBERNETES_SERVICE_HOST"):
                config.load_incluster_config()
                api = client.ApiClient()
            else:
                raise UserError("no cluster: set kubernetes.kubeconfig or KUBECONFIG")
        except config.ConfigException as exc:
            raise UserError(f"kubeconfig {path}: {exc}") from None
        api.configuration.retries = 0
        self.api = api
        self.host = api.configuration.host
        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)
        self.custom = client.CustomObjectsApi(api)
        self.ext = client.ApiextensionsV1Api(api)
        self.version_api = client.VersionApi(api)

    def kw(self) -> dict[str, Any]:
        return {"_request_timeout": self.timeout}


def describe(exc: BaseException, host: str = "") -> str:
    """One line for an API failure: unreachable, credentials, forbidden, not found, or the API's message."""

    status = getattr(exc, "status", None)
    if status is not None and status != 0:
        reason = getattr(exc, "reason", "")
        message = ""
        try:
            message = json.loads(getattr(exc, "body", "") or "{}").get("message", "")
        except (ValueError, AttributeError):
            pass
        if status == 401:
            return f"credentials rejected by {host} (401 Unauthorized: expired or invalid token/certificate)"
        if status == 403:
            return f"forbidden (403): {message or reason}"
        if status == 404:
            return f"not found (404): {message or reason}"
        return f"HTTP {status} {reason}: {message}".strip()
    text = " ".join(str(exc).split())
    if "timed out" in text.lower() or "timeout" in type(exc).__name__.lower():
        return f"API server at {host} did not answer in time ({text[:160]})"
    if not isinstance(exc, OSError) and not type(exc).__module__.startswith("urllib3"):
        # not the network: a fault of ours, never to be read as an unreachable cluster
        return f"internal error: {type(exc).__name__}: {text[:200]}"
    return f"API server at {host} unreachable ({text[:200]})"
