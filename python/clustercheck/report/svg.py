"""Plots as inline SVG (no scripts, no plotting library): line charts and bar charts of a check's
measurements - latency distributions, rate and latency over time, GPU use, throughput sweeps.

A plot spec: {"title", "kind": "line"|"bar", "x", "y", "series": [{"name", "points": [[x, y], ...]}],
"hlines": [{"y", "label"}], "bands": [{"lo", "hi", "label"}]} - one JSON line in a check's
artifacts/plots.jsonl. A band is a shaded range across the plot (a baseline's runs, lowest to highest).
"""

from __future__ import annotations

import html
from typing import Any

W, H = 560, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 40
PALETTE = ("#0969da", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#bc4c00")


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    step = (hi - lo) / n
    return [lo + i * step for i in range(n + 1)]


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 100 or v == int(v) else f"{v:.3g}"


def render(spec: dict[str, Any]) -> str:
    series = [s for s in spec.get("series", []) if s.get("points")]
    hlines = spec.get("hlines", [])
    bands = spec.get("bands", [])
    title = html.escape(str(spec.get("title", "")))
    if not series:
        return f"<figure><figcaption>{title}: no data</figcaption></figure>"
    xs = [float(p[0]) for s in series for p in s["points"]]
    ys = [float(p[1]) for s in series for p in s["points"]] + [float(h["y"]) for h in hlines] + [float(b["hi"]) for b in bands]
    x0, x1 = min(xs), max(xs)
    y0, y1 = 0.0, max(ys) * 1.08 or 1.0
    bar = spec.get("kind") == "bar"
    if bar:  # bars are categories: evenly spaced, labelled by their x
        x0, x1 = 0.0, float(len(series[0]["points"]))
    span_x = (x1 - x0) or 1.0
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + (x - x0) / span_x * pw

    def sy(y: float) -> float:
        return TOP + ph - (y - y0) / (y1 - y0) * ph

    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{W}' height='{H}' font-size='11' "
             f"font-family='sans-serif' role='img'><title>{title}</title>",
             f"<text x='{LEFT}' y='16' font-weight='bold'>{title}</text>"]
    for t in _ticks(y0, y1):
        parts.append(f"<line x1='{LEFT}' x2='{W - RIGHT}' y1='{sy(t):.1f}' y2='{sy(t):.1f}' stroke='#eee'/>"
                     f"<text x='{LEFT - 4}' y='{sy(t) + 4:.1f}' text-anchor='end'>{_fmt(t)}</text>")
    for b in bands:
        top, bottom = sy(float(b["hi"])), sy(float(b["lo"]))
        label = f"{b.get('label', '')} {_fmt(float(b['lo']))}-{_fmt(float(b['hi']))}".strip()
        parts.append(f"<rect class='band' x='{LEFT}' y='{top:.1f}' width='{pw}' height='{max(1.0, bottom - top):.1f}' "
                     f"fill='#1a7f37' fill-opacity='0.15'><title>{html.escape(label)}</title></rect>"
                     f"<text x='{LEFT + 4}' y='{bottom + 11:.1f}' fill='#1a7f37'>{html.escape(label)}</text>")
    if bar:
        points = series[0]["points"]
        width = pw / max(1, len(points))
        for i, (label, value) in enumerate(points):
            x, y = LEFT + i * width, sy(float(value))
            parts.append(f"<rect x='{x + 1:.1f}' y='{y:.1f}' width='{max(1.0, width - 2):.1f}' "
                         f"height='{TOP + ph - y:.1f}' fill='{PALETTE[0]}'><title>{_fmt(float(label))}: "
                         f"{value}</title></rect>")
            if i % max(1, len(points) // 6) == 0:
                parts.append(f"<text x='{x + width / 2:.1f}' y='{H - BOTTOM + 14}' text-anchor='middle'>"
                             f"{_fmt(float(label))}</text>")
    else:
        for t in _ticks(x0, x1):
            parts.append(f"<text x='{sx(t):.1f}' y='{H - BOTTOM + 14}' text-anchor='middle'>{_fmt(t)}</text>")
        for i, s in enumerate(series):
            colour = PALETTE[i % len(PALETTE)]
            path = " ".join(f"{sx(float(x)):.1f},{sy(float(y)):.1f}" for x, y in s["points"])
            parts.append(f"<polyline fill='none' stroke='{colour}' stroke-width='1.5' points='{path}'/>")
            parts.append(f"<text x='{W - RIGHT - 4}' y='{TOP + 12 + 13 * i}' text-anchor='end' fill='{colour}'>"
                         f"{html.escape(str(s.get('name', '')))}</text>")
    for h in hlines:
        y = sy(float(h["y"]))
        parts.append(f"<line x1='{LEFT}' x2='{W - RIGHT}' y1='{y:.1f}' y2='{y:.1f}' stroke='#cf222e' "
                     f"stroke-dasharray='4 3'/><text x='{LEFT + 4}' y='{y - 3:.1f}' fill='#cf222e'>"
                     f"{html.escape(str(h.get('label', '')))} {_fmt(float(h['y']))}</text>")
    parts.append(f"<line x1='{LEFT}' x2='{W - RIGHT}' y1='{TOP + ph}' y2='{TOP + ph}' stroke='#888'/>")
    parts.append(f"<text x='{LEFT + pw / 2:.0f}' y='{H - 6}' text-anchor='middle'>"
                 f"{html.escape(str(spec.get('x', '')))}</text>")
    parts.append(f"<text x='12' y='{TOP + ph / 2:.0f}' transform='rotate(-90 12 {TOP + ph / 2:.0f})' "
                 f"text-anchor='middle'>{html.escape(str(spec.get('y', '')))}</text></svg>")
    return "<figure>" + "".join(parts) + "</figure>"
