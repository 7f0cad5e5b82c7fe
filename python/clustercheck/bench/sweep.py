"""Throughput by stepping the open-loop rate: the highest rate whose p95 meets the objective with few
errors and whose completions kept up with the offered rate, stopping at the first step that misses.

A configured list of rates is only where the search starts: when its top rate still meets the
objective, the rate keeps rising (by `growth`, up to `max_rate`) until a step misses. Reaching the
bound first is reported as not saturated: the capacity is at least the best rate, not that rate.
With `refine`, steps between the last rate that met the objective and the first that missed narrow the
capacity down (each halves the gap on a log scale), so a run-to-run comparison (baselines) is not
blind to anything less than one `growth` step.

Near its capacity a server's p95 is bimodal on a busy machine (3.5 ms in one 2 s step, 570 ms in the
next at the same rate), so one step decides nothing there. With `confirm` N > 1 the knee is measured
again: a rate's decision is the majority of up to N trials (stopping once one outcome has it). Below
the knee one passing trial decides (a rate far below capacity rarely misses); a miss is re-measured
before the search stops; then the highest rate kept is re-measured until it holds its majority (when
it loses it, it becomes the first missed and the rate below it is confirmed); and each refining step
is decided the same way. The capacity is the median throughput of the kept rate's passing trials, and
the knee's trials are reported with it (`knee`: each side's outcomes; `spread`: their throughputs).
"""

from __future__ import annotations

import dataclasses
import statistics
from typing import Any, Callable, Iterator

from clustercheck.bench import engine, stats

# Completions below this share of the offered rate: the server did not keep up (saturated).
KEPT_UP = 0.95


def verdict(summary: dict[str, Any], p95_ms: float, max_error_rate: float) -> str:
    if not summary["kept_schedule"]:
        # Latency counts from the scheduled send, so a late generator adds at most its lag to it. When
        # the p95 less the lag p99 still misses the objective, the server missed it whatever the
        # generator did (on two shared cores a saturated server also slows the generator down).
        lag = (summary.get("schedule_lag_ms") or {}).get("p99", 0.0)
        if summary["latency_ms"]["p95"] - lag > p95_ms:
            return "slow"
        return "generator-limited"
    if summary["error_rate"] > max_error_rate:
        return "errors"
    if not summary["latency_ms"]["p95"] <= p95_ms:
        return "slow"
    target = summary.get("target_rate")
    if summary.get("mode") == "open" and target and summary["throughput"] < KEPT_UP * target:
        return "short"  # the server completed less than it was offered
    return "ok"


def _levels(rates: list[float], growth: float, max_rate: float | None) -> Iterator[tuple[float, bool]]:
    """The open-loop rates to try, each with whether it goes past the configured list."""
    for r in rates:
        yield r, False
    if not max_rate or growth <= 1 or not rates or rates[-1] >= max_rate:
        return
    r = rates[-1]
    while r < max_rate:
        r = min(max_rate, round(r * growth, 2))
        yield r, True


