"""Autoscaling and load balancing of an InferenceService on Kubernetes: its predictor replicas (pods
labelled serving.kserve.io/inferenceservice=NAME) counted while open-loop load runs and after it
stops, and each replica's CPU use from metrics.k8s.io under load."""

from __future__ import annotations

import threading
import time
from typing import Any

from clustercheck.bench import engine
from clustercheck.bench.endpoint import load_spec
from clustercheck.facts import emit, plot
from clustercheck.k8s.client import Cluster

LABEL = "serving.kserve.io/inferenceservice"


def ready_replicas(cluster: Cluster, ns: str, name: str) -> list[str]:
    pods = cluster.core.list_namespaced_pod(ns, label_selector=f"{LABEL}={name}", **cluster.kw()).items
    return [p.metadata.name for p in pods if p.status.phase == "Running"
            and all(cs.ready for cs in p.status.container_statuses or [])]


def _load(inference: dict[str, Any], duration: float) -> threading.Thread:
    spec = load_spec(inference, inference["load"]["rate_rps"], duration)
    spec.warmup_s = 0.0
    emit("offered_rate", f"{spec.rate:g}")

    def go() -> None:
        engine.run(spec)

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    return thread


def _timeline(points: list[list[float]]) -> None:
    plot({"title": "InferenceService replicas", "kind": "line", "x": "second", "y": "ready replicas",
          "series": [{"name": "replicas", "points": points}]})


def scale_up(cluster: Cluster, k8s: dict[str, Any], inference: dict[str, Any]) -> None:
    ns, name = k8s["inference"]["namespace"], k8s["inference"]["name"]
    within = float(inference["objectives"]["autoscale_s"])
    baseline = len(ready_replicas(cluster, ns, name))
    emit("baseline_replicas", baseline)
    start = time.monotonic()
    load = _load(inference, within)
    points, reached = [], None
    while time.monotonic() - start < within:
        n = len(ready_replicas(cluster, ns, name))
        t = round(time.monotonic() - start, 1)
        points.append([t, n])
        if n > baseline and reached is None:
            reached = t
            break
        time.sleep(1)
    emit("max_replicas", max(n for _, n in points) if points else baseline)
    emit("scaled_up_after_s", reached if reached is not None else f"no new replica within {within:g} s")
    load.join(timeout=0.1)  # the engine's run is bounded by its duration; the daemon thread ends with it
    _timeline(points)


def scale_down(cluster: Cluster, k8s: dict[str, Any], inference: dict[str, Any]) -> None:
    ns, name = k8s["inference"]["namespace"], k8s["inference"]["name"]
    floor = int(k8s["inference"]["min_replicas"])
    within = float(inference["objectives"]["autoscale_s"])
    start = time.monotonic()
    points, reached = [], None
    while time.monotonic() - start < within:
        n = len(ready_replicas(cluster, ns, name))
        t = round(time.monotonic() - start, 1)
        points.append([t, n])
        if n <= floor:
            reached = t
            break
        time.sleep(1)
    emit("start_replicas", points[0][1] if points else "")
    emit("min_replicas", floor)
    emit("scaled_down_after_s", reached if reached is not None else f"still {points[-1][1]} replicas after {within:g} s")
    _timeline(points)


def balance(cluster: Cluster, k8s: dict[str, Any], inference: dict[str, Any]) -> None:
    ns, name = k8s["inference"]["namespace"], k8s["inference"]["name"]
    duration = float(inference["load"]["duration_s"])
    load = _load(inference, duration)
    time.sleep(max(1.0, duration * 0.7))  # metrics-server reports a window: read it while load runs
    replicas = set(ready_replicas(cluster, ns, name))
    got = cluster.custom.list_namespaced_custom_object("metrics.k8s.io", "v1beta1", ns, "pods",
                                                       label_selector=f"{LABEL}={name}", **cluster.kw())
    load.join(timeout=duration + 30)
    emit("replicas", len(replicas))
    for item in got.get("items", []):
        pod = item["metadata"]["name"]
        if pod in replicas:
            milli = sum(_millicores(c["usage"].get("cpu", "0")) for c in item.get("containers", []))
            emit(f"cpu.{pod}", milli)


def _millicores(cpu: str) -> float:
    if cpu.endswith("n"):
        return float(cpu[:-1]) / 1e6
    if cpu.endswith("u"):
        return float(cpu[:-1]) / 1e3
    if cpu.endswith("m"):
        return float(cpu[:-1])
    return float(cpu) * 1000
