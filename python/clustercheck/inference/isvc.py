"""The spec's "register in MLflow, deploy via KServe": an InferenceService for the model registered
in MLflow (its S3 storage URI), waited on until Ready, then asked for predictions of known inputs."""

from __future__ import annotations

import contextlib
import io
import time
from typing import Any

from clustercheck.bench import endpoint
from clustercheck.facts import emit
from clustercheck.k8s.client import Cluster, describe
from clustercheck.k8s.facts import pod_problem
from clustercheck.mlops.mlflow_rest import Rest, model_prefix

GROUP, VERSION, PLURAL = "serving.kserve.io", "v1beta1", "inferenceservices"
# what an ingress answers for a host it does not route yet (no route; no endpoint behind it yet)
NOT_ROUTED = (404, 502, 503)
ROUTE_GRACE_S = 20.0


def storage_uri(isvc: dict[str, Any], mlops: dict[str, Any]) -> str | None:
    """The configured URI, or the S3 location of the registry's NAME@ALIAS artifacts."""
    if isvc.get("storage_uri"):
        return str(isvc["storage_uri"])


    serving = mlops.get("serving", {})
    with contextlib.redirect_stdout(io.StringIO()):
        found = model_prefix(Rest(mlops["mlflow"]["url"], 15), serving.get("model_name", ""),
                              serving.get("model_alias", ""), mlops["mlflow"]["artifact_prefix"])
    return f"s3://{mlops['mlflow']['artifact_bucket']}/{found[1]}" if found else None


def manifest(isvc: dict[str, Any], uri: str) -> dict[str, Any]:
    predictor: dict[str, Any] = {
        "minReplicas": isvc["min_replicas"], "maxReplicas": isvc["max_replicas"],
        "model": {"modelFormat": {"name": "mlflow"}, "protocolVersion": "v2", "storageUri": uri},
    }
    if isvc.get("service_account"):
        predictor["serviceAccountName"] = isvc["service_account"]
    if isvc.get("scale_target_pct"):
        # raw deployment: KServe makes these the HPA's metric (average CPU use over the request)
        predictor.update(scaleMetric="cpu", scaleTarget=int(isvc["scale_target_pct"]))
    if isvc.get("cpu_request"):
        predictor["model"]["resources"] = {"requests": {"cpu": str(isvc["cpu_request"])}}
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "InferenceService",
            "metadata": {"name": isvc["name"], "namespace": isvc["namespace"],
                         "labels": {"app.kubernetes.io/managed-by": "clustercheck"}},
            "spec": {"predictor": predictor}}


def _ready(obj: dict[str, Any]) -> tuple[bool, str]:
    for cond in obj.get("status", {}).get("conditions", []):
        if cond.get("type") == "Ready":
            why = f"{cond.get('reason', '')}: {cond.get('message', '')}".strip(": ")
            return cond.get("status") == "True", why
    return False, "no Ready condition yet"


def _pods(cluster: Cluster, ns: str, name: str) -> str:
    """'; pod P: why not running' for each of the InferenceService's pods that is not (KServe's status
    names a failed model load, but not an image that cannot be pulled or an init container that fails)."""
    try:
        pods = cluster.core.list_namespaced_pod(ns, label_selector=f"serving.kserve.io/inferenceservice={name}",
                                                **cluster.kw())
    except Exception as exc:
        return f"; its pods: {describe(exc, cluster.host)}"
    problems = [f"pod {p.metadata.name}: {why}" for p in pods.items if (why := pod_problem(p))]
    return "".join(f"; {p}" for p in problems) if problems else ("" if pods.items else "; no pod")


def deploy(cluster: Cluster, cfg: dict[str, Any], mlops: dict[str, Any], samples: list[dict[str, Any]],
           remove: bool) -> None:
    isvc = cfg["inference"]
    uri = storage_uri(isvc, mlops)
    if not uri:
        emit("storage_uri", "unresolved: the registry has no such model (mlops.serving)")
        return
    emit("storage_uri", uri)
    ns, name = isvc["namespace"], isvc["name"]
    try:
        cluster.custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, manifest(isvc, uri), **cluster.kw())
        emit("created", f"{ns}/{name}")
    except Exception as exc:
        if getattr(exc, "status", None) != 409:
            emit("created", f"error: {describe(exc, cluster.host)}")
            return
        emit("created", f"{ns}/{name} exists")
        ours = False  # there before (a deploy step's): not this call's to remove
    else:
        ours = True
    try:
        _wait_and_predict(cluster, cfg, ns, name, samples)
    finally:
        if remove and not ours:
            emit("deleted", f"kept {ns}/{name}: it was there before")
        elif remove:
            try:
                cluster.custom.delete_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name, **cluster.kw())
                emit("deleted", f"{ns}/{name}")
            except Exception as exc:
                emit("deleted", f"failed: {describe(exc, cluster.host)}")


def _wait_and_predict(cluster: Cluster, cfg: dict[str, Any], ns: str, name: str,
                      samples: list[dict[str, Any]]) -> None:
    end = time.monotonic() + float(cfg["pod_ready_s"])
    while True:
        obj = cluster.custom.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name, **cluster.kw())
        ready, why = _ready(obj)
        if ready:
            break
        if time.monotonic() > end:
            emit("ready", f"not Ready within {cfg['pod_ready_s']} s ({why}){_pods(cluster, ns, name)}")
            return
        time.sleep(1)
    url = obj.get("status", {}).get("url", "")
    emit("ready", "Ready")
    emit("url", url)

    ep = {"url": url, "protocol": "v2", "model_name": name, "connect_to": cfg.get("ingress_address")}
    # Ready is KServe's word; the ingress controller routes the new host name once it has seen the
    # Ingress, a few seconds later on a busy cluster (Traefik answered 404 there): asked again meanwhile
    route_by = time.monotonic() + ROUTE_GRACE_S
    while True:
        status, preds = endpoint.predict(ep, [s["input"] for s in samples], timeout=float(cfg["timeout_s"]))
        if status not in NOT_ROUTED or time.monotonic() > route_by:
            break
        time.sleep(1)
    if isinstance(preds, str):
        emit("predict", preds)
        return
    emit("predict", "ok")
    for i, (sample, got) in enumerate(zip(samples, preds)):
        emit(f"sample.{i}", f"{got} {sample['output']}")
