"""A self-contained HTML page of the results (no scripts, no external assets)."""

from __future__ import annotations

import html

from clustercheck.report.records import Result
from clustercheck.report.summary import counts

COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#cf222e", "skipped": "#9a6700"}


def render(name: str, results: list[Result]) -> str:
    c = counts(results)
    rows = []
    for r in results:
        metrics = "<br>".join(html.escape(f"{m.name}: {m.describe()}") for m in r.metrics)
        rows.append(
            f"<tr><td>{html.escape(r.name)}</td><td style='color:{COLOURS.get(r.status, '#000')}'><b>{r.status}</b></td>"
            f"<td>{r.duration_s:.1f}s</td><td>{html.escape(r.message if r.status != 'passed' else '')}</td>"
            f"<td>{metrics}</td><td><details><summary>output</summary><pre>{html.escape(r.output)}</pre></details></td></tr>"
        )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(name)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{border-bottom:1px solid #ddd;padding:4px 8px;"
        "vertical-align:top;text-align:left}pre{max-width:80em;overflow:auto;font-size:12px}</style></head><body>"
        f"<h1>{html.escape(name)}</h1><p>{c['passed']} passed, {c['failed']} failed, {c['error']} errors, "
        f"{c['skipped']} skipped of {c['total']}</p>"
        "<table><tr><th>check</th><th>result</th><th>time</th><th>message</th><th>metrics</th><th></th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
