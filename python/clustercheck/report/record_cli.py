"""`clustercheck record`: the runner's access to a run's result records (results.jsonl), so that the
shell neither writes nor parses their JSON (records.py is their schema)."""

from __future__ import annotations

import click

from clustercheck.command import Group
from clustercheck.errors import UserError
from clustercheck.facts import config_option
from clustercheck.report import records


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def record() -> None:
    """Add, read and judge a run's result records."""


@record.command()
@click.argument("records_file", metavar="RECORDS", type=click.Path(dir_okay=False))
@click.option("--name", required=True, help="The check's name.")
@click.option("--suite", default="", help="Its suite (the path under suites/).")
@click.option("--status", required=True, type=click.Choice(records.STATUSES))
@click.option("--message", default="", help="Its verdict line.")
@click.option("--duration", type=float, default=0.0, help="Seconds it ran.")
@click.option("--attempts", type=click.IntRange(0), default=1, help="Runs it took (retries + 1; 0: never ran).")
@click.option("--flaky", is_flag=True, help="It passed only on a retry.")
@click.option("--exit-code", type=int, default=None, help="Its exit code.")
def add(records_file: str, name: str, suite: str, status: str, message: str, duration: float, attempts: int,
        flaky: bool, exit_code: int | None) -> None:
    """Append one check's record to RECORDS."""
    records.append(records_file, records.Result(name=name, suite=suite, status=status, message=message,
                                                duration_s=round(duration, 3), attempts=attempts, flaky=flaky,
                                                exit_code=exit_code))


@record.command()
@click.argument("records_file", metavar="RECORDS", type=click.Path(dir_okay=False))
@click.argument("name")
@click.argument("field", type=click.Choice(["status", "message"]))
def get(records_file: str, name: str, field: str) -> None:
    """Print FIELD of check NAME's last record (nothing when it has none)."""
    row = records.latest(records_file, name)
    if row is not None:
        click.echo(str(row.get(field, "")))


@record.command()
@click.argument("records_file", metavar="RECORDS", type=click.Path(dir_okay=False))
@click.option("--planned", required=True, type=click.Path(exists=True, dir_okay=False), help="The run's planned checks.")
@click.option("--fail-on-skip", is_flag=True, help="A skipped check fails the run.")
def outcome(records_file: str, planned: str, fail_on_skip: bool) -> None:
    """Print how the run ended: ok, failed (a check failed or errored), incomplete (a planned check has no
    record) or skipped (with --fail-on-skip)."""
    click.echo(records.outcome(records_file, planned, fail_on_skip))


def _objective(config: str | None, key: str) -> str:
    """The threshold at KEY (dotted, e.g. inference.objectives.p95_ms) of the target config, as loaded."""
    from clustercheck.config import resolve

    path, node = resolve.target(config)
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if node is None or isinstance(node, (dict, list, bool)):
        raise UserError(f"objective {key}: not set in {path}")
    return f"{node:g}" if isinstance(node, float) else str(node)


@record.command()
@click.argument("metrics_file", metavar="METRICS", type=click.Path(dir_okay=False))
@click.option("--name", required=True, help="The metric's name.")
@click.option("--value", required=True, help="What was measured.")
@click.option("--unit", default="", help="Its unit.")
@click.option("--op", type=click.Choice(sorted(records.OPS)), help="How it is judged against --objective.")
@click.option("--objective", metavar="KEY", help="The config key holding the threshold (inference.objectives.p95_ms).")
@config_option
def metric(metrics_file: str, name: str, value: str, unit: str, op: str | None, objective: str | None,
           config: str | None) -> None:
    """Record one metric in METRICS; with --op and --objective, judge it against the threshold the target
    config sets. Prints the verdict line; exit 0 ok (or not judged), 1 missed, 2 not judgeable."""
    if bool(op) != bool(objective):
        raise UserError("--op and --objective go together")
    m = records.Metric(name=name, value=value, unit=unit)
    if op and objective:
        m.op, m.threshold = op, _objective(config, objective)
        try:
            records.judge_metric(m)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    records.append_metric(metrics_file, m)
    if m.verdict == "missed":
        click.echo(f"{name} {value} {unit}, objective {op} {m.threshold} {unit}: missed")
        raise SystemExit(1)
    click.echo(f"{name} {value} {unit} {op} {m.threshold} {unit}: ok" if op else f"metric {name} {value} {unit}")
