"""`clustercheck s3|pg|mlflow|serving ...`: facts about the MLOps stack for checks and the local stack.

Each command prints `key<TAB>value` lines. What the target does wrong is printed as a fact for the
check to judge; only bad usage or config exits non-zero (2).
"""

from __future__ import annotations

import os
from typing import Any

import click

from clustercheck.command import Group
from clustercheck.config import resolve
from clustercheck.errors import CheckFailed, UserError
from clustercheck.facts import config_option, declares, emit


def _timeout(section: dict[str, Any]) -> float:
    return float(section["timeouts"]["request_s"])


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def s3() -> None:
    """S3 object storage (MinIO, SeaweedFS, any S3 API)."""


@s3.command("probe")
@config_option
@declares("endpoint", "flavor", "health", "list_buckets", "list_buckets_ms", "bucket")
def s3_probe(config: str | None) -> None:
    """Liveness and the buckets the credentials can see."""
    from clustercheck.mlops import s3 as s3_ops

    section = resolve.mlops(config)
    s3_ops.probe(section["s3"], _timeout(section))


@s3.command("capacity")
@config_option
@declares("capacity", "total_bytes", "free_bytes")
def s3_capacity(config: str | None) -> None:
    """Free and total bytes, where the server reports them."""
    from clustercheck.mlops import s3 as s3_ops

    section = resolve.mlops(config)
    s3_ops.capacity(section["s3"], _timeout(section))


@s3.command("api")
@config_option
@declares("put", "head_size", "expected_size", "list_objects", "delete", "missing_key", "wrong_credentials")
def s3_api(config: str | None) -> None:
    """List, put, head, missing key, wrong credentials, delete, in the test bucket."""
    from clustercheck.mlops import s3 as s3_ops

    section = resolve.mlops(config)
    s3_ops.api(section["s3"], _timeout(section))


@s3.command("roundtrip")
@config_option
@click.option("--work-dir", required=True, type=click.Path(file_okay=False), help="Scratch space for the multipart file.")
@declares("small_sha256", "small_back_sha256", "multipart_bytes", "multipart_sha256", "multipart_back_sha256",
          "multipart_parts", "multipart_expected_parts", "multipart_upload_s", "presigned_status", "presigned_sha256", "cleanup")
def s3_roundtrip(config: str | None, work_dir: str) -> None:
    """Checksummed round trips: a small object, a multipart object, a presigned GET."""
    from clustercheck.mlops import s3 as s3_ops

    section = resolve.mlops(config)
    os.makedirs(work_dir, exist_ok=True)
    s3_ops.roundtrip(section["s3"], _timeout(section), work_dir)


@s3.command("ensure-buckets")
@config_option
@declares("created")
def s3_ensure_buckets(config: str | None) -> None:
    """Create the configured buckets that are missing and wait until each takes writes (local stack)."""
    from clustercheck.mlops import s3 as s3_ops

    section = resolve.mlops(config)
    try:
        made = s3_ops.ensure_buckets(section["s3"], _timeout(section))
        s3_ops.wait_writable(section["s3"], float(section["timeouts"]["ready_s"]), _timeout(section))
    except Exception as exc:
        raise UserError(f"s3: buckets at {section['s3']['endpoint']} not usable: {s3_ops.error_code(exc)}") from None
    emit("created", ",".join(made) or "none")


@s3.command("object")
@config_option
@click.option("--bucket", required=True)
@click.option("--key", "keys", required=True, multiple=True, help="Object key (repeatable).")
@declares("sha256.*")
def s3_object(config: str | None, bucket: str, keys: tuple[str, ...]) -> None:
    """The sha256 of objects' bytes, or why they cannot be read."""
    from clustercheck.mlops import s3 as s3_ops

    section = resolve.mlops(config)
    for key in keys:
        emit(f"sha256.{key}", s3_ops.object_sha256(section["s3"], bucket, key, _timeout(section)))


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def pg() -> None:
    """PostgreSQL (MLflow's backend store)."""


@pg.command("probe")
@config_option
@declares("address", "reachable", "connect_ms", "server_version", "major_version", "read_only_replica")
def pg_probe(config: str | None) -> None:
    """Reachability and server version."""
    from clustercheck.mlops import pg as pg_ops

    section = resolve.mlops(config)
    pg_ops.probe(section["postgresql"], _timeout(section))


@pg.command("auth")
@config_option
@declares("right_credentials", "wrong_password")
def pg_auth(config: str | None) -> None:
    """The configured credentials work; a wrong password is refused."""
    from clustercheck.mlops import pg as pg_ops

    section = resolve.mlops(config)
    pg_ops.auth(section["postgresql"], _timeout(section))


@pg.command("mlflow-schema")
@config_option
@declares("db_revision", "expected_revision", "table.*")
def pg_mlflow_schema(config: str | None) -> None:
    """MLflow's tables and the migration revision, against what this MLflow expects."""
    from clustercheck.mlops import pg as pg_ops

    section = resolve.mlops(config)
    pg_ops.mlflow_schema(section["postgresql"], _timeout(section))


@pg.command("marker-write")
@config_option
@click.argument("token")
@declares("written")
def pg_marker_write(config: str | None, token: str) -> None:
    """Write a persistence marker row."""
    from clustercheck.mlops import pg as pg_ops

    section = resolve.mlops(config)
    try:
        pg_ops.marker_write(section["postgresql"], token, _timeout(section))
    except Exception as exc:
        emit("written", f"failed: {pg_ops.describe(exc)}")


