"""The model registry through MLflow's Python client: train, register, alias, load, predict.

mlflow and scikit-learn take seconds to import; only these commands pay for them.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import threading
import time
import warnings
from typing import Any

from clustercheck.errors import UserError
from clustercheck.facts import describe, emit
from clustercheck.mlops.mlflow_rest import ARTIFACTS, Rest, model_prefix


def quiet(timeout: float = 15) -> None:
    # MLflow's client retries a dead server 7 times with exponential backoff (minutes): a check
    # should report it within its request timeout instead.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(int(max(timeout, 1))))
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

    warnings.filterwarnings("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)


def iris_model(max_iter: int) -> tuple[Any, Any]:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    features, labels = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=max_iter).fit(features, labels), features


def _log_and_register(mlflow: Any, name: str, experiment: str, max_iter: int) -> tuple[Any, str]:
    model, features = iris_model(max_iter)
    # mlflow prints run links on stdout, where facts go: send them to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        mlflow.set_experiment(experiment)
        with mlflow.start_run() as run:
            mlflow.log_param("max_iter", max_iter)
            mlflow.sklearn.log_model(model, name="model", input_example=features[:2], registered_model_name=name)
    client = mlflow.MlflowClient()
    versions = client.search_model_versions(f"name = '{name}' and run_id = '{run.info.run_id}'")
    return model, str(max(int(v.version) for v in versions))


def _wait_healthy(url: str, within_s: float) -> None:
    import requests

    end = time.monotonic() + within_s
    while True:
        try:
            if requests.get(url.rstrip("/") + "/health", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > end:
            raise UserError(f"MLflow at {url} not healthy within {within_s:g} s")
        time.sleep(0.5)


def _alias_version(url: str, name: str, alias: str) -> str | None:
    import requests

    resp = requests.get(
        url.rstrip("/") + "/api/2.0/mlflow/registered-models/alias", params={"name": name, "alias": alias}, timeout=10
    )
    return str(resp.json()["model_version"]["version"]) if resp.ok else None


def _artifacts_readable(url: str, name: str, alias: str, artifact_prefix: str) -> bool:
    """NAME@ALIAS's MLmodel can be read through MLflow (its bucket may have been wiped since)."""


    rest = Rest(url, 10)
    with contextlib.redirect_stdout(io.StringIO()):  # its facts are not the seed's
        found = model_prefix(rest, name, alias, artifact_prefix)
    if found is None:
        return False
    try:
        rest.call("GET", f"{ARTIFACTS}/{found[0]}/MLmodel")
        return True
    except Exception:
        return False


def seed(url: str, name: str, alias: str, within_s: float, artifact_prefix: str = "mlflow") -> None:
    """Register NAME with ALIAS unless the alias resolves to readable artifacts (the local stack's
    served model; a new version takes the alias when the old one's files are gone).

    Starts importing mlflow at once and waits for the server after: the imports take seconds too.
    """
    quiet()

    imported = threading.Thread(target=lambda: __import__("mlflow.sklearn"), daemon=True)
    imported.start()
    _wait_healthy(url, within_s)
    present = _alias_version(url, name, alias)
    if present and _artifacts_readable(url, name, alias, artifact_prefix):
        emit("seed", f"present: {name}@{alias} is version {present}")
        return
    imported.join()
    import mlflow

    mlflow.set_tracking_uri(url)
    client = mlflow.MlflowClient()
    _, version = _log_and_register(mlflow, name, "clustercheck-served-models", 500)
    client.set_registered_model_alias(name, alias, version)
    emit("seed", f"registered: {name}@{alias} is version {version}")


def registry_roundtrip(url: str, samples: list[dict[str, Any]], keep: bool, timeout: float) -> None:
    """Two versions of a fresh model, an alias on the second, loaded back by alias and predicting."""
    import requests

    try:
        requests.get(url.rstrip("/") + "/health", timeout=timeout).raise_for_status()
    except requests.RequestException as exc:
        emit("error", f"MLflow unreachable: {describe(exc)}")
        return
    quiet(timeout)
    import mlflow

    mlflow.set_tracking_uri(url)
    client = mlflow.MlflowClient()
    name = f"clustercheck-registry-{os.getpid()}-{int(time.time())}"
    experiment = name
    emit("model_name", name)
    try:
        _log_and_register(mlflow, name, experiment, 50)
        model, version = _log_and_register(mlflow, name, experiment, 500)
        versions = sorted(int(v.version) for v in client.search_model_versions(f"name = '{name}'"))
        emit("versions", ",".join(map(str, versions)))
        client.set_registered_model_alias(name, "clustercheck", version)
        emit("alias_set_on", version)
        emit("alias_resolves_to", client.get_model_version_by_alias(name, "clustercheck").version)
        start = time.monotonic()
        loaded = mlflow.pyfunc.load_model(f"models:/{name}@clustercheck")
        emit("load_s", round(time.monotonic() - start, 3))
        rows = [s["input"] for s in samples]
        import numpy as np

        got = [int(v) for v in np.asarray(loaded.predict(np.asarray(rows, dtype=float))).ravel()]
        want = [int(v) for v in model.predict(np.asarray(rows, dtype=float))]
        emit("predicted", ",".join(map(str, got)))
        emit("trained_model_predicts", ",".join(map(str, want)))
        emit("sample_outputs", ",".join(str(s["output"]) for s in samples))
    except Exception as exc:
        emit("error", describe(exc))
    finally:
        if not keep:
            _cleanup(mlflow, client, name, experiment)


def _cleanup(mlflow: Any, client: Any, name: str, experiment: str) -> None:
    try:
        client.delete_registered_model(name)
        exp = mlflow.get_experiment_by_name(experiment)
        if exp is not None:
            client.delete_experiment(exp.experiment_id)
        emit("cleanup", "ok")
    except Exception as exc:
        emit("cleanup", f"failed: {describe(exc)}")
