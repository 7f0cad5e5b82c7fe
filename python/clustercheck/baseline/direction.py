"""Which way is better for a metric: its objective's operator says so; else its unit, else its name.
A metric none of these decide (a version, a count of nodes) is recorded but never judged."""

from __future__ import annotations

LOWER = "lower"
HIGHER = "higher"

_TIME_UNITS = {"ns", "us", "µs", "ms", "s", "sec", "seconds", "min", "ratio"}
_LOWER_WORDS = ("latency", "time", "error", "skew", "duration", "turnaround", "cold_start")
_HIGHER_WORDS = ("throughput", "bandwidth", "utilization", "utilisation", "rps", "rate_max")


def of(name: str, unit: str, op: str = "", override: str | None = None) -> str | None:
    """LOWER, HIGHER or None (not judged). OVERRIDE comes from the config."""
    if override in (LOWER, HIGHER):
        return override
    if op in ("<=", "<"):
        return LOWER
    if op in (">=", ">"):
        return HIGHER
    unit = unit.strip()
    if unit in _TIME_UNITS:
        return LOWER
    if unit.endswith("/s") or unit in ("%", "GB/s", "Gbit/s"):
        return HIGHER
    lowered = name.lower()
    if any(word in lowered for word in _HIGHER_WORDS):
        return HIGHER
    if any(word in lowered for word in _LOWER_WORDS) or lowered.endswith("_s"):
        return LOWER
    return None
