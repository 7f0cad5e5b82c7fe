"""Judge one check's metrics against a baseline made of one or more runs.

The rule (stated in every line it decides): let the allowance be the tolerance (percent of the
baseline runs' median) or `min_change` in the metric's own unit, whichever is larger - so a 2 ms -> 3 ms
wobble is not a 50 % regression. A metric **regressed** when it is worse than the worst of the baseline's
runs by more than the allowance: the change is larger than both the tolerance and the noise the
baseline's own runs showed. Better than the best run by as much is **improved** (reported, never a
failure). A metric whose baseline runs spread wider than the allowance cannot show a change of the
tolerance's size apart from its noise: unless it moved past even that, it is **too-noisy** (a named
outcome - neither a pass nor a failure). Otherwise it is **within**. A one-run baseline has no measured
noise: its band is that run. A metric the baseline lacks is **new**.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from clustercheck.baseline import direction
from clustercheck.config import defaults


@dataclass
class Judgement:
    check: str
    name: str
    value: float
    unit: str
    direction: str | None
    baseline: float | None  # the median of the baseline's runs
    change_pct: float | None  # against that median
    tolerance_pct: float
    verdict: str  # regressed | improved | within | too-noisy | new | not-judged
    reason: str = ""  # why not judged; for a decided metric, the rule that decided it
    runs: list[float] = field(default_factory=list)  # the baseline's runs of this metric
    allowance: float | None = None  # in the metric's unit

    def line(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.verdict == "new":
            return f"{self.name} {_fmt(self.value)}{unit}: new (no baseline value)"
        if self.baseline is None or self.direction is None:
            return f"{self.name} {_fmt(self.value)}{unit}: not judged ({self.reason})"
        return f"{self._head(unit)}: {self.verdict} - {self.reason}"

    def failure(self) -> str:
        """The line without its verdict, for a failure message that already says 'regressed'."""
        return f"{self._head(f' {self.unit}' if self.unit else '')} - {self.reason}"

    def _head(self, unit: str) -> str:
        better = "lower" if self.direction == direction.LOWER else "higher"
        change = f"{self.change_pct:+.1f}%" if self.change_pct is not None else "from 0"
        return (f"{self.name} {_fmt(self.value)}{unit} vs baseline {_fmt(self.baseline or 0)}{unit}{self._band(unit)} "
                f"({change}, tolerance {_fmt(self.tolerance_pct)}%, {better} is better)")

    def _band(self, unit: str) -> str:
        if len(self.runs) < 2:
            return " (1 run)"
        return f" (median of {len(self.runs)} runs, {_fmt(min(self.runs))}-{_fmt(max(self.runs))}{unit})"

    def record(self) -> dict[str, Any]:
        return asdict(self)


def _fmt(v: float) -> str:
    return f"{v:.4g}" if abs(v) < 1e6 else f"{v:.0f}"


@dataclass
class Settings:
    tolerance_pct: float
    min_change: dict[str, float]
    per_metric: dict[str, dict[str, Any]]
    runs: int

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> "Settings":
        section = defaults.of("runner.baseline", (cfg.get("runner") or {}).get("baseline"))
        return cls(float(section["tolerance_pct"]), {k: float(v) for k, v in (section.get("min_change") or {}).items()},
                   dict(section.get("metrics") or {}), int(section["runs"]))

    def for_metric(self, check: str, name: str, unit: str) -> tuple[float, float, str | None, bool]:
        """(tolerance_pct, min_change, direction override, judged at all): `check.metric` beats `metric`."""
        own = {**self.per_metric.get(name, {}), **self.per_metric.get(f"{check}.{name}", {})}
        tol = float(own.get("tolerance_pct", self.tolerance_pct))
        floor = float(own.get("min_change", self.min_change.get(unit, 0.0)))
        return tol, floor, own.get("direction"), own.get("judge") is not False


def runs_of(entry: dict[str, Any]) -> list[float]:
    """A baseline metric's runs; a file saved before baselines kept runs has its one value."""
    runs = entry.get("runs")
    if isinstance(runs, list) and runs:
        return [float(v) for v in runs]
    return [float(entry["value"])]


def decide(value: float, runs: list[float], way: str, tol_pct: float, floor: float,
           unit: str = "") -> tuple[str, str, float]:
    """(verdict, the rule that fired with its figures, allowance) for VALUE against the baseline RUNS."""
    median = statistics.median(runs)
    lo, hi = min(runs), max(runs)
    by_tolerance = abs(median) * tol_pct / 100.0
    allowance = max(by_tolerance, floor)
    u = f" {unit}" if unit else ""
    allow = f"the allowance {_fmt(allowance)}{u} (" + (
        "min_change)" if floor > by_tolerance else f"{_fmt(tol_pct)}% of the median)")
    # distances past the band's worse and better ends, positive when past them
    if way == direction.LOWER:
        worse_by, better_by, worst, best = value - hi, lo - value, hi, lo
    else:
        worse_by, better_by, worst, best = lo - value, value - hi, lo, hi
    spread = hi - lo
    if len(runs) > 1:
        runs_worst, runs_best = f"every one of its {len(runs)} runs (worst {_fmt(worst)}{u})", \
            f"every one of its {len(runs)} runs (best {_fmt(best)}{u})"
    else:
        runs_worst = runs_best = f"its 1 run ({_fmt(worst)}{u}; noise not measured)"
    if worse_by > allowance:
        return "regressed", f"worse than {runs_worst} by {_fmt(worse_by)}{u}, more than {allow}", allowance
    if better_by > allowance:
        return "improved", f"better than {runs_best} by {_fmt(better_by)}{u}, more than {allow}", allowance
    if len(runs) > 1 and spread > allowance:
        return "too-noisy", (f"the baseline's {len(runs)} runs spread {_fmt(spread)}{u}, wider than {allow}: "
                             "a change that size cannot be told from their noise"), allowance
    if len(runs) > 1:
        return "within", f"inside its {len(runs)} runs' range widened by {allow}", allowance
    return "within", f"within {allow} of its 1 run (noise not measured)", allowance


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
        runs = runs_of(base_entry)
        base = statistics.median(runs)
        if way is None:
            reason = "runner.baseline.metrics says so" if not judged else "neither better higher nor lower"
            out.append(Judgement(check, name, value, unit, way, base, None, tol, "not-judged", reason, runs))
            continue
        # From a baseline of 0 any change is infinitely many percent: only min_change decides there.
        change = round((value - base) / abs(base) * 100.0, 1) if base else None
        verdict, reason, allowance = decide(value, runs, way, tol, floor, unit)
        out.append(Judgement(check, name, value, unit, way, base, change, tol, verdict, reason, runs, allowance))
    return out