def run(
    base: engine.LoadSpec,
    rates: list[float],
    p95_ms: float,
    max_error_rate: float,
    on_step: Callable[[dict[str, Any]], None] | None = None,
    concurrencies: list[int] | None = None,
    growth: float = 1.5,
    max_rate: float | None = None,
    refine: int = 0,
    confirm: int = 1,
    measure: Callable[[engine.LoadSpec], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Step open-loop RATES (then on, up to MAX_RATE) or closed-loop CONCURRENCIES until a step misses.
    MEASURE runs one step (default: this host's workers; clustercheck.bench.measure for placed ones)."""
    search = _Search(base, p95_ms, max_error_rate, on_step, max(1, confirm), measure or _here)
    if concurrencies:
        return search.closed(concurrencies)
    return search.open(rates, growth, max_rate, refine)


def _here(spec: engine.LoadSpec) -> dict[str, Any]:
    records, workers = engine.run(spec)
    return stats.summarize(spec, records, workers)


class _Search:
    def __init__(self, base: engine.LoadSpec, p95_ms: float, max_error_rate: float,
                 on_step: Callable[[dict[str, Any]], None] | None, confirm: int,
                 measure: Callable[[engine.LoadSpec], dict[str, Any]]) -> None:
        self.base, self.p95_ms, self.max_error_rate, self.on_step = base, p95_ms, max_error_rate, on_step
        self.measure = measure
        self.confirm = confirm
        self.steps: list[dict[str, Any]] = []
        self.trials: dict[float, list[dict[str, Any]]] = {}

    def step(self, spec: engine.LoadSpec, extra: bool, refine: bool = False) -> dict[str, Any]:
        summary = self.measure(spec)
        summary["verdict"] = verdict(summary, self.p95_ms, self.max_error_rate)
        summary["beyond_configured"] = extra
        if refine:
            summary["refine"] = True
        summary.pop("histogram_ms", None)
        level = spec.rate if spec.mode == "open" else float(spec.concurrency)
        summary["trial"] = len(self.trials.setdefault(level, [])) + 1
        self.trials[level].append(summary)
        self.steps.append(summary)
        if self.on_step:
            self.on_step(summary)
        return summary

    def decide(self, rate: float, extra: bool, refine: bool = False) -> str:
        """ok, miss or generator-limited: the majority of up to `confirm` trials at RATE (those already
        run count); a generator that could not keep its schedule ends the vote (it says nothing of the server)."""
        need = self.confirm // 2 + 1
        while True:
            verdicts = [t["verdict"] for t in self.trials.get(rate, [])]
            if "generator-limited" in verdicts:
                return "generator-limited"
            if verdicts.count("ok") >= need:
                return "ok"
            if len(verdicts) - verdicts.count("ok") >= need:
                return "miss"
            self.step(dataclasses.replace(self.base, mode="open", rate=rate), extra, refine)

    def _miss_word(self, rate: float) -> str:
        misses = [t["verdict"] for t in self.trials[rate] if t["verdict"] != "ok"]
        return max(set(misses), key=misses.count) if misses else "slow"

    def _tally(self, rate: float) -> str:
        verdicts = [t["verdict"] for t in self.trials.get(rate, [])]
        ok = verdicts.count("ok")
        if ok * 2 > len(verdicts):
            return f"{rate:g} req/s ok in {ok} of {len(verdicts)} trial(s)"
        return f"{rate:g} req/s {self._miss_word(rate)} in {len(verdicts) - ok} of {len(verdicts)} trial(s)"

    def open(self, rates: list[float], growth: float, max_rate: float | None, refine: int) -> dict[str, Any]:
        kept: list[float] = []
        bad: float | None = None
        limited: float | None = None
        for rate, extra in _levels(rates, growth, max_rate):
            first = self.step(dataclasses.replace(self.base, mode="open", rate=rate), extra)
            outcome = "ok" if first["verdict"] == "ok" else self.decide(rate, extra)
            if outcome == "ok":
                kept.append(rate)
                continue
            if outcome == "generator-limited":
                limited = rate
            else:
                bad = rate
            break
        # The highest rate kept holds its majority too, or it is the first missed.
        while kept and self.confirm > 1 and limited is None:
            outcome = self.decide(kept[-1], False)
            if outcome == "ok":
                break
            if outcome == "generator-limited":
                limited = kept.pop()
                break
            bad = kept.pop()
        good = kept[-1] if kept else None
        if good is not None and bad is not None and limited is None:
            good, bad, limited = self._refine(good, bad, refine)
        return self._result(good, bad, limited, max_rate)

    def _refine(self, good: float, bad: float, times: int) -> tuple[float, float, float | None]:
        for _ in range(times):
            mid = round((good * bad) ** 0.5, 2)
            if not good < mid < bad:
                break
            self.step(dataclasses.replace(self.base, mode="open", rate=mid), True, refine=True)
            outcome = self.decide(mid, True, refine=True)
            if outcome == "generator-limited":
                return good, bad, None  # the generator's limit says nothing of the server: stop narrowing
            if outcome == "ok":
                good = mid
            else:
                bad = mid
        return good, bad, None

    def _result(self, good: float | None, bad: float | None, limited: float | None,
                max_rate: float | None) -> dict[str, Any]:
        passing = [t["throughput"] for t in self.trials.get(good, []) if t["verdict"] == "ok"] if good is not None else []
        best = round(statistics.median(passing), 2) if passing else 0.0
        if bad is not None:
            stopped, saturated = f"{self._miss_word(bad)} at {bad:g} req/s", True
        elif limited is not None:
            stopped, saturated = f"generator-limited at {limited:g} req/s", False
        elif max_rate:
            stopped, saturated = f"bound reached: at least {best:g} req/s (not saturated at inference.sweep.max_rate {max_rate:g})", False
        else:
            stopped, saturated = "all steps met the objective", False
        knee = "; ".join(self._tally(r) for r in (good, bad) if r is not None)
        spread = f"{min(passing):g}-{max(passing):g} req/s over {len(passing)} passing trial(s) at {good:g} req/s" \
            if passing and good is not None else ""
        return {"p95_objective_ms": self.p95_ms, "max_error_rate": self.max_error_rate, "steps": self.steps,
                "max_rate": best, "stopped": stopped, "saturated": saturated, "bound": None if not max_rate else max_rate,
                "confirm": self.confirm, "knee": knee, "spread": spread}

    def closed(self, concurrencies: list[int]) -> dict[str, Any]:
        best, stopped, saturated = 0.0, "all steps met the objective", False
        for c in concurrencies:
            summary = self.step(dataclasses.replace(self.base, mode="closed", concurrency=c), False)
            if summary["verdict"] != "ok":
                stopped = f"{summary['verdict']} at {c:g} in flight"
                saturated = summary["verdict"] != "generator-limited"
                break
            best = max(best, summary["throughput"])
        return {"p95_objective_ms": self.p95_ms, "max_error_rate": self.max_error_rate, "steps": self.steps,
                "max_rate": best, "stopped": stopped, "saturated": saturated, "bound": None,
                "confirm": 1, "knee": "", "spread": ""}
