"""Load from placed workers (issue 30) on this host's processes against the fixture server: merged
percentiles within 1 % of the exact raw figures, each worker's share, a skewed clock refused; what the
schedulers are handed (srun's placement, the Kubernetes objects against the API's schema); the config."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import BIN, ROOT, run

sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
from inference_fixture import running  # noqa: E402
from k8s_fixture import api  # noqa: E402

from clustercheck.bench import distributed, k8s_workers, placement, protocols  # noqa: E402
from clustercheck.bench.engine import LoadSpec  # noqa: E402
from clustercheck.config.load import load  # noqa: E402


def _spec(url: str, rate: float = 200.0, duration: float = 1.5) -> LoadSpec:
    return LoadSpec(url=url, request=protocols.predict_request("mlflow", "cc-iris", [[5.1, 3.5, 1.4, 0.2]]),
                    rate=rate, duration_s=duration, warmup_s=0.5)


@pytest.mark.timing
def test_two_workers_merge_within_one_percent_of_the_raw_latencies() -> None:
    with running("--delay-ms", "3") as url:
        done = run([str(BIN / "clustercheck"), "bench", "run", url, "--rate", "300", "--duration", "2",
                    "--warmup", "0.5", "--on", "host", "--nodes", "2", "--start-lead", "1.5", "--keep-raw", "--json"])
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["workers"] == 2 and got["where"] == "2 processes on this host" and got["refused"] == []
    assert got["kept_schedule"] is True and got["requests"] == 600 and got["ok"] == 600
    assert got["share"] == {"0": 375, "1": 375}  # warm-up included: 750 arrivals dealt out in turn
    assert all(err < 0.01 for err in got["merge_error"].values()), got["merge_error"]
    assert got["latency_ms"]["p50"] >= 3.0  # the fixture never answers before its delay


@pytest.mark.timing
def test_a_worker_whose_clock_is_off_starts_on_time_one_measured_over_a_long_round_trip_is_refused() -> None:
    # worker 1's clock reads 50 ms ahead: measured, corrected, on time - never refused for the offset itself
    p = distributed.Placement(on="host", workers=2, start_lead_s=1.2, test_clock_skew_s={"1": 0.05})
    with running() as url:
        got = distributed.run(_spec(url, rate=100, duration=0.5), p)
    assert got["refused"] == [] and got["kept_schedule"] is True
    assert -60 < got["clock_offset_ms"]["1"] < -40
    # worker 1's clock answers come back 200 ms late: its start is known only to 100 ms
    p = distributed.Placement(on="host", workers=2, start_lead_s=2.5, test_clock_delay_s={"1": 0.2})
    with running() as url:
        got = distributed.run(_spec(url, rate=100, duration=0.5), p)
    assert got["kept_schedule"] is False
    assert any(line.startswith("worker 1 (") and "ms round trip, so its start is known only to" in line
               for line in got["refused"]), got["refused"]
    assert not any(line.startswith("worker 0 ") for line in got["refused"])


def test_a_worker_that_cannot_reach_the_server_fails_the_run_with_errors() -> None:
    p = distributed.Placement(on="host", workers=2, start_lead_s=1.2)
    got = distributed.run(_spec("http://127.0.0.1:9", rate=20, duration=0.5), p)
    assert got["ok"] == 0 and got["error_rate"] == 1.0 and got["errors"] == {"connection": got["requests"]}


def test_srun_places_one_worker_per_node_in_the_partition() -> None:
    p = distributed.Placement(on="slurm", workers=4, partition="gpu", python="/opt/py/bin/python")
    cmd = distributed.srun_command(p, "/jobs/plan.json", "/jobs/reports", 2, "cc-load-x")
    assert cmd[:9] == ["srun", "-p", "gpu", "-N", "4", "-n", "4", "--ntasks-per-node=1", "--kill-on-bad-exit=1"]
    assert "--immediate=5" in cmd and "--job-name=cc-load-x" in cmd  # a busy cluster is not waited for
    assert cmd[cmd.index("/opt/py/bin/python"):] == ["/opt/py/bin/python", "-m", "clustercheck", "bench", "worker",
                                                     "--plan", "/jobs/plan.json", "--out", "/jobs/reports"]
    two_per = distributed.srun_command(distributed.Placement(on="slurm", workers=4, tasks_per_node=2, partition="gpu"),
                                       "p", "o", 2, "cc-load-x")
    assert two_per[3:8] == ["-N", "2", "-n", "4", "--ntasks-per-node=2"]


def _k8s_version() -> str:
    info = json.loads((ROOT / "tests" / "fixtures" / "k8s" / "healthy" / "version.json").read_text())
    return f"{info['major']}.{info['minor'].rstrip('+')}.0"


def test_the_indexed_job_and_its_plan_match_the_api_schema() -> None:
    import kubernetes_validate

    p = distributed.Placement(on="kubernetes", workers=3, image="registry.example/clustercheck:1")
    plan = distributed.plan(_spec("http://10.0.0.5:8080"), p, 1_800_000_000.0, "http://10.0.0.1:4000/time")
    config_map, job = k8s_workers.manifests(plan, p.image, "00042", 300)
    for obj in (config_map, job):
        kubernetes_validate.validate(obj, _k8s_version(), strict=True)
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed" and spec["completions"] == spec["parallelism"] == 3
    anti = spec["template"]["spec"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert anti[0]["topologyKey"] == "kubernetes.io/hostname"  # one worker per node
    assert json.loads(config_map["data"]["plan.json"]) == plan
    # a broken manifest fails the same validation
    bad = json.loads(json.dumps(job))
    bad["spec"]["completionMode"] = 3
    with pytest.raises(Exception):
        kubernetes_validate.validate(bad, _k8s_version(), strict=True)


def test_the_cli_prints_the_kubernetes_objects() -> None:
    done = run([str(BIN / "clustercheck"), "bench", "k8s-manifest", "http://10.0.0.5:8080", "--rate", "500", "--nodes", "4"])
    assert done.returncode == 0, done.stderr
    items = json.loads(done.stdout)["items"]
    assert [i["kind"] for i in items] == ["ConfigMap", "Job"] and items[1]["spec"]["completions"] == 4


def test_a_worker_report_is_read_from_the_pod_log() -> None:
    assert k8s_workers.report_from_log(1, 'starting\n{"worker": 1, "sent": 5}\n') == {"worker": 1, "sent": 5}
    assert k8s_workers.report_from_log(1, '{"worker": 0}\n') is None
    assert k8s_workers.report_from_log(0, "Traceback ...\n") is None


def _local_with(tmp_path: Path, drop: tuple[str, ...] = (), **distributed_cfg: Any) -> tuple[str, dict[str, Any]]:
    import yaml

    data = yaml.safe_load((ROOT / "test-infra" / "configs" / "local.yaml").read_text())
    for section in drop:
        del data[section]
    data["inference"]["load"]["distributed"] = distributed_cfg
    data["inference"]["objectives"]["goodput"] = {"e2e_ms": 250}
    path = ROOT / "test-infra" / "configs" / f".test-{tmp_path.name}.yaml"  # relative paths resolve beside it
    path.write_text(yaml.safe_dump(data))
    try:
        return str(path), load(str(path))
    finally:
        path.unlink()


def test_the_config_places_workers_on_the_local_clusters_nodes(tmp_path: Path) -> None:
    path, data = _local_with(tmp_path, runs_on="slurm", workers=2)
    p = placement.from_config(path, data, placement.slo_of(data["inference"]["objectives"]))
    assert p is not None and p.on == "slurm" and p.workers == 2 and p.partition == "gpu"
    assert p.coordinator_address == data["hpc"]["local"]["controller_address"] == "10.99.0.1"
    assert p.work_dir == data["hpc"]["slurm"]["work_dir"] and p.python == data["hpc"]["slurm"]["python"]
    assert p.slo == {"e2e_s": 0.25} and p.where() == "2 SLURM job steps in partition gpu"
    path, data = _local_with(tmp_path)
    assert placement.from_config(path, data, {}) is None  # default: this host, as before


def test_a_placement_without_its_scheduler_is_a_config_error(tmp_path: Path) -> None:
    from clustercheck.errors import UserError

    path, data = _local_with(tmp_path, drop=("kubernetes",), runs_on="kubernetes")
    with pytest.raises(UserError, match=r"kubernetes.kubeconfig: is missing"):
        placement.from_config(path, data, {})


def test_a_worker_without_an_index_is_one_line_exit_2(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"workers": 2, "spec": {}}))
    done = run([str(BIN / "clustercheck"), "bench", "worker", "--plan", str(plan)])
    assert done.returncode == 2 and "no worker index" in done.stderr and "Traceback" not in done.stderr


def test_kubernetes_workers_through_the_real_client(tmp_path: Path) -> None:
    """The Indexed Job over the API stand-in (tests/fixtures/k8s_api.py): the plan's ConfigMap and the Job
    created in a namespace of their own, each index's report read from its pod's log and merged with the
    pod's node as its host, the namespace deleted."""
    from clustercheck.bench.recorder import Recorder

    logs = []
    for k in range(2):
        rec = Recorder(warmup_s=0.5, duration_s=1.0)
        for i in range(100):
            t = 0.5 + i * 0.01
            rec.add((t, t, t + 0.004 + 0.001 * k, 200, -1.0, 0))
        report = {"worker": k, "host": f"pod-{k}", "scheduled": 100, "sent": 100, "schedule_lag_p99_ms": 0.2,
                  "clock_offset_ms": 1.5, **rec.report()}
        logs.append("starting\n" + json.dumps(report) + "\n")
    scenario = tmp_path / "k8s" / "load"
    scenario.mkdir(parents=True)
    (scenario / "pods.json").write_text(json.dumps({"cc-load-": {"phase": "Succeeded", "logs": logs}}))
    (tmp_path / "k8s" / "healthy").symlink_to(ROOT / "tests" / "fixtures" / "k8s" / "healthy")
    with api(tmp_path, tmp_path / "k8s", "healthy,load") as kubeconfig:
        p = distributed.Placement(on="kubernetes", workers=2, start_lead_s=1.0,
                                  kube={"kubeconfig": str(kubeconfig), "timeout_s": 3})
        got = distributed.run(_spec("http://10.0.0.5:8080", rate=200, duration=1.0), p)
    assert got["where"] == "2 pods of a Kubernetes Indexed Job" and got["refused"] == []
    assert got["hosts"] == {"0": "node-0", "1": "node-1"} and got["requests"] == 200 and got["kept_schedule"]
    assert 4.0 <= got["latency_ms"]["p50"] <= 5.1
    journal = (tmp_path / "journal").read_text()
    assert "/configmaps cc-load-" in journal and "/jobs cc-load-" in journal
    assert "delete /api/v1/namespaces/cc-load-" in journal


