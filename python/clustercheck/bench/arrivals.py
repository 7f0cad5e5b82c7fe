"""One open-loop schedule for the whole run, split over the workers that send it.

The arrivals are drawn once (one seed), then dealt out in turn: worker k of N sends arrivals k, k+N,
k+2N, ... - so no arrival is lost or sent twice whatever N is, and every worker's share is the same
process thinned evenly. Inter-arrival times: `constant` 1/rate; `poisson` exponential; `gamma` with
shape = burstiness and scale = 1 / (rate * burstiness), as vLLM's benchmark defines it (burstiness 1
is Poisson, below 1 burstier, above 1 more regular) - the mean rate is `rate` in every case.
"""

from __future__ import annotations

import itertools
import random
from typing import Iterator

KINDS = ("constant", "poisson", "gamma")


def schedule(kind: str, rate: float, horizon_s: float, seed: int = 1, burstiness: float = 1.0,
             cap: int = 1_000_000) -> list[float]:
    """Send times in seconds from the common start, below HORIZON_S, at most CAP of them."""
    return list(generate(kind, rate, horizon_s, seed, burstiness, cap))


def share(kind: str, rate: float, horizon_s: float, seed: int, burstiness: float, cap: int, worker: int,
          workers: int) -> Iterator[float]:
    """Worker WORKER's share of the schedule (arrivals WORKER, WORKER + N, ...), drawn as it is sent: a
    long run's schedule is never held whole."""
    if workers < 1 or not 0 <= worker < workers:
        raise ValueError(f"worker {worker} of {workers}")
    return itertools.islice(generate(kind, rate, horizon_s, seed, burstiness, cap), worker, None, workers)


def generate(kind: str, rate: float, horizon_s: float, seed: int = 1, burstiness: float = 1.0,
             cap: int = 1_000_000) -> Iterator[float]:
    """schedule(), one send time at a time."""
    if kind not in KINDS:
        raise ValueError(f"arrival must be one of {', '.join(KINDS)}, got {kind!r}")
    if rate <= 0 or horizon_s <= 0:
        raise ValueError("rate and horizon must be positive")
    if kind == "constant":
        n = min(int(horizon_s * rate + 1e-9), cap)
        return (i / rate for i in range(n))
    if burstiness <= 0:
        raise ValueError(f"burstiness must be positive, got {burstiness}")
    return _random_times(random.Random(seed), 1.0 if kind == "poisson" else burstiness, rate, horizon_s, cap)


def _random_times(rng: random.Random, shape: float, rate: float, horizon_s: float, cap: int) -> Iterator[float]:
    scale = 1.0 / (rate * shape)
    t, n = 0.0, 0
    while n < cap:
        t += rng.gammavariate(shape, scale)
        if t >= horizon_s:
            return
        n += 1
        yield t


def in_window(kind: str, rate: float, warmup_s: float, duration_s: float, seed: int = 1, burstiness: float = 1.0,
              cap: int = 1_000_000) -> int:
    """How many of the run's arrivals the schedule itself puts in the measured window (from WARMUP_S
    to its end). A Poisson or gamma draw has fewer or more than rate x duration; a generator that kept
    its schedule sent exactly these, and is judged against them, not against the nominal rate."""
    return sum(1 for t in generate(kind, rate, warmup_s + duration_s, seed, burstiness, cap) if t >= warmup_s)


def split(times: list[float], workers: int) -> list[list[float]]:
    """Worker k's share: arrivals k, k + N, k + 2N, ... (N = WORKERS)."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    return [times[k::workers] for k in range(workers)]
