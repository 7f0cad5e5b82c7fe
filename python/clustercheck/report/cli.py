"""`clustercheck report`: records -> junit.xml, summary.json, report.html, and a terminal table."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from typing import Any

import click

from clustercheck import paths
from clustercheck.command import Command
from clustercheck.report import html, junit, records, summary


def write_atomic(path: str, text: str) -> None:
    """Write then rename, so a reader (CI) never sees a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=f".{os.path.basename(path)}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


@click.command(cls=Command)
@click.option("--records", "records_path", required=True, help="Result records (JSON lines).")
@click.option("--planned", help="Check names planned for the run; those without a record are errors.")
@click.option("--out-dir", required=True, help="Where junit.xml, summary.json and report.html go.")
@click.option("--name", default="clustercheck", show_default=True, help="Report (framework) name.")
@click.option("--config", "config_path", help="Target config: its secret values are masked everywhere.")
@click.option("--output-limit-kib", type=click.IntRange(1, 1024 * 1024), default=None,
              help="Captured output kept per check (default: config, else 64).")
@click.option("--history", "history_path", help="The target's metric history: report.html draws each metric's trend.")
@click.option("--summary/--quiet", "show_summary", default=False, help="Print the summary table.")
def report(
    records_path: str, planned: str | None, out_dir: str, name: str, config_path: str | None,
    output_limit_kib: int | None, history_path: str | None, show_summary: bool,
) -> None:
    """Make JUnit XML, a JSON summary and an HTML page from one run's result records.

    \b
    Example:
      clustercheck report --records reports/cloud-vm/results.jsonl --out-dir reports/cloud-vm --summary
    """

    paths.readable_file(records_path, "--records")
    if planned:
        paths.readable_file(planned, "--planned")
    paths.writable_dir(out_dir, "--out-dir")
    from clustercheck.config import resolve

    runner, secrets = resolve.for_reports(config_path)
    limit = output_limit_kib or runner["output_limit_kib"]
    results = records.load(records_path, planned, limit * 1024)
    for r in results:
        r.output = records.mask(r.output, secrets)
        r.message = records.mask(r.message, secrets)
        r.framework = name
    runs = {name: records.run_info(os.path.dirname(os.path.abspath(records_path)))}
    write_reports(out_dir, name, results, show_summary, runs, read_history(history_path))


def read_history(path: str | None) -> list[dict[str, Any]]:
    """The history file's runs (none yet is fine: the first run makes it)."""
    if not path:
        return []
    from clustercheck.baseline import store

    return store.read_history(path)


def _started(runs: dict[str, dict[str, Any]]) -> datetime | None:
    stamps = [info["started"] for info in runs.values() if isinstance(info.get("started"), (int, float))]
    return datetime.fromtimestamp(min(stamps), timezone.utc) if stamps else None


def write_reports(out_dir: str, name: str, results: list[records.Result], show_summary: bool,
                  runs: dict[str, dict[str, Any]] | None = None,
                  history: list[dict[str, Any]] | None = None) -> None:
    """junit.xml, summary.json and report.html of RESULTS into OUT_DIR; the table on stdout if asked.
    RUNS: per framework, what its run noted (started, wall_s)."""
    runs = runs or {}
    os.makedirs(out_dir, exist_ok=True)
    write_atomic(os.path.join(out_dir, "junit.xml"), junit.render(name, results, _started(runs)))
    write_atomic(os.path.join(out_dir, "summary.json"), json.dumps(summary.as_json(name, results), indent=2) + "\n")
    write_atomic(os.path.join(out_dir, "report.html"), html.render(name, results, runs, out_dir, history))
    if show_summary:
        click.echo(summary.table(name, results))

