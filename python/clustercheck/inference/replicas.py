"""One model-server replica per GPU behind the load engine (inference.replicas): the capacity of one
replica alone, of all of them together (the engine gives each replica an equal share of the schedule),
their ratio, and at the aggregate capacity each replica's throughput beside its own GPU's utilisation
- every figure per replica and per GPU, never an average across them."""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

from clustercheck.bench import engine, gpu, stats
from clustercheck.bench.endpoint import load_spec
from clustercheck.facts import emit, plot, save
from clustercheck.inference.runs import configured_sweep, trial_suffix


def _capacity(cfg: dict[str, Any], spec: engine.LoadSpec, label: str) -> dict[str, Any]:
    def step(s: dict[str, Any]) -> None:
        emit(f"{label}.step.{s['target_rate']:g}{trial_suffix(s)}", f"{s['verdict']} p95={s['latency_ms']['p95']}ms throughput={s['throughput']}/s")

    result = configured_sweep(cfg, spec, step, bound_scale=len(spec.urls or [1]))
    emit(f"{label}.max_rate", result["max_rate"])
    emit(f"{label}.stopped", result["stopped"])
    return result


def _per_replica(records: list[list[engine.Record]], n: int, duration: float, warmup: float) -> list[dict[str, Any]]:
    """Requests each replica answered (2xx) in the measured part, per second; errors counted apart."""
    out = [{"ok": 0, "errors": 0} for _ in range(n)]
    for k, worker in enumerate(records):
        mine = out[k % n]
        for scheduled, _sent, _done, status, _ttft, _tokens in worker:
            if scheduled < warmup:
                continue
            if 200 <= status < 300:
                mine["ok"] += 1
            else:
                mine["errors"] += 1
    return [{"throughput": round(r["ok"] / duration, 2), "errors": r["errors"]} for r in out]


# The share of the asked rate the generator must have sent for the split run's figures to stand.
OFFERED = 0.95


def scaling(cfg: dict[str, Any]) -> None:
    replicas = cfg["replicas"]
    urls = [r["url"].rstrip("/") for r in replicas]
    emit("replicas", len(urls))
    base = dataclasses.replace(load_spec(cfg, cfg["sweep"]["rates"][0], cfg["sweep"]["step_duration_s"]), url=urls[0])
    one = _capacity(cfg, dataclasses.replace(base, urls=[urls[0]]), "single")
    everyone = _capacity(cfg, dataclasses.replace(base, urls=urls), "aggregate")
    if one["max_rate"] > 0:
        emit("ratio", round(everyone["max_rate"] / one["max_rate"], 3))
    # each replica beside its GPU, at the aggregate capacity
    rate = everyone["max_rate"] or float(cfg["sweep"]["rates"][0])
    spec = dataclasses.replace(base, urls=urls, rate=rate, duration_s=float(cfg["gpu"]["load_duration_s"]),
                               warmup_s=float(cfg["load"]["warmup_s"]))
    kind, why = gpu.source({**cfg["gpu"], "indices": None})
    emit("gpu_source", kind or f"none: {why}")
    sampler = gpu.Sampler({**cfg["gpu"], "indices": [r["gpu"] for r in replicas]}, kind) if kind else None
    with sampler or contextlib.nullcontext():
        per_worker = engine.run_per_worker(spec)
    g = sampler.summary(skip_s=spec.warmup_s + 0.5) if sampler else None
    for d in g["per_gpu"] if g else []:
        emit(f"gpu.{d['gpu']}.mean_pct", d["mean"])
        emit(f"gpu.{d['gpu']}.uuid", d["uuid"] or "-")
    summary = stats.summarize(spec, [r for w in per_worker for r in w], len(per_worker))
    emit("split.rate", rate)
    emit("split.throughput", summary["throughput"])
    emit("split.kept_schedule", summary["kept_schedule"])
    # What the split run needs from the generator is the load itself, not punctual sends: it judges
    # throughput per replica, never latency. Sends late by more than the lag bound (on a loaded 2-core
    # host, 15-30 ms at p99 whatever the rate) still offer the rate when they all leave within the run.
    emit("split.achieved_rate", summary["achieved_rate"])
    emit("split.lag_p99_ms", (summary.get("schedule_lag_ms") or {}).get("p99", 0.0))
    # offered: against the arrivals the schedule itself put in the window, not rate x duration
    offered = summary["achieved_rate"] * spec.duration_s >= OFFERED * stats.scheduled_in_window(spec)
    emit("split.offered", bool(summary["requests"]) and offered)
    emit("split.p95_ms", summary["latency_ms"]["p95"])
    split = _per_replica(per_worker, len(urls), spec.duration_s, spec.warmup_s)
    for i, (r, s) in enumerate(zip(replicas, split)):
        emit(f"replica.{i}.gpu", r["gpu"])
        emit(f"replica.{i}.url", urls[i])
        emit(f"replica.{i}.throughput", s["throughput"])
        emit(f"replica.{i}.errors", s["errors"])
    save("replicas.json", {"single": one, "aggregate": everyone, "split": split, "summary": summary, "gpu": g})
    plot({"title": "capacity: one replica and all replicas", "kind": "bar", "x": "replicas", "y": "req/s",
          "series": [{"name": "capacity", "points": [[1, one["max_rate"]], [len(urls), everyone["max_rate"]]]}]})
