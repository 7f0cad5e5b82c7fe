"""One open-loop schedule for the whole run, split over the workers that send it.

The arrivals are drawn once (one seed), then dealt out in turn: worker k of N sends arrivals k, k+N,
k+2N, ... - so no arrival is lost or sent twice whatever N is, and every worker's share is the same
process thinned evenly. Inter-arrival times: `constant` 1/rate; `poisson` exponential; `gamma` with
shape = burstiness and scale = 1 / (rate * burstiness), as vLLM's benchmark defines it (burstiness 1
is Poisson, below 1 burstier, above 1 more regular) - the mean rate is `rate` in every case.
"""

from __future__ import annotations

import random

KINDS = ("constant", "poisson", "gamma")


def schedule(kind: str, rate: float, horizon_s: float, seed: int = 1, burstiness: float = 1.0,
             cap: int = 1_000_000) -> list[float]:
    """Send times in seconds from the common start, below HORIZON_S, at most CAP of them."""
    if kind not in KINDS:
        raise ValueError(f"arrival must be one of {', '.join(KINDS)}, got {kind!r}")
    if rate <= 0 or horizon_s <= 0:
        raise ValueError("rate and horizon must be positive")
    if kind == "constant":
        return [i / rate for i in range(min(int(horizon_s * rate + 1e-9), cap))]
    if burstiness <= 0:
        raise ValueError(f"burstiness must be positive, got {burstiness}")
    rng = random.Random(seed)
    shape = 1.0 if kind == "poisson" else burstiness
    scale = 1.0 / (rate * shape)
    times: list[float] = []
    t = 0.0
    while len(times) < cap:
        t += rng.gammavariate(shape, scale)
        if t >= horizon_s:
            break
        times.append(t)
    return times


def split(times: list[float], workers: int) -> list[list[float]]:
    """Worker k's share: arrivals k, k + N, k + 2N, ... (N = WORKERS)."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    return [times[k::workers] for k in range(workers)]
