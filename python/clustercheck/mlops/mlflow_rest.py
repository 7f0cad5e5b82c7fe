"""MLflow facts through its REST API (requests): health, experiments, runs, artifacts via the proxy."""

from __future__ import annotations

import hashlib
import os
import time
from typing import Any

import yaml

from clustercheck.errors import UserError
from clustercheck.facts import describe, emit
from clustercheck.mlops import s3

API = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"


class Rest:
    def __init__(self, url: str, timeout: float) -> None:
        import requests

        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def call(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.session.request(method, self.url + path, timeout=self.timeout, **kw)
        if resp.status_code >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {resp.status_code} {resp.text[:200]}")
        return resp.json() if resp.content and "json" in resp.headers.get("content-type", "") else resp

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.call("POST", API + path, json=body)

    def get(self, route: str, **params: Any) -> Any:
        return self.call("GET", API + route, params=params)


def unique_name(tag: str) -> str:
    return f"clustercheck-{tag}-{os.getpid()}-{int(time.time() * 1000)}"


def health(url: str, timeout: float) -> None:
    import requests

    try:
        resp = requests.get(url.rstrip("/") + "/health", timeout=timeout)
        emit("health", f"{resp.status_code} {resp.text.strip()[:40]}")
        version = requests.get(url.rstrip("/") + "/version", timeout=timeout)
        emit("version", version.text.strip()[:40] if version.ok else f"HTTP {version.status_code}")
    except requests.RequestException as exc:
        emit("health", f"unreachable: {describe(exc)}")


def experiments_api(url: str, timeout: float) -> None:
    """Create, find, read, delete an experiment; a deleted one must leave the active search."""
    rest = Rest(url, timeout)
    name = unique_name("api")
    emit("experiment_name", name)
    try:
        exp_id = rest.post("/experiments/create", {"name": name})["experiment_id"]
        emit("create", "ok")
    except Exception as exc:
        emit("create", describe(exc))
        return
    try:
        found = rest.post("/experiments/search", {"filter": f"name = '{name}'", "max_results": 10})
        ids = [e["experiment_id"] for e in found.get("experiments", [])]
        emit("search", "found" if exp_id in ids else f"not found ({len(ids)} results)")
        stage = rest.get("/experiments/get", experiment_id=exp_id)["experiment"]["lifecycle_stage"]
        emit("stage_after_create", stage)
        rest.post("/experiments/delete", {"experiment_id": exp_id})
        emit("delete", "ok")
        stage = rest.get("/experiments/get", experiment_id=exp_id)["experiment"]["lifecycle_stage"]
        emit("stage_after_delete", stage)
        found = rest.post("/experiments/search", {"filter": f"name = '{name}'", "view_type": "ACTIVE_ONLY", "max_results": 10})
        emit("search_after_delete", "found" if found.get("experiments") else "not found")
    except Exception as exc:
        emit("error", describe(exc))


PARAMS = {"learning_rate": "0.05", "optimizer": "adamw", "batch_size": "32"}
METRICS = [("loss", step, round(1.0 / (step + 1), 4)) for step in range(5)]
ARTIFACT_NAME = "clustercheck/probe.txt"


def artifact_path(artifact_uri: str, prefix: str) -> tuple[str, str]:
    """(path under the artifact proxy, key in the bucket) for a run's mlflow-artifacts:/ URI."""
    if not artifact_uri.startswith("mlflow-artifacts:"):
        raise UserError(f"run artifact URI {artifact_uri!r} does not go through MLflow's artifact proxy")
    rel = artifact_uri.split(":", 1)[1].lstrip("/")
    return rel, "/".join(p for p in (prefix.strip("/"), rel) if p)


def log_run(url: str, prefix: str, timeout: float) -> None:
    """An experiment with one finished run: params, a metric history and an artifact, read back."""
    rest = Rest(url, timeout)
    name = unique_name("run")
    try:
        exp_id = rest.post("/experiments/create", {"name": name})["experiment_id"]
        run = rest.post("/runs/create", {"experiment_id": exp_id, "start_time": int(time.time() * 1000)})["run"]
        run_id = run["info"]["run_id"]
        emit("experiment_id", exp_id)
        emit("run_id", run_id)
        now = int(time.time() * 1000)
        rest.post("/runs/log-batch", {
            "run_id": run_id,
            "params": [{"key": k, "value": v} for k, v in PARAMS.items()],
            "metrics": [{"key": k, "value": v, "timestamp": now, "step": s} for k, s, v in METRICS],
        })
        body = f"clustercheck artifact for run {run_id}\n".encode()
        rel, key = artifact_path(run["info"]["artifact_uri"], prefix)
        emit("artifact_uri", run["info"]["artifact_uri"])
        emit("artifact_key", f"{key}/{ARTIFACT_NAME}")
        emit("artifact_sha256", hashlib.sha256(body).hexdigest())
        rest.call("PUT", f"{ARTIFACTS}/{rel}/{ARTIFACT_NAME}", data=body)
        rest.post("/runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": int(time.time() * 1000)})
    except Exception as exc:
        emit("log", f"failed: {describe(exc)}")
        return
    emit("log", "ok")
    for k, v in PARAMS.items():
        emit(f"sent.param.{k}", v)
    emit("sent.metric.loss.steps", len(METRICS))
    emit("sent.metric.loss.last", METRICS[-1][2])
    try:
        got = rest.get("/runs/get", run_id=run_id)["run"]
        emit("back.status", got["info"]["status"])
        for p in got["data"].get("params", []):
            emit(f"back.param.{p['key']}", p["value"])
        history = rest.get("/metrics/get-history", run_id=run_id, metric_key="loss").get("metrics", [])
        emit("back.metric.loss.steps", len(history))
        if history:
            emit("back.metric.loss.last", max(history, key=lambda m: m["step"])["value"])
        listed = rest.get("/artifacts/list", run_id=run_id, path="clustercheck").get("files", [])
        emit("back.artifact_listed", "yes" if any(f["path"] == ARTIFACT_NAME for f in listed) else "no")
        data = rest.call("GET", f"{ARTIFACTS}/{rel}/{ARTIFACT_NAME}").content
        emit("back.artifact_sha256", hashlib.sha256(data).hexdigest())
    except Exception as exc:
        emit("readback", f"failed: {describe(exc)}")


