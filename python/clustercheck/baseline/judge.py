"""Judge one check's metrics against a baseline.

A metric worse than its baseline by more than the tolerance (percent of the baseline; and by more than
`min_change` in its own unit, so that a 2 ms -> 3 ms wobble is not a 50 % regression) has regressed;
better by as much is an improvement (reported, never a failure); a metric the baseline lacks is new.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from clustercheck.baseline import direction

DEFAULT_TOLERANCE_PCT = 20.0


@dataclass
class Judgement:
    check: str
    name: str
    value: float
    unit: str
    direction: str | None
    baseline: float | None
    change_pct: float | None
    tolerance_pct: float
    verdict: str  # regressed | improved | within | new | not-judged
    reason: str = ""  # why not judged

    def line(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.verdict == "new":
            return f"{self.name} {_fmt(self.value)}{unit}: new (no baseline value)"
        if self.baseline is None or self.direction is None:
            return f"{self.name} {_fmt(self.value)}{unit}: not judged ({self.reason})"
        better = "lower" if self.direction == direction.LOWER else "higher"
        change = f"{self.change_pct:+.1f}%" if self.change_pct is not None else "from 0"
        return (f"{self.name} {_fmt(self.value)}{unit} vs baseline {_fmt(self.baseline)}{unit} "
                f"({change}, tolerance {_fmt(self.tolerance_pct)}%, {better} is better): {self.verdict}")

    def record(self) -> dict[str, Any]:
        return asdict(self)


def _fmt(v: float) -> str:
    return f"{v:.4g}" if abs(v) < 1e6 else f"{v:.0f}"


@dataclass
class Settings:
    tolerance_pct: float
    min_change: dict[str, float]
    per_metric: dict[str, dict[str, Any]]

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> "Settings":
        section = (cfg.get("runner") or {}).get("baseline") or {}
        return cls(float(section.get("tolerance_pct", DEFAULT_TOLERANCE_PCT)),
                   {k: float(v) for k, v in (section.get("min_change") or {}).items()},
                   dict(section.get("metrics") or {}))

    def for_metric(self, check: str, name: str, unit: str) -> tuple[float, float, str | None, bool]:
        """(tolerance_pct, min_change, direction override, judged at all): `check.metric` beats `metric`."""
        own = {**self.per_metric.get(name, {}), **self.per_metric.get(f"{check}.{name}", {})}
        tol = float(own.get("tolerance_pct", self.tolerance_pct))
        floor = float(own.get("min_change", self.min_change.get(unit, 0.0)))
        return tol, floor, own.get("direction"), bool(own.get("judge", True))


def judge(check: str, metrics: list[dict[str, Any]], baseline: dict[str, Any], settings: Settings) -> list[Judgement]:
    recorded = (baseline.get("metrics") or {}).get(check) or {}
    out: list[Judgement] = []
    for m in metrics:
        try:
            value = float(m["value"])
        except (KeyError, TypeError, ValueError):
            continue
        name, unit, op = str(m.get("name", "")), str(m.get("unit", "")), str(m.get("op", ""))
        tol, floor, override, judged = settings.for_metric(check, name, unit)
        way = direction.of(name, unit, op, override) if judged else None
        base_entry = recorded.get(name)
        if base_entry is None:
            out.append(Judgement(check, name, value, unit, way, None, None, tol, "new"))
            continue
        base = float(base_entry["value"])
        if way is None:
            reason = "runner.baseline.metrics says so" if not judged else "neither better higher nor lower"
            out.append(Judgement(check, name, value, unit, way, base, None, tol, "not-judged", reason))
            continue
        delta = value - base
        # From a baseline of 0 any change is infinitely many percent: only min_change decides there.
        change = round(delta / abs(base) * 100.0, 1) if base else None
        worse = delta > 0 if way == direction.LOWER else delta < 0
        beyond = abs(delta) > floor and (change is None and delta != 0 or change is not None and abs(change) > tol)
        verdict = "within" if not beyond else ("regressed" if worse else "improved")
        out.append(Judgement(check, name, value, unit, way, base, change, tol, verdict))
    return out
