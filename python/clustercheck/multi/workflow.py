"""The HPC-to-cloud workflow: a training job logs and registers a model in MLflow; afterwards the
model is served and asked for predictions; at the end the run and the registered model are removed.

Run inside the SLURM job: `clustercheck multi train` (mlflow and scikit-learn load only here).
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

from clustercheck.facts import describe, emit
from clustercheck.mlops import registry
from clustercheck.mlops.mlflow_rest import Rest

EXPERIMENT = "clustercheck-hpc-workflow"


def train(url: str, name: str) -> None:
    """Train the iris classifier, log it with the SLURM job's identity, register it as a new version of NAME."""


    registry.quiet()
    import mlflow
    import mlflow.sklearn
    from sklearn.datasets import load_iris

    mlflow.set_tracking_uri(url)
    model, features = registry.iris_model(500)
    tags = {
        "slurm_job_id": os.environ.get("SLURM_JOB_ID", "-"),
        "slurm_node": os.environ.get("SLURMD_NODENAME", "-"),
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES", "-"),
    }
    with contextlib.redirect_stdout(sys.stderr):  # mlflow prints run links; facts go to stdout
        mlflow.set_experiment(EXPERIMENT)
        with mlflow.start_run(tags=tags) as run:
            mlflow.log_param("max_iter", 500)
            mlflow.log_metric("train_accuracy", float(model.score(features, load_iris(return_X_y=True)[1])))
            mlflow.sklearn.log_model(model, name="model", input_example=features[:2], registered_model_name=name)
    client = mlflow.MlflowClient()
    versions = client.search_model_versions(f"name = '{name}' and run_id = '{run.info.run_id}'")
    version = str(max(int(v.version) for v in versions))
    emit("run_id", run.info.run_id)
    emit("version", version)
    emit("model_uri", f"models:/{name}/{version}")
    for key, value in tags.items():
        emit(key, value)


def forget(url: str, name: str, run_id: str | None, timeout: float) -> None:
    """Delete the registered model NAME and the training run: the workflow leaves nothing behind."""

    rest = Rest(url, timeout)
    for what, path, body in (
        ("model", "/registered-models/delete", {"name": name}),
        ("run", "/runs/delete", {"run_id": run_id}),
    ):
        if what == "run" and not run_id:
            continue
        try:
            rest.call("DELETE" if what == "model" else "POST", "/api/2.0/mlflow" + path, json=body)
            emit(f"deleted_{what}", body.get("name") or body.get("run_id"))
        except Exception as exc:
            emit(f"deleted_{what}", f"failed: {describe(exc)}")


def samples(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    return list(cfg["mlops"].get("serving", {}).get("samples", []))
