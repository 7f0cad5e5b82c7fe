"""PostgreSQL facts through psycopg2: reachability, authentication, MLflow's schema, a persistence marker."""

from __future__ import annotations

import importlib.util
import os
import re
import time
from typing import Any

import psycopg2  # only when a PostgreSQL helper runs

from clustercheck.facts import describe, emit

MARKER_TABLE = "clustercheck_persistence"


def connect(pg: dict[str, Any], password: str | None = None, timeout: float = 10) -> Any:
    return psycopg2.connect(
        host=pg["host"],
        port=pg["port"],
        dbname=pg["database"],
        user=pg["user"],
        password=pg["password"] if password is None else password,
        sslmode=pg["sslmode"],
        connect_timeout=max(1, int(timeout)),
        application_name="clustercheck",
    )


def _reason(exc: BaseException) -> str:
    code = getattr(exc, "pgcode", None)
    return f"{code + ': ' if code else ''}{describe(exc)}"


def probe(pg: dict[str, Any], timeout: float) -> None:
    emit("address", f"{pg['host']}:{pg['port']}/{pg['database']}")
    start = time.monotonic()
    try:
        with connect(pg, timeout=timeout) as conn, conn.cursor() as cur:
            emit("connect_ms", round((time.monotonic() - start) * 1000, 1))
            cur.execute("SHOW server_version_num")
            num = int(cur.fetchone()[0])
            cur.execute("SHOW server_version")
            emit("reachable", "yes")
            emit("server_version", cur.fetchone()[0].split()[0])
            emit("major_version", num // 10000)
            cur.execute("SELECT pg_is_in_recovery()")
            emit("read_only_replica", "yes" if cur.fetchone()[0] else "no")
        conn.close()
    except Exception as exc:
        emit("reachable", f"no: {_reason(exc)}")


def auth(pg: dict[str, Any], timeout: float) -> None:
    try:
        conn = connect(pg, timeout=timeout)
        with conn.cursor() as cur:
            cur.execute("SELECT current_user")
            emit("right_credentials", f"accepted as {cur.fetchone()[0]}")
        conn.close()
    except Exception as exc:
        emit("right_credentials", f"refused: {_reason(exc)}")
    try:
        connect(pg, password="clustercheck-wrong-password", timeout=timeout).close()
        emit("wrong_password", "accepted")
    except Exception as exc:
        emit("wrong_password", f"refused: {_reason(exc)}")


def expected_mlflow_revision() -> str:
    """The newest migration of the MLflow installed beside this helper: the revision its server expects.

    Read from the migration files' text: loading them through alembic imports mlflow (seconds).
    """

    spec = importlib.util.find_spec("mlflow")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise LookupError("mlflow is not installed beside clustercheck")
    where = os.path.join(list(spec.submodule_search_locations)[0], "store", "db_migrations", "versions")
    revisions: set[str] = set()
    parents: set[str] = set()
    pattern = re.compile(r"^(revision|down_revision)\s*=\s*(.+)$", re.MULTILINE)
    for name in os.listdir(where):
        if name.endswith(".py"):
            with open(os.path.join(where, name), encoding="utf-8") as fh:
                for kind, value in pattern.findall(fh.read()):
                    ids = re.findall(r"[\"']([0-9a-f]+)[\"']", value)
                    (revisions if kind == "revision" else parents).update(ids)
    heads = sorted(revisions - parents)
    if len(heads) != 1:
        raise LookupError(f"MLflow's migrations have {len(heads)} heads")
    return heads[0]


# Tables the tracking server, the model registry and tracing use in every MLflow since 2.14; newer
# tables are covered by the revision check (db_revision must equal the installed MLflow's head).
MLFLOW_TABLES = (
    "experiments", "experiment_tags", "runs", "tags", "params", "metrics", "latest_metrics",
    "inputs", "input_tags", "datasets", "registered_models", "registered_model_tags",
    "registered_model_aliases", "model_versions", "model_version_tags",
    "trace_info", "trace_tags", "trace_request_metadata",
)


def mlflow_schema(pg: dict[str, Any], timeout: float) -> None:
    try:
        emit("expected_revision", expected_mlflow_revision())
    except Exception as exc:
        emit("expected_revision", f"unknown: {describe(exc)}")
    try:
        with connect(pg, timeout=timeout) as conn, conn.cursor() as cur:
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
            have = {r[0] for r in cur.fetchall()}
            for table in MLFLOW_TABLES:
                emit(f"table.{table}", "present" if table in have else "missing")
            if "alembic_version" in have:
                cur.execute("SELECT version_num FROM alembic_version")
                rows = [r[0] for r in cur.fetchall()]
                emit("db_revision", ",".join(rows) or "empty")
            else:
                emit("db_revision", "no alembic_version table")
        conn.close()
    except Exception as exc:
        emit("db_revision", f"unreadable: {_reason(exc)}")


def marker_write(pg: dict[str, Any], token: str, timeout: float) -> None:
    with connect(pg, timeout=timeout) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (token text PRIMARY KEY, written_at timestamptz)")
        cur.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s, now())", (token,))
    conn.close()
    emit("written", token)


def marker_read(pg: dict[str, Any], token: str, timeout: float, remove: bool) -> None:
    try:
        with connect(pg, timeout=timeout) as conn, conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s)", (MARKER_TABLE,))
            if cur.fetchone()[0] is None:
                emit("marker", "table missing")
            else:
                cur.execute(f"SELECT written_at FROM {MARKER_TABLE} WHERE token = %s", (token,))
                row = cur.fetchone()
                emit("marker", f"found, written {row[0].isoformat()}" if row else "missing")
                if remove:
                    cur.execute(f"DELETE FROM {MARKER_TABLE} WHERE token = %s", (token,))
        conn.close()
    except Exception as exc:
        emit("marker", f"unreadable: {_reason(exc)}")


def run_row(pg: dict[str, Any], run_id: str, timeout: float) -> None:
    """What the backend store holds for one MLflow run: the row, its params and metrics."""
    try:
        with connect(pg, timeout=timeout) as conn, conn.cursor() as cur:
            cur.execute("SELECT status, experiment_id, artifact_uri FROM runs WHERE run_uuid = %s", (run_id,))
            row = cur.fetchone()
            emit("run_row", "present" if row else "missing")
            if row:
                emit("run_status", row[0])
                emit("run_artifact_uri", row[2])
            cur.execute("SELECT key, value FROM params WHERE run_uuid = %s ORDER BY key", (run_id,))
            for key, value in cur.fetchall():
                emit(f"param.{key}", value)
            cur.execute("SELECT key, value FROM latest_metrics WHERE run_uuid = %s ORDER BY key", (run_id,))
            for key, value in cur.fetchall():
                emit(f"metric.{key}", value)
        conn.close()
    except Exception as exc:
        emit("run_row", f"unreadable: {_reason(exc)}")
