"""A self-contained HTML page of the results (no scripts, no external assets)."""

from __future__ import annotations

import html

from clustercheck.report import svg
from clustercheck.report.records import Result
from clustercheck.report.summary import counts

COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#cf222e", "skipped": "#9a6700"}


def render(name: str, results: list[Result]) -> str:
    c = counts(results)
    rows = []
    figures = []
    for r in results:
        if r.plots:
            figures.append(f"<h2 id='plots-{html.escape(r.name)}'>{html.escape(r.name)}</h2><div class='plots'>"
                           + "".join(svg.render(p) for p in r.plots) + "</div>")
        metrics = "<br>".join(html.escape(f"{m.name}: {m.describe()}") for m in r.metrics)
        rows.append(
            f"<tr><td>{html.escape(r.name)}</td><td style='color:{COLOURS.get(r.status, '#000')}'><b>{r.status}</b></td>"
            f"<td>{r.duration_s:.1f}s</td><td>{html.escape(r.message if r.status != 'passed' else '')}</td>"
            f"<td>{metrics}</td><td><details><summary>output</summary><pre>{html.escape(r.output)}</pre></details></td></tr>"
        )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(name)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{border-bottom:1px solid #ddd;padding:4px 8px;"
        "vertical-align:top;text-align:left}pre{max-width:80em;overflow:auto;font-size:12px}"
        ".plots{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;border:1px solid #ddd}</style></head><body>"
        f"<h1>{html.escape(name)}</h1><p>{c['passed']} passed, {c['failed']} failed, {c['error']} errors, "
        f"{c['skipped']} skipped of {c['total']}</p>"
        "<table><tr><th>check</th><th>result</th><th>time</th><th>message</th><th>metrics</th><th></th></tr>"
        + "".join(rows)
        + "</table>"
        + ("<h1>Measurements</h1>" + "".join(figures) if figures else "")
        + "</body></html>"
    )
