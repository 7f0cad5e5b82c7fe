"""The HTML report: the page a platform engineer opens first. One self-contained file (inline CSS and
SVG, no scripts, no external assets), in this order:

  summary     - per framework: counts, wall time and a pass/fail/skip bar
  problems    - failures and errors first, each with its message, metrics and output
  checks      - every check of every framework: result, time, message (passes too), metrics with
                their objectives, a link to its artifacts
  plots       - each framework's measurements
  trends      - each metric over the last runs of this target (its history), with the baseline and
                the objective as lines

Sections carry ids (summary, problems, checks, plots, trends, fw-<framework>) that the browser test looks for.
"""

from __future__ import annotations

import html
import os
from collections import OrderedDict
from typing import Any

from clustercheck.report import svg
from clustercheck.report.records import Metric, Result
from clustercheck.report.summary import counts

COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#8c1d18", "skipped": "#9a6700"}
STYLE = (
    "body{font-family:sans-serif;margin:1.5em 2em;color:#1f2328}h1{margin-bottom:.2em}"
    "h2{border-bottom:2px solid #d0d7de;padding-bottom:.2em;margin-top:1.6em}"
    "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #d8dee4;padding:4px 8px;"
    "vertical-align:top;text-align:left}th{background:#f6f8fa}td.num{text-align:right;white-space:nowrap}"
    "pre{max-height:30em;overflow:auto;font-size:12px;background:#f6f8fa;padding:6px;white-space:pre-wrap}"
    ".bar{display:flex;width:240px;height:14px;border:1px solid #d0d7de;background:#eee}"
    ".bar span{display:block;height:100%}.st{font-weight:bold}.muted{color:#656d76}"
    ".problem{border-left:4px solid #cf222e;padding:2px 12px;margin:12px 0;background:#fff8f8}"
    ".plots{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;border:1px solid #d0d7de}"
    "ul.metrics{margin:0;padding-left:1.1em}.ok{color:#1a7f37}.miss{color:#cf222e}.warn{color:#9a6700}"
)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _framework(r: Result, default: str) -> str:
    return r.framework or default


def _bar(c: dict[str, int]) -> str:
    total = c["total"] or 1
    parts = []
    for status in ("passed", "failed", "error", "skipped"):
        if c[status]:
            parts.append(f"<span title='{c[status]} {status}' style='width:{100 * c[status] / total:.2f}%;"
                         f"background:{COLOURS[status]}'></span>")
    return f"<div class='bar' role='img' aria-label='{c['passed']} passed, {c['failed']} failed, " \
           f"{c['error']} errors, {c['skipped']} skipped'>{''.join(parts)}</div>"


def _metric(m: Metric) -> str:
    text = f"<b>{_e(m.name)}</b> {_e(m.value)} {_e(m.unit)}"
    if m.op:
        cls = "ok" if m.verdict == "ok" else "miss"
        text += f" <span class='muted'>(objective {_e(m.op)} {_e(m.threshold)} {_e(m.unit)})</span> " \
                f"<span class='{cls}'>{_e(m.verdict)}</span>"
    if m.baseline_verdict:
        cls = "miss" if m.baseline_verdict == "regressed" else "ok" if m.baseline_verdict == "improved" else \
            "warn" if m.baseline_verdict == "too-noisy" else "muted"
        text += f" <span class='{cls}'>[{_e(m.describe_baseline())}]</span>"
    return f"<li>{text}</li>"


def _metrics(r: Result) -> str:
    return f"<ul class='metrics'>{''.join(_metric(m) for m in r.metrics)}</ul>" if r.metrics else ""


def _artifacts_link(r: Result, out_dir: str | None) -> str:
    if not r.artifacts:
        return ""
    target = os.path.relpath(r.artifacts, out_dir) if out_dir else r.artifacts
    return f"<a href='{_e(target.replace(os.sep, '/'))}/'>artifacts</a>"


def _status(r: Result) -> str:
    word = "flaky" if r.flaky else r.status
    return f"<span class='st' style='color:{COLOURS.get(r.status, '#000')}'>{_e(word)}</span>"


def _suite(fw: str, r: Result) -> str:
    return r.suite[len(fw) + 1:] if r.suite.startswith(f"{fw}/") else r.suite


