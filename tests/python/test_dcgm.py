"""DCGM metrics judged per GPU node (clustercheck dcgm per-node) on dcgm-exporter scrapes."""

from __future__ import annotations

from pathlib import Path

from clustercheck.dcgm import judge

from conftest import BIN, ROOT, run

SCRAPES = ROOT / "tests" / "fixtures" / "dcgm"
NODES = {"cc-cn01": (2, {"cc-cn01", "10.99.0.11"}), "cc-cn02": (2, {"cc-cn02", "10.99.0.12"})}


def test_every_gpu_of_every_node_served() -> None:
    assert judge((SCRAPES / "two-nodes.prom").read_text(), NODES) == ([], 4)


def test_a_gpu_without_its_memory_series_names_the_node() -> None:
    failures, _ = judge((SCRAPES / "cn02-gpu1-no-memory.prom").read_text(), NODES)
    assert failures == ["cc-cn02: 2 GPU(s), but DCGM_FI_DEV_FB_USED for 1"]


def test_a_node_the_exporter_does_not_serve_is_named() -> None:
    nodes = {**NODES, "cc-cn03": (4, {"cc-cn03"})}
    failures, _ = judge((SCRAPES / "two-nodes.prom").read_text(), nodes)
    assert failures == ["cc-cn03: no DCGM metrics for its 4 GPU(s) (no series)"]


def test_more_gpus_than_served_fails_even_with_both_metrics() -> None:
    nodes = {"cc-cn01": (4, {"cc-cn01"})}
    failures, _ = judge((SCRAPES / "two-nodes.prom").read_text(), nodes)
    assert failures == ["cc-cn01: 4 GPU(s), but DCGM_FI_DEV_GPU_UTIL for 2, DCGM_FI_DEV_FB_USED for 2"]


def test_series_without_hostname_stand_for_a_lone_node_only() -> None:
    text = "\n".join(l.replace(',Hostname="cc-cn01"', "") for l in (SCRAPES / "two-nodes.prom").read_text().splitlines()
                     if "cc-cn02" not in l)
    assert judge(text, {"cc-cn01": (2, {"cc-cn01"})}) == ([], 2)
    failures, _ = judge(text, NODES)
    assert "cc-cn01: no DCGM metrics for its 2 GPU(s) (series carry no Hostname label)" in failures


def test_the_command_exits_1_naming_the_node(tmp_path: Path) -> None:
    result = run([str(BIN / "clustercheck"), "dcgm", "per-node", str(SCRAPES / "cn02-gpu1-no-memory.prom"),
                  "--node", "cc-cn01:2", "--node", "cc-cn02:2:10.99.0.12"])
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == ["cc-cn02: 2 GPU(s), but DCGM_FI_DEV_FB_USED for 1", "gpus 3"]
    bad = run([str(BIN / "clustercheck"), "dcgm", "per-node", str(SCRAPES / "two-nodes.prom"), "--node", "cc-cn01"])
    assert bad.returncode == 2
    assert "--node" in bad.stderr
