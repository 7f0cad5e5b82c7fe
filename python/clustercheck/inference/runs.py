"""Measured runs for the inference checks: load at the configured rate (with GPU sampling), the
throughput sweep, cold start, and the served model against the registry's. Each writes its full
result as JSON and plot specs for the HTML report into the check's artifact directory."""

from __future__ import annotations

import random
import shlex
import time
from typing import Any, Callable

from clustercheck.bench import engine, gpu, placement, summary_facts, sweep
from clustercheck.bench.endpoint import load_spec
from clustercheck.bench.measure import Measure, measurer, repeated
from clustercheck.facts import describe, emit, plot, save
from clustercheck.inference import probe
from clustercheck.mlops.registry import quiet
from clustercheck.proc import run


def emit_summary(summary: dict[str, Any]) -> None:
    for key, value in summary_facts.facts(summary):
        emit(key, value)


def load_plots(summary: dict[str, Any], title: str) -> None:
    if summary.get("hosts"):
        plot({"title": f"{title}: arrivals sent by each worker ({summary.get('where', '')})", "kind": "bar",
              "x": "worker", "y": "requests",
              "series": [{"name": "sent", "points": [[int(k), n] for k, n in summary["share"].items()]}]})
    plot({"title": f"{title}: latency distribution", "kind": "bar", "x": "latency (ms, log buckets)",
          "y": "requests", "series": [{"name": "requests", "points": summary["histogram_ms"]}]})
    s = summary["series"]
    plot({"title": f"{title}: rate over time", "kind": "line", "x": "second", "y": "requests/s",
          "series": [{"name": "sent", "points": [[r["t"], r["sent"]] for r in s]},
                     {"name": "ok", "points": [[r["t"], r["ok"]] for r in s]},
                     {"name": "errors", "points": [[r["t"], r["errors"]] for r in s]}]})
    plot({"title": f"{title}: latency over time", "kind": "line", "x": "second", "y": "ms",
          "series": [{"name": "p50", "points": [[r["t"], r["p50_ms"]] for r in s if r["p50_ms"] is not None]},
                     {"name": "p95", "points": [[r["t"], r["p95_ms"]] for r in s if r["p95_ms"] is not None]}]})


def load(cfg: dict[str, Any], rate: float, duration: float, with_gpu: bool) -> None:
    spec = load_spec(cfg, rate, duration)
    emit("offered_rate", f"{spec.rate:g}")
    # the GPU check's load only keeps the GPUs beside the sampler busy: it comes from this host; the
    # latency check's comes from where inference.load.distributed places it
    measure = measurer(None if with_gpu else placement.from_inference(cfg), placement.slo_of(cfg["objectives"]))
    repeat = 1 if with_gpu else int(cfg["load"]["repeat"])
    kind, why = gpu.source(cfg["gpu"]) if with_gpu else ("", "not asked")
    emit("gpu_source", kind or f"none: {why}")
    if kind:
        with gpu.Sampler(cfg["gpu"], kind) as sampler:
            summary = repeated(spec, measure, repeat)
        g = sampler.summary(skip_s=spec.warmup_s + 0.5)
        emit("gpu_samples", g["samples"])
        emit("gpu_sample_hz", g["achieved_hz"])
        for d in g["per_gpu"]:
            emit(f"gpu.{d['gpu']}.mean_pct", d["mean"])
            emit(f"gpu.{d['gpu']}.serving", int(d["serving"]))
            emit(f"gpu.{d['gpu']}.uuid", d["uuid"] or "-")
        for err in g["errors"]:
            emit("gpu_error", err)
    else:
        summary = repeated(spec, measure, repeat)
        g = None
    emit_summary(summary)
    save("load.json", {"summary": summary, "gpu": g})
    load_plots(summary, f"open loop {rate:g} req/s")
    if g:
        plot({"title": "GPU utilisation under load, per GPU", "kind": "line", "x": "second", "y": "%",
              "series": [{"name": f"GPU {d['gpu']}" + ("" if d["serving"] else " (not serving)"),
                          "points": [[t, v[d["gpu"]]] for t, v in g["series"] if d["gpu"] in v]}
                         for d in g["per_gpu"]],
              "hlines": [{"y": cfg["objectives"]["gpu_utilization_pct"], "label": "objective"}]})


def trial_suffix(step: dict[str, Any]) -> str:
    """A fact key's suffix for a rate measured again (the sweep confirms its knee): .trial2, .trial3."""
    return f".trial{step['trial']}" if step.get("trial", 1) > 1 else ""


def configured_sweep(cfg: dict[str, Any], spec: engine.LoadSpec, on_step: Callable[[dict[str, Any]], None],
                     bound_scale: float = 1.0, measure: Measure | None = None) -> dict[str, Any]:
    """sweep.run with the target's inference.sweep and objectives; the bound times BOUND_SCALE."""
    obj, sw = cfg["objectives"], cfg["sweep"]
    return sweep.run(spec, [float(r) for r in sw["rates"]], obj["p95_ms"], obj["max_error_rate"], on_step,
                     growth=float(sw["growth"]), max_rate=float(sw["max_rate"]) * bound_scale,
                     refine=int(sw["refine"]), confirm=int(sw["confirm"]), measure=measure)


