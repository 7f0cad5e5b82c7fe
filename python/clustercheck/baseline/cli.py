"""`clustercheck baseline`: save a run's metrics, judge a check against a saved run, keep a history."""

from __future__ import annotations

import json
import os
import statistics
from typing import Any

import click

from clustercheck import paths
from clustercheck.command import Group
from clustercheck.config import resolve
from clustercheck.errors import CheckFailed, UserError


@click.group(cls=Group)
def baseline() -> None:
    """Performance baselines: a run remembers its metrics, the next one says what regressed.

    \b
    Examples:
      clustercheck baseline save --run-dir reports/inference --config test-infra/configs/local.yaml --out base.json
      clustercheck baseline merge --out base.json monday.json tuesday.json wednesday.json
      clustercheck baseline check --baseline base.json --config test-infra/configs/local.yaml
      clustercheck baseline history --history reports/history/local.jsonl --metric latency_p95
    """


@baseline.command("check")
@click.option("--baseline", "baseline_path", help="Baseline file a run is about to be judged against.")
@click.option("--save", "save_path", help="Baseline file a run is about to write.")
@click.option("--config", "config_path", required=True, help="Target config of the run about to start.")
def check_cmd(baseline_path: str | None, save_path: str | None, config_path: str) -> None:
    """Before a run: refuse a baseline that is corrupt or was saved on another target, or a place a
    baseline cannot be saved (one line, exit 2; nothing written)."""
    from clustercheck.baseline import store

    if save_path:
        paths.writable_file(save_path, "--save-baseline")
    cfg = resolve.whole(config_path)
    if baseline_path:
        data = store.load(baseline_path, target=cfg["target"]["name"])
        count = sum(len(m) for m in data["metrics"].values())
        click.echo(f"baseline {baseline_path}: target {data['target']}, saved {data.get('date', '?')} on "
                   f"{data.get('host', '?')}: {count} metric(s) of {len(data['metrics'])} check(s), "
                   f"{_runs_text(store.runs_count(data))}")


def _runs_text(counts: tuple[int, int]) -> str:
    fewest, most = counts
    return f"{most} run(s) each" if fewest == most else f"{fewest}-{most} runs each"


@baseline.command("save")
@click.option("--run-dir", "run_dirs", multiple=True, required=True, help="A run's report folder (repeatable).")
@click.option("--config", "config_path", required=True, help="The run's target config.")
@click.option("--out", "out_path", required=True, help="Baseline file to write.")
@click.option("--framework", "frameworks", multiple=True, help="Framework names noted in the file.")
def save_cmd(run_dirs: tuple[str, ...], config_path: str, out_path: str, frameworks: tuple[str, ...]) -> None:
    """Write the metrics of the checks that passed in RUN_DIR(s) as a baseline."""
    from clustercheck.baseline import store

    paths.writable_file(out_path, "--out")
    for run_dir in run_dirs:
        paths.readable_file(os.path.join(run_dir, "results.jsonl"), "--run-dir")
    cfg = resolve.whole(config_path)
    data = store.build(list(run_dirs), cfg["target"]["name"], list(frameworks))
    _write(out_path, data, "saved", "that passed")


def _write(out_path: str, data: dict[str, Any], done: str, which: str = "") -> None:
    """Write baseline DATA to OUT_PATH and say what it holds."""
    from clustercheck.baseline import store

    store.write_json_atomic(out_path, data)
    count = sum(len(m) for m in data["metrics"].values())
    click.echo(f"baseline {done}: {out_path} ({count} metric(s) of {len(data['metrics'])} check(s){' ' + which if which else ''}, "
               f"{_runs_text(store.runs_count(data))}, target {data['target']})")


@baseline.command("merge")
@click.option("--out", "out_path", required=True, help="Baseline file to write (may be one of the inputs).")
@click.argument("baselines", nargs=-1, required=True)
def merge_cmd(out_path: str, baselines: tuple[str, ...]) -> None:
    """Put baselines saved one by one (one target) together: each metric keeps every run."""
    from clustercheck.baseline import store

    paths.writable_file(out_path, "--out")
    loaded = [store.load(path, "BASELINE") for path in baselines]
    targets = sorted({d["target"] for d in loaded})
    if len(targets) > 1:
        raise UserError(f"BASELINE: saved on different targets ({', '.join(targets)}); a baseline holds one target")
    data = store.merge(loaded)
    _write(out_path, data, "merged")