def _check_id(fw: str, r: Result) -> str:
    return f"check-{fw}-{r.name}"


def render(name: str, results: list[Result], runs: dict[str, dict[str, Any]] | None = None,
           out_dir: str | None = None, history: list[dict[str, Any]] | None = None) -> str:
    """RUNS: per framework, what its runner noted (wall_s); OUT_DIR: where the page is written, for
    relative artifact links; HISTORY: the target's earlier runs (clustercheck.baseline.store)."""
    runs = runs or {}
    groups: "OrderedDict[str, list[Result]]" = OrderedDict((fw, []) for fw in runs)
    for r in results:
        groups.setdefault(_framework(r, name), []).append(r)
    c = counts(results)
    out = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_e(name)}</title>"
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{_e(name)}</h1><p>{c['passed']} passed, {c['failed']} failed, {c['error']} errors, "
        f"{c['skipped']} skipped of {c['total']}" + (f" ({c['flaky']} flaky)" if c["flaky"] else "") + f"</p>{_bar(c)}",
        _summary(groups, runs),
        _problems(groups, out_dir),
        _checks(groups, out_dir),
        _node_table(results),
        _plots(groups),
        _trends(groups, history or []),
        "</body></html>",
    ]
    return "".join(out)


def _node_verdicts(r: Result) -> dict[str, tuple[str, str]]:
    """node -> (status, why) from the check's nodes.tsv (checks that judge each node: the GPU node checks)."""
    path = os.path.join(r.artifacts, "nodes.tsv") if r.artifacts else ""
    if not path or not os.path.isfile(path):
        return {}
    out = {}
    with open(path, errors="replace") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[0]:
                out[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else "")
    return out


def _node_table(results: list[Result]) -> str:
    """A node x check table coloured by each node's result, for checks that judge nodes one by one."""
    per_check = [(r, _node_verdicts(r)) for r in results]
    per_check = [(r, v) for r, v in per_check if v]
    if not per_check:
        return ""
    nodes = sorted({n for _, v in per_check for n in v})
    head = "".join(f"<th>{_e(r.name.removeprefix('check-'))}</th>" for r, _ in per_check)
    rows = []
    for node in nodes:
        cells = []
        for _, v in per_check:
            status, why = v.get(node, ("", "not judged"))
            cells.append(f"<td title='{_e(why)}' style='background:{COLOURS.get(status, '#eee')}33'>"
                         f"<span class='st' style='color:{COLOURS.get(status, '#666')}'>{_e(status or '-')}</span></td>")
        rows.append(f"<tr><td>{_e(node)}</td>{''.join(cells)}</tr>")
    return ("<section id='nodes'><h2>Per node</h2><table class='nodes'><tr><th>node</th>" + head + "</tr>"
            + "".join(rows) + "</table></section>")


def _summary(groups: "OrderedDict[str, list[Result]]", runs: dict[str, dict[str, Any]]) -> str:
    rows = []
    for fw, members in groups.items():
        fc = counts(members)
        wall = runs.get(fw, {}).get("wall_s")
        check_time = sum(r.duration_s for r in members)
        time_cell = f"{float(wall):.1f} s" if wall is not None else f"{check_time:.1f} s <span class='muted'>(checks)</span>"
        rows.append(
            f"<tr><td><a href='#fw-{_e(fw)}'>{_e(fw)}</a></td><td>{_bar(fc)}</td><td class='num'>{fc['passed']}</td>"
            f"<td class='num'>{fc['failed']}</td><td class='num'>{fc['error']}</td><td class='num'>{fc['skipped']}</td>"
            f"<td class='num'>{fc['total']}</td><td class='num'>{time_cell}</td></tr>"
        )
    return ("<section id='summary'><h2>Summary per framework</h2><table><tr><th>framework</th><th></th>"
            "<th>passed</th><th>failed</th><th>errors</th><th>skipped</th><th>checks</th><th>wall time</th></tr>"
            + "".join(rows) + "</table></section>")