def run_sweep(cfg: dict[str, Any]) -> None:
    spec = load_spec(cfg, cfg["sweep"]["rates"][0], cfg["sweep"]["step_duration_s"])
    obj = cfg["objectives"]

    def step(s: dict[str, Any]) -> None:
        emit(f"step.{s['target_rate']:g}{trial_suffix(s)}", f"{s['verdict']} p95={s['latency_ms']['p95']}ms "
             f"throughput={s['throughput']}/s errors={s['error_rate']} lag_p99={s['schedule_lag_ms']['p99']}ms")
        if s.get("refused"):
            emit(f"step.{s['target_rate']:g}{trial_suffix(s)}.refused", "; ".join(s["refused"]))

    placed = placement.from_inference(cfg) if cfg["sweep"]["distributed"] else None
    result = configured_sweep(cfg, spec, step, measure=measurer(placed, placement.slo_of(cfg["objectives"])))
    emit("where", result["steps"][0].get("where", "") if result["steps"] else "")
    emit("max_rate", result["max_rate"])
    emit("saturated", "yes" if result["saturated"] else "no")
    emit("stopped", result["stopped"])
    emit("knee", result["knee"])
    emit("spread", result["spread"])
    save("sweep.json", result)
    steps = sorted(result["steps"], key=lambda s: s["target_rate"])  # refined steps come after the miss
    plot({"title": "throughput sweep: p95 latency by offered rate", "kind": "line", "x": "offered req/s",
          "y": "p95 ms", "series": [{"name": "p95", "points": [[s["target_rate"], s["latency_ms"]["p95"]] for s in steps]}],
          "hlines": [{"y": obj["p95_ms"], "label": "objective"}]})
    plot({"title": "throughput sweep: achieved by offered rate", "kind": "line", "x": "offered req/s",
          "y": "ok req/s", "series": [{"name": "throughput", "points": [[s["target_rate"], s["throughput"]] for s in steps]}]})


def cold_start(cfg: dict[str, Any], root: str) -> None:
    ep = cfg["endpoint"]
    command = ep.get("restart_command")
    if not command:
        emit("cold_start", "no restart_command configured")
        return
    limit = max(60.0, cfg["objectives"]["cold_start_s"] * 6)
    start = time.monotonic()
    done = run(shlex.split(command), timeout=limit, cwd=root)
    emit("restart_exit", done.returncode)
    if done.returncode != 0:
        emit("restart_error", (done.stderr or done.stdout).strip().splitlines()[-1:] or "")
        return
    waited, last = probe.wait_good(ep, cfg["samples"][0], limit - (time.monotonic() - start))
    emit("first_good_answer", last)
    emit("cold_start_s", round(time.monotonic() - start, 2))


def model_match(cfg: dict[str, Any], mlflow_url: str, rows: int) -> None:
    """The served model answers as the registry's NAME@ALIAS does, on the samples and on RANDOM rows."""

    ep = cfg["endpoint"]
    name, alias = ep["model_name"], ep.get("registry_alias", "")

    quiet()
    try:
        import mlflow

        mlflow.set_tracking_uri(mlflow_url)
        version = mlflow.MlflowClient().get_model_version_by_alias(name, alias)
        emit("registry_version", f"{name} version {version.version} (@{alias}, run {version.run_id})")
        model = mlflow.pyfunc.load_model(f"models:/{name}@{alias}")
    except Exception as exc:
        emit("registry_version", f"unresolved: {describe(exc)}")
        return
    rng = random.Random(7)
    width = len(cfg["samples"][0]["input"])
    lows = [min(s["input"][i] for s in cfg["samples"]) for i in range(width)]
    highs = [max(s["input"][i] for s in cfg["samples"]) for i in range(width)]
    table = [s["input"] for s in cfg["samples"]]
    table += [[round(rng.uniform(lo * 0.8, hi * 1.2), 2) for lo, hi in zip(lows, highs)] for _ in range(rows)]
    import numpy as np

    want = [str(v) for v in np.asarray(model.predict(np.asarray(table, dtype=float))).ravel().tolist()]
    status, got = probe.predict(ep, table, timeout=cfg["load"]["timeout_s"])
    if isinstance(got, str):
        emit("served", got)
        return
    got_s = [str(v) for v in got]
    emit("rows", len(table))
    emit("agree", sum(a == b for a, b in zip(got_s, want)))
    if got_s != want:
        first = next(i for i, (a, b) in enumerate(zip(got_s, want)) if a != b) if len(got_s) == len(want) else 0
        emit("first_difference", f"row {first}: served {got_s[first] if got_s else '-'}, registry {want[first]}")


def throughput_per_gpu(cfg: dict[str, Any], max_rate: float) -> tuple[float, int, str]:
    """(rate per GPU, GPUs counted, basis) - without a GPU, per serving instance, and why."""
    kind, why = gpu.source(cfg["gpu"])
    count, indices = 0, cfg["gpu"].get("indices")
    if kind == "nvml":
        count = len(gpu.nvml_devices(indices)[0])
    elif kind and indices:
        return max_rate / len(indices), len(indices), f"{len(indices)} GPU(s) (inference.gpu.indices)"
    elif kind:
        why = f"the {kind} metrics do not say which GPUs serve (set inference.gpu.indices)"
    if count:
        return max_rate / count, count, f"{count} GPU(s) via NVML"
    return max_rate, 0, f"per serving instance (no GPU seen: {why})"
