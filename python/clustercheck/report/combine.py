"""`clustercheck combine`: several framework runs -> one junit.xml, summary.json and report.html.

Each run directory is one framework's report dir (results.jsonl, planned.txt, artifacts/). Suites are
named FRAMEWORK/SUITE in the combined report; a framework that left no records shows as one error.
"""

from __future__ import annotations

import os
from typing import Any

import click

from clustercheck import paths
from clustercheck.command import Command
from clustercheck.errors import UserError
from clustercheck.report import records, summary
from clustercheck.report.cli import read_history, write_reports


def _runs(specs: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for spec in specs:
        name, sep, folder = spec.partition("=")
        if not sep or not name or not folder:
            raise UserError(f"run '{spec}': expected FRAMEWORK=REPORT_DIR")
        out.append((name, folder))
    return out


def load_runs(specs: tuple[str, ...], output_limit: int) -> tuple[list[records.Result], dict[str, dict[str, Any]]]:
    """The results of every run (suites named FRAMEWORK/SUITE) and, per framework, what its run noted."""
    results: list[records.Result] = []
    infos: dict[str, dict[str, Any]] = {}
    for name, folder in _runs(specs):
        infos[name] = records.run_info(folder)
        path = os.path.join(folder, "results.jsonl")
        planned = os.path.join(folder, "planned.txt")
        if not os.path.exists(path) and not os.path.exists(planned):
            results.append(records.Result(name=f"{name}-framework", suite=name, status="error", framework=name,
                                          message=f"framework {name} left no results in {folder} (see its log)"))
            continue
        for r in records.load(path, planned, output_limit):
            r.suite = f"{name}/{r.suite}" if r.suite else name
            r.framework = name
            results.append(r)
    return results, infos


@click.command(cls=Command)
@click.argument("runs", nargs=-1, required=True)
@click.option("--out-dir", required=True, help="Where the combined junit.xml, summary.json, report.html go.")
@click.option("--name", default="all-clusters", show_default=True, help="Report name.")
@click.option("--config", "config_path", help="Target config: its secret values are masked everywhere.")
@click.option("--history", "history_path", help="The target's metric history: report.html draws each metric's trend.")
@click.option("--summary/--quiet", "show_summary", default=False, help="Print the summary table.")
def combine(runs: tuple[str, ...], out_dir: str, name: str, config_path: str | None, history_path: str | None,
            show_summary: bool) -> None:
    """Merge framework runs (FRAMEWORK=REPORT_DIR ...) into one report; exit 1 when a check failed.

    \b
    Example:
      clustercheck combine cloud-vm=reports/all/cloud-vm inference=reports/all/inference --out-dir reports/all
    """

    paths.writable_dir(out_dir, "--out-dir")
    _runs(runs)  # FRAMEWORK=REPORT_DIR, checked before anything is read or written
    from clustercheck.config import resolve

    runner, secrets = resolve.for_reports(config_path)
    results, infos = load_runs(runs, int(runner["output_limit_kib"]) * 1024)
    for r in results:
        r.output = records.mask(r.output, secrets)
        r.message = records.mask(r.message, secrets)
    write_reports(out_dir, name, results, show_summary, infos, read_history(history_path))
    c = summary.counts(results)
    if c["failed"] or c["error"]:
        raise SystemExit(1)