def test_sigterm_mid_run_leaves_no_worker_and_no_plan(tmp_path: Path) -> None:
    """The runner's timeout or an interrupt (SIGTERM) unwinds a placed run: its workers are killed and its
    plan directory removed (with SLURM, its step is cancelled by name)."""
    import os
    import signal
    import subprocess
    import time

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with running() as url:
        code = ("import sys\nfrom clustercheck.bench import distributed, engine, protocols\n"
                f"spec = engine.LoadSpec(url={url!r}, request=protocols.predict_request('mlflow', 'm', [[1, 2, 3, 4]]),"
                " rate=50, duration_s=30, warmup_s=0.5)\n"
                "distributed.run(spec, distributed.Placement(on='host', workers=2, start_lead_s=1.0))\n")
        proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "TMPDIR": str(scratch)})
        time.sleep(3.0)
        assert list(scratch.iterdir()), "the run made no plan directory"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 143
    assert list(scratch.iterdir()) == []
    left = [p for p in Path("/proc").glob("[0-9]*") if str(scratch) in _cmdline(p)]
    assert left == [], left


def _cmdline(proc_dir: Path) -> str:
    try:
        return (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_goodput_is_judged_on_this_hosts_load_too() -> None:
    """SLOs apply wherever the load comes from: a run without placed workers reports goodput as well."""
    with running("--delay-ms", "3") as url:
        done = run([str(BIN / "clustercheck"), "bench", "run", url, "--rate", "50", "--duration", "1",
                    "--warmup", "0.2", "--slo-e2e-ms", "1", "--json"])
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["where"].endswith("on this host") and got["goodput"]["good"] == 0  # nothing answers within 1 ms
    assert got["goodput"]["slo_ms"] == {"e2e_ms": 1.0} and got["goodput"]["share"] == 0.0


def test_slurm_workers_run_in_the_sites_reservation_and_qos() -> None:
    p = distributed.Placement(on="slurm", workers=2, partition="gpu", reservation="cc-acceptance", qos="high")
    cmd = distributed.srun_command(p, "plan.json", "out", 2, "cc-load")
    assert "--reservation=cc-acceptance" in cmd and "--qos=high" in cmd
    assert not any(a.startswith(("--reservation", "--qos")) for a in distributed.srun_command(
        distributed.Placement(on="slurm", workers=2, partition="gpu"), "plan.json", "out", 2, "cc-load"))
