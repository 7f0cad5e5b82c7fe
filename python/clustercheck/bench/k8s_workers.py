"""Load workers as a Kubernetes Indexed Job: N pods (completionMode Indexed, so each has its
JOB_COMPLETION_INDEX), at most one per node (a required pod anti-affinity on the host name), each running
`clustercheck bench worker` from the configured image on the run's plan (a ConfigMap mounted read-only)
and printing its report as the last line of its log. The Job and its ConfigMap live in a namespace of
their own, deleted on every exit path (clustercheck.k8s.pods.namespace)."""

from __future__ import annotations

import json
import time
from typing import Any

from clustercheck.k8s.client import Cluster
from clustercheck.k8s.pods import namespace

LABEL = "clustercheck/load-run"
PLAN_DIR = "/etc/clustercheck-load"


def manifests(plan: dict[str, Any], image: str, run_id: str, deadline_s: int,
              host_network: bool = False) -> list[dict[str, Any]]:
    """The ConfigMap holding the plan and the Indexed Job running one worker per index (in their nodes'
    network with HOST_NETWORK)."""
    n = int(plan["workers"])
    name = f"cc-load-{run_id}"
    labels = {"app.kubernetes.io/managed-by": "clustercheck", LABEL: run_id}
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels},
                  "data": {"plan.json": json.dumps(plan)}}
    container = {
        "name": "worker", "image": image,
        "command": ["python3", "-m", "clustercheck", "bench", "worker", "--plan", f"{PLAN_DIR}/plan.json"],
        "volumeMounts": [{"name": "plan", "mountPath": PLAN_DIR, "readOnly": True}],
        "resources": {"requests": {"cpu": "1", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
    }
    job = {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "labels": labels},
        "spec": {
            "completionMode": "Indexed", "completions": n, "parallelism": n, "backoffLimit": 0,
            "activeDeadlineSeconds": deadline_s,
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "restartPolicy": "Never",
                    "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                        {"labelSelector": {"matchLabels": {LABEL: run_id}}, "topologyKey": "kubernetes.io/hostname"}]}},
                    "containers": [container],
                    "volumes": [{"name": "plan", "configMap": {"name": name}}],
                    **({"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"} if host_network else {}),
                },
            },
        },
    }
    return [config_map, job]


def report_from_log(index: int, log: str) -> dict[str, Any] | None:
    """The report a worker pod printed last, or None."""
    for line in reversed(log.strip().splitlines()):
        if line.startswith("{"):
            try:
                got = dict(json.loads(line))
            except ValueError:
                return None
            return got if got.get("worker") == index else None
    return None


def run(p: Any, plan: dict[str, Any], limit_s: float) -> tuple[list[dict[str, Any]], int, str]:
    """Run the workers on the configured cluster; (reports, 0 or 1, what went wrong)."""
    from kubernetes import client

    cluster = Cluster(p.kube)
    run_id = f"{int(time.time()) % 100000:05d}"
    config_map, job = manifests(plan, p.image, run_id, int(limit_s), p.host_network)
    batch = client.BatchV1Api(cluster.api)
    deadline = time.monotonic() + limit_s
    with namespace(cluster, "load") as ns:
        cluster.core.create_namespaced_config_map(ns, config_map, **cluster.kw())
        batch.create_namespaced_job(ns, job, **cluster.kw())
        name = job["metadata"]["name"]
        while time.monotonic() < deadline:
            status = batch.read_namespaced_job(name, ns, **cluster.kw()).status
            if (status.succeeded or 0) + (status.failed or 0) >= int(plan["workers"]):
                break
            time.sleep(2)
        reports, missing = [], []
        pods = cluster.core.list_namespaced_pod(ns, label_selector=f"job-name={name}", **cluster.kw()).items
        for pod in pods:
            index = int((pod.metadata.annotations or {}).get("batch.kubernetes.io/job-completion-index", "-1"))
            log = cluster.core.read_namespaced_pod_log(pod.metadata.name, ns, **cluster.kw())
            got = report_from_log(index, log)
            if got is None:
                missing.append(f"pod {pod.metadata.name} (index {index}) printed no report")
            else:
                got["host"] = pod.spec.node_name or got.get("host", "")
                reports.append(got)
    return reports, (1 if missing else 0), "; ".join(missing)