def _problems(groups: "OrderedDict[str, list[Result]]", out_dir: str | None) -> str:
    items = []
    for fw, members in groups.items():
        for r in members:
            if r.status not in ("failed", "error"):
                continue
            items.append(
                f"<div class='problem'><h3>{_status(r)} <a href='#{_e(_check_id(fw, r))}'>{_e(fw)} / {_e(r.name)}</a>"
                f" <span class='muted'>({_e(_suite(fw, r))}, {r.duration_s:.1f} s)</span></h3>"
                f"<p>{_e(r.message or r.status)}</p>{_metrics(r)}"
                f"<p>{_artifacts_link(r, out_dir)}</p>"
                + (f"<details open><summary>output</summary><pre>{_e(r.output)}</pre></details>" if r.output else "")
                + "</div>"
            )
    body = "".join(items) if items else "<p>No check failed or errored.</p>"
    return f"<section id='problems'><h2>Failures and errors ({len(items)})</h2>{body}</section>"


def _checks(groups: "OrderedDict[str, list[Result]]", out_dir: str | None) -> str:
    parts = ["<section id='checks'><h2>Every check</h2>"]
    for fw, members in groups.items():
        parts.append(f"<h3 id='fw-{_e(fw)}'>{_e(fw)}</h3>")
        if not members:
            parts.append("<p class='muted'>no checks recorded</p>")
            continue
        parts.append("<table><tr><th>check</th><th>suite</th><th>result</th><th>time</th><th>message</th>"
                     "<th>metrics</th><th></th></tr>")
        for r in members:
            output = f"<details><summary>output</summary><pre>{_e(r.output)}</pre></details>" if r.output else ""
            parts.append(
                f"<tr id='{_e(_check_id(fw, r))}'><td>{_e(r.name)}</td><td>{_e(_suite(fw, r))}</td><td>{_status(r)}</td>"
                f"<td class='num'>{r.duration_s:.1f} s</td><td>{_e(r.message)}</td><td>{_metrics(r)}</td>"
                f"<td>{_artifacts_link(r, out_dir)}{output}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</section>")
    return "".join(parts)


def _plots(groups: "OrderedDict[str, list[Result]]") -> str:
    parts = []
    for fw, members in groups.items():
        figures = [f"<h4>{_e(r.name)}</h4><div class='plots'>{''.join(svg.render(p) for p in r.plots)}</div>"
                   for r in members if r.plots]
        if figures:
            parts.append(f"<h3>{_e(fw)}</h3>" + "".join(figures))
    body = "".join(parts) if parts else "<p class='muted'>No check recorded measurements to plot.</p>"
    return f"<section id='plots'><h2>Measurements</h2>{body}</section>"


TREND_RUNS = 30


def _trend_spec(check: str, m: Metric, history: list[dict[str, Any]]) -> dict[str, Any] | None:
    values = []
    for row in history[-TREND_RUNS:]:
        value = (row.get("metrics", {}).get(check) or {}).get(m.name)
        if isinstance(value, (int, float)):
            values.append(float(value))
    if not values:
        return None
    hlines, bands = [], []
    if m.baseline_runs > 1:
        # the baseline's runs drawn as the band they spread over, its median inside it
        bands.append({"lo": float(m.baseline_lo), "hi": float(m.baseline_hi),
                      "label": f"baseline: {m.baseline_runs} runs"})
        hlines.append({"y": float(m.baseline), "label": "baseline median"})
    elif m.baseline:
        hlines.append({"y": float(m.baseline), "label": "baseline (1 run)"})
    if m.op and m.threshold:
        try:
            hlines.append({"y": float(m.threshold), "label": f"objective {m.op}"})
        except ValueError:
            pass
    return {"title": f"{check}: {m.name} over the last {len(values)} run(s)", "kind": "line", "x": "run",
            "y": m.unit or m.name, "series": [{"name": m.name, "points": [[i + 1, v] for i, v in enumerate(values)]}],
            "hlines": hlines, "bands": bands}


def _trends(groups: "OrderedDict[str, list[Result]]", history: list[dict[str, Any]]) -> str:
    if not history:
        return ""
    body = []
    for fw, members in groups.items():
        figures = []
        for r in members:
            for m in r.metrics:
                spec = _trend_spec(r.name, m, history)
                if spec is not None:
                    figures.append(svg.render(spec))
        if figures:
            body.append(f"<h3>{_e(fw)}</h3><div class='plots'>{''.join(figures)}</div>")
    if not body:
        return ""
    return f"<section id='trends'><h2>Trends over the last runs</h2>{''.join(body)}</section>"