@baseline.command("judge")
@click.option("--baseline", "baseline_path", required=True, help="Baseline file.")
@click.option("--config", "config_path", required=True, help="Target config (tolerances).")
@click.option("--check", "check_name", required=True, help="The check whose metrics are judged.")
@click.option("--metrics", "metrics_path", required=True, help="The check's metrics.jsonl.")
@click.option("--out", "out_path", help="Write each judgement as a JSON line here.")
def judge_cmd(baseline_path: str, config_path: str, check_name: str, metrics_path: str, out_path: str | None) -> None:
    """Print each metric against its baseline's runs; exit 1 when one regressed (worse than every baseline
    run by more than the tolerance or min_change). A metric too noisy to judge is said so, not failed."""
    from clustercheck.baseline import judge, store

    cfg = resolve.whole(config_path)
    data = store.load(baseline_path, target=cfg["target"]["name"])
    metrics = store._lines(metrics_path)
    judged = judge.judge(check_name, metrics, data, judge.Settings.from_config(cfg))
    if out_path:
        with open(out_path, "w", encoding="utf-8") as fh:
            for j in judged:
                fh.write(json.dumps(j.record()) + "\n")
    for j in judged:
        click.echo(f"baseline: {j.line()}")
    regressed = [j for j in judged if j.verdict == "regressed"]
    if regressed:
        raise CheckFailed("regressed against the baseline: " + "; ".join(j.failure() for j in regressed))


@baseline.command("record")
@click.option("--run-dir", required=True, help="The run's report folder.")
@click.option("--config", "config_path", required=True, help="The run's target config.")
@click.option("--history", "history_path", required=True, help="History file (JSON lines) to append to.")
@click.option("--framework", default="", help="Framework name noted in the entry.")
def record_cmd(run_dir: str, config_path: str, history_path: str, framework: str) -> None:
    """Append the run's metrics to the target's history (the newest runs kept: runner.history_keep)."""
    from clustercheck.baseline import store

    cfg = resolve.whole(config_path)
    entry = store.history_entry(run_dir, cfg["target"]["name"], framework)
    if entry["metrics"]:
        store.append_history(history_path, entry, int(cfg["runner"]["history_keep"]))


@baseline.command("history")
@click.option("--history", "history_path", required=True, help="History file (JSON lines).")
@click.option("--check", "check_name", help="Only this check.")
@click.option("--metric", "metric_name", help="Only this metric.")
@click.option("--last", type=click.IntRange(1, 10000), default=10, show_default=True, help="Runs shown.")
@click.option("--baseline", "baseline_path", help="Also show this baseline's band: its runs' lowest-highest and median.")
def history_cmd(history_path: str, check_name: str | None, metric_name: str | None, last: int,
                baseline_path: str | None) -> None:
    """Print each metric's values over the last runs, oldest first, with their spread (lowest-highest,
    median) and, with --baseline, the band of the baseline's runs."""

    from clustercheck.baseline import judge, store

    paths.readable_file(history_path, "--history")
    base = store.load(baseline_path)["metrics"] if baseline_path else {}
    rows = store.read_history(history_path)[-last:]
    series: dict[tuple[str, str], list[float | None]] = {}
    for i, row in enumerate(rows):
        for check, metrics in row["metrics"].items():
            if check_name and check != check_name:
                continue
            for name, value in metrics.items():
                if metric_name and name != metric_name:
                    continue
                series.setdefault((check, name), [None] * len(rows))[i] = float(value)
    if not series:
        raise UserError(f"--history {history_path}: no metric matches" if rows else
                        f"--history {history_path}: no runs recorded")
    click.echo(f"{len(rows)} run(s), oldest first: " + ", ".join(str(r.get("date", "?")) for r in rows))
    width = max(len(f"{c}.{n}") for c, n in series)
    for (check, name), values in sorted(series.items()):
        seen = [v for v in values if v is not None]
        spread = f"  spread {min(seen):.4g}-{max(seen):.4g}, median {statistics.median(seen):.4g}"
        entry = (base.get(check) or {}).get(name)
        if entry is not None:
            runs = judge.runs_of(entry)
            spread += f"; baseline {statistics.median(runs):.4g} ({len(runs)} run(s) {min(runs):.4g}-{max(runs):.4g})"
        click.echo(f"{check}.{name}".ljust(width) + "  " +
                   " ".join(("-" if v is None else f"{v:.4g}").rjust(8) for v in values) + spread)