def delete_experiment(url: str, experiment_id: str, timeout: float) -> None:
    rest = Rest(url, timeout)
    try:
        rest.post("/experiments/delete", {"experiment_id": experiment_id})
        emit("deleted", experiment_id)
    except Exception as exc:
        emit("deleted", f"failed: {describe(exc)}")


def model_prefix(rest: Rest, name: str, alias: str, prefix: str) -> tuple[str, str] | None:
    """(proxy path, bucket key prefix) of NAME@ALIAS's artifacts, emitting what was resolved."""
    try:
        version = rest.get("/registered-models/alias", name=name, alias=alias)["model_version"]
    except Exception as exc:
        emit("model_version", f"unresolved: {describe(exc)}")
        return None
    emit("model_version", version["version"])
    source = version.get("source", "")
    emit("source", source)
    try:
        if source.startswith("models:/m-"):  # MLflow 3: a logged model, stored apart from its run
            model_id = source.split("/", 1)[1].strip("/")
            uri = rest.get(f"/logged-models/{model_id}")["model"]["info"]["artifact_uri"]
        else:
            uri = source
        rel, key = artifact_path(uri, prefix)
    except Exception as exc:
        emit("artifact_key_prefix", f"unresolved: {describe(exc)}")
        return None
    emit("artifact_key_prefix", key)
    return rel, key


def model_artifacts(mlops: dict[str, Any], timeout: float) -> None:
    """The served model's MLmodel and model file are objects in the bucket, and MLflow serves them."""


    cfg, serving = mlops["mlflow"], mlops["serving"]
    rest = Rest(cfg["url"], timeout)
    found = model_prefix(rest, serving["model_name"], serving["model_alias"], cfg["artifact_prefix"])
    if found is None:
        return
    rel, key = found
    client = s3.client(mlops["s3"], timeout=timeout)
    bucket = cfg["artifact_bucket"]
    try:
        mlmodel = client.get_object(Bucket=bucket, Key=f"{key}/MLmodel")["Body"].read()
        emit("object.MLmodel", f"present ({len(mlmodel)} bytes)")
    except Exception as exc:
        emit("object.MLmodel", f"missing: {s3.error_code(exc)}")
        return
    try:
        model_file = yaml.safe_load(mlmodel)["flavors"]["python_function"]["model_path"]
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        emit("model_file", f"unreadable MLmodel: {describe(exc)}")
        return
    emit("model_file", model_file)
    try:
        head = client.head_object(Bucket=bucket, Key=f"{key}/{model_file}")
        emit(f"object.{model_file}", f"present ({head['ContentLength']} bytes)")
    except Exception as exc:
        emit(f"object.{model_file}", f"missing: {s3.error_code(exc)}")
    try:
        resp = rest.call("GET", f"{ARTIFACTS}/{rel}/MLmodel")
        emit("proxy.MLmodel", "same bytes" if resp.content == mlmodel else "differs from the bucket")
    except Exception as exc:
        emit("proxy.MLmodel", f"failed: {describe(exc)}")
