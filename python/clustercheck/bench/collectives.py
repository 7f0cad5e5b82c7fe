"""Collective bandwidth as nccl-tests defines it (its PERFORMANCE.md): algbw = bytes / time; busbw =
algbw x the share of the data each rank's links carry, which makes the figure comparable to the
hardware's peak whatever the rank count. The slowest rank's time is the collective's."""

from __future__ import annotations

from typing import Any

# bus factor per operation, for n ranks
_FACTORS = {
    "all_reduce": lambda n: 2 * (n - 1) / n,
    "all_gather": lambda n: (n - 1) / n,
    "reduce_scatter": lambda n: (n - 1) / n,
    "all_to_all": lambda n: (n - 1) / n,
    "broadcast": lambda n: 1.0,
    "reduce": lambda n: 1.0,
}


def bus_bandwidth(op: str, algbw: float, ranks: int) -> float:
    """busbw of OP at ALGBW (GB/s) over RANKS ranks; 0 with one rank (no link carries anything)."""
    if ranks < 2:
        return 0.0
    return algbw * _FACTORS[op](ranks)


def slowest(reports: list[dict[str, Any]], ranks: int, op: str = "all_reduce") -> dict[str, Any]:
    """The report of the slowest rank (lowest algbw), with its busbw for RANKS ranks added."""
    slow = min(reports, key=lambda a: a["algbw_gbps"])
    return {**slow, "busbw_gbps": round(bus_bandwidth(op, slow["algbw_gbps"], ranks), 4)}