@pg.command("marker-read")
@config_option
@click.argument("token")
@click.option("--remove", is_flag=True, help="Delete the marker after reading it.")
@declares("marker")
def pg_marker_read(config: str | None, token: str, remove: bool) -> None:
    """Read a persistence marker row back."""
    from clustercheck.mlops import pg as pg_ops

    section = resolve.mlops(config)
    pg_ops.marker_read(section["postgresql"], token, _timeout(section), remove)


@pg.command("run")
@config_option
@click.argument("run_id")
@declares("run_row", "run_status", "run_artifact_uri", "param.*", "metric.*")
def pg_run(config: str | None, run_id: str) -> None:
    """What the backend store holds for an MLflow run."""
    from clustercheck.mlops import pg as pg_ops

    section = resolve.mlops(config)
    pg_ops.run_row(section["postgresql"], run_id, _timeout(section))


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def mlflow() -> None:
    """The MLflow tracking server and model registry."""


@mlflow.command("health")
@config_option
@declares("health", "version")
def mlflow_health(config: str | None) -> None:
    """The server's /health and /version."""
    from clustercheck.mlops import mlflow_rest

    section = resolve.mlops(config)
    mlflow_rest.health(section["mlflow"]["url"], _timeout(section))


@mlflow.command("experiments")
@config_option
@declares("experiment_name", "create", "stage_after_create", "search", "delete", "stage_after_delete",
          "search_after_delete", "error")
def mlflow_experiments(config: str | None) -> None:
    """REST: create, search, get, delete an experiment."""
    from clustercheck.mlops import mlflow_rest

    section = resolve.mlops(config)
    mlflow_rest.experiments_api(section["mlflow"]["url"], _timeout(section))


@mlflow.command("log-run")
@config_option
@declares("experiment_id", "run_id", "log", "sent.*", "back.*", "artifact_key", "artifact_sha256", "artifact_uri",
          "readback")
def mlflow_log_run(config: str | None) -> None:
    """REST: a run with params, metrics and an artifact, read back. Delete it with delete-experiment."""
    from clustercheck.mlops import mlflow_rest

    section = resolve.mlops(config)
    cfg = section["mlflow"]
    mlflow_rest.log_run(cfg["url"], cfg["artifact_prefix"], _timeout(section))


@mlflow.command("delete-experiment")
@config_option
@click.argument("experiment_id")
@declares("deleted")
def mlflow_delete_experiment(config: str | None, experiment_id: str) -> None:
    """Delete an experiment a check created."""
    from clustercheck.mlops import mlflow_rest

    section = resolve.mlops(config)
    mlflow_rest.delete_experiment(section["mlflow"]["url"], experiment_id, _timeout(section))


def _serving(section: dict[str, Any]) -> dict[str, Any]:
    if "serving" not in section:
        raise UserError("config error: mlops.serving: is missing (no served model configured)")
    return section["serving"]


@mlflow.command("model-artifacts")
@config_option
@declares("artifact_key_prefix", "model_version", "source", "model_file", "object.*", "proxy.*")
def mlflow_model_artifacts(config: str | None) -> None:
    """The served model's MLmodel and model file: in the bucket, and served by MLflow."""
    from clustercheck.mlops import mlflow_rest

    section = resolve.mlops(config)
    _serving(section)
    mlflow_rest.model_artifacts(section, _timeout(section))


@mlflow.command("registry")
@config_option
@click.option("--keep", is_flag=True, help="Leave the registered model and experiment in place.")
@declares("model_name", "versions", "alias_set_on", "alias_resolves_to", "load_s", "predicted", "sample_outputs",
          "trained_model_predicts", "cleanup", "error")
def mlflow_registry(config: str | None, keep: bool) -> None:
    """Register two versions of a model, alias one, load it by alias and predict."""
    from clustercheck.mlops import registry

    section = resolve.mlops(config)
    registry.registry_roundtrip(
        section["mlflow"]["url"], _serving(section)["samples"], keep, float(section["timeouts"]["request_s"])
    )


@mlflow.command("seed")
@config_option
@declares("seed", "artifact_key_prefix", "model_version", "source")
def mlflow_seed(config: str | None) -> None:
    """Register the served model under its alias unless it is there (used by the local stack)."""
    from clustercheck.mlops import registry

    section = resolve.mlops(config)
    serving = _serving(section)
    registry.seed(
        section["mlflow"]["url"], serving["model_name"], serving["model_alias"], float(section["timeouts"]["ready_s"]),
        section["mlflow"]["artifact_prefix"],
    )


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def serving() -> None:
    """Model servers of the registered model (MLflow's protocol, Open Inference Protocol v2)."""


@serving.command("probe")
@config_option
@declares("endpoint", "ready", "predict", "predict_ms", "sample.*")
def serving_probe(config: str | None) -> None:
    """Each endpoint: ready, and its predictions for the configured samples."""
    from clustercheck.mlops import serving as serving_ops

    section = resolve.mlops(config)
    cfg = _serving(section)
    for endpoint in cfg["endpoints"]:
        serving_ops.probe(endpoint["url"], endpoint["protocol"], cfg["model_name"], cfg["samples"], _timeout(section))


@serving.command("wait-ready")
@config_option
@click.option("--url", required=True)
@click.option("--protocol", type=click.Choice(["mlflow", "v2"]), required=True)
@click.option("--within", type=float, default=120, show_default=True, help="Seconds to wait.")
def serving_wait_ready(config: str | None, url: str, protocol: str, within: float) -> None:
    """Wait until a model server answers ready; exit 1 when it does not in time."""
    from clustercheck.mlops import serving as serving_ops

    cfg = _serving(resolve.mlops(config))
    if not serving_ops.wait_ready(url, protocol, cfg["model_name"], within):
        raise CheckFailed(f"{protocol} model server at {url} not ready within {within:g} s")
