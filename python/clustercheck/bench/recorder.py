"""What one load worker keeps of its requests while they complete: histograms and counters, not records,
so its memory is bounded by the range of latencies and the run's seconds, not by its request count.

Per request (open loop, measured window only): latency from the scheduled send (what a user waits,
as in wrk2; a request that failed or timed out counts at the run's timeout at least, so overload shows in
the tail instead of leaving it, as k6's http_req_duration keeps failures), service time from the actual send, schedule lag (how late the send left), and for streams
time to first token (TTFT), time per output token after the first (TPOT) and every gap between two
token chunks (inter-token latency, ITL). Goodput counts the requests that answered and met every SLO
set on TTFT, TPOT and end-to-end latency, as vLLM's benchmark and DistServe define it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from clustercheck.bench.histogram import Histogram

OUTCOMES = {-1: "timeout", -2: "connection", -3: "client_error"}
METRICS = ("latency_s", "service_s", "lag_s", "ttft_s", "tpot_s", "itl_s")


def token_figures(tokens: int, streams: int, usage_counted: int, duration_s: float) -> dict[str, Any]:
    """Output tokens per request and per second (the headline of vLLM's and GenAI-Perf's benchmarks), and
    how they were counted: by the server (its usage chunk) or, where it gave none, as text chunks - which
    under-counts a server that packs several tokens in a chunk, and makes TPOT too high."""
    by = ("the server's usage" if usage_counted == streams else "text chunks (the server gave no usage count)"
          if usage_counted == 0 else f"the server's usage for {usage_counted} of {streams} streams, text chunks for the rest")
    return {"tokens_per_request": round(tokens / max(1, streams), 1), "output_tokens_per_s": round(tokens / duration_s, 2),
            "tokens_counted_by": by}


def tpot(sent: float, done: float, ttft: float, tokens: int) -> float | None:
    """Time per output token after the first, of one streamed request (None: fewer than two tokens)."""
    return (done - sent - ttft) / (tokens - 1) if ttft >= 0 and tokens > 1 else None


def goodput(slo_s: dict[str, float], good: int, measured: int, duration_s: float) -> dict[str, Any]:
    """A run's goodput: the SLOs (ms), how many requests met them all, their share and rate."""
    return {"slo_ms": {k.replace("_s", "_ms"): round(v * 1000, 3) for k, v in slo_s.items()},
            "good": good, "share": round(good / measured, 4) if measured else 0.0, "rate": round(good / duration_s, 2)}


@dataclass
class Slo:
    """Service level objectives per request, in seconds; None: not judged."""

    ttft_s: float | None = None
    tpot_s: float | None = None
    e2e_s: float | None = None

    def met(self, latency: float, ttft: float, tpot: float | None) -> bool:
        if self.e2e_s is not None and latency > self.e2e_s:
            return False
        if self.ttft_s is not None and (ttft < 0 or ttft > self.ttft_s):
            return False
        return not (self.tpot_s is not None and tpot is not None and tpot > self.tpot_s)

    def to_dict(self) -> dict[str, float]:
        return {k: v for k, v in (("ttft_s", self.ttft_s), ("tpot_s", self.tpot_s), ("e2e_s", self.e2e_s)) if v is not None}


@dataclass
class Recorder:
    warmup_s: float
    duration_s: float
    slo: Slo = field(default_factory=Slo)
    keep_raw: bool = False  # test mode: keep every latency too, to prove the merge against them
    failed_at_s: float = 0.0  # the latency a failed request counts at, at least (the run's timeout)
    hists: dict[str, Histogram] = field(default_factory=lambda: {m: Histogram() for m in METRICS})
    outcomes: Counter = field(default_factory=Counter)
    sent_in_window: int = 0
    measured: int = 0
    good: int = 0
    tokens: int = 0
    streams: int = 0  # answered streams
    usage_counted: int = 0  # of them, those whose tokens the server counted (else text chunks)
    per_second: dict[int, list[int]] = field(default_factory=dict)  # second -> [sent, ok]
    raw: list[float] = field(default_factory=list)

    def add(self, record: tuple[Any, ...]) -> None:
        scheduled, sent, done, status, ttft, tokens = record[:6]
        if scheduled < self.warmup_s:
            return
        self.measured += 1
        if sent < self.warmup_s + self.duration_s:
            self.sent_in_window += 1
        self.hists["lag_s"].add(max(0.0, sent - scheduled))
        second = self.per_second.setdefault(int(scheduled - self.warmup_s), [0, 0])
        second[0] += 1
        if not 200 <= status < 300:
            self.outcomes[OUTCOMES.get(status, f"http_{status}")] += 1
            failed = max(done - scheduled, self.failed_at_s)
            self.hists["latency_s"].add(failed)
            if self.keep_raw:
                self.raw.append(failed)
            return
        second[1] += 1
        self.outcomes["ok"] += 1
        latency = done - scheduled
        self.hists["latency_s"].add(latency)
        self.hists["service_s"].add(done - sent)
        if self.keep_raw:
            self.raw.append(latency)
        per_token = tpot(sent, done, ttft, tokens)
        if ttft >= 0:
            self.hists["ttft_s"].add(ttft)
            self.tokens += tokens
            if per_token is not None:
                self.hists["tpot_s"].add(per_token)
            self.streams += 1
            self.usage_counted += bool(record[6]) if len(record) > 6 else 0
            for gap in record[7] if len(record) > 7 else ():
                self.hists["itl_s"].add(gap)
        if self.slo.met(latency, ttft, per_token):
            self.good += 1

    def report(self) -> dict[str, Any]:
        """The worker's part of the run, as JSON-ready data (histograms as their counts)."""
        out: dict[str, Any] = {
            "measured": self.measured,
            "ok": self.outcomes["ok"],
            "errors": {k: v for k, v in self.outcomes.items() if k != "ok"},
            "sent_in_window": self.sent_in_window,
            "achieved_rate": round(self.sent_in_window / self.duration_s, 3),
            "good": self.good,
            "tokens": self.tokens,
            "streams": self.streams,
            "usage_counted": self.usage_counted,
            "slo": self.slo.to_dict(),
            "series": [[t, s, ok] for t, (s, ok) in sorted(self.per_second.items())],
            "histograms": {m: h.to_dict() for m, h in self.hists.items()},
        }
        if self.keep_raw:
            out["raw_latency_s"] = self.raw
        return out
