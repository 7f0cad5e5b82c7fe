"""`clustercheck gpu-node`: probe this node's GPUs (passive NVML facts and the active measurements, one
process), judge the probe records of every node one check at a time, and the passive verdict alone for
SLURM's HealthCheckProgram."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from clustercheck.command import Group
from clustercheck.config import resolve
from clustercheck.errors import UserError
from clustercheck.facts import declares, emit
from clustercheck.gpunode.judge import CHECKS as CHECK_NAMES

NO_NVML_EXIT = 3


def _probe(node: str, passive: bool, memtest_fraction: float, lookback_s: float, hold_s: float) -> dict[str, Any]:
    from clustercheck.gpunode import probe

    sim = os.environ.get("CC_NVML_SIM")
    try:
        skipped = "passive checks only (--passive)" if passive else \
            f"simulated GPUs (NVML answers from {Path(sim).name}): the active checks need a real GPU" if sim else ""
        return probe.run(node, skipped, memtest_fraction=memtest_fraction, xid_lookback_s=lookback_s, hold_s=hold_s)
    except RuntimeError as exc:
        return {"version": probe.PROBE_VERSION, "node": node, "error": str(exc)}


@click.group("gpu-node", cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def gpu_node() -> None:
    """GPU node acceptance: probe a node's GPUs, judge every node's probe."""


@gpu_node.command("probe")
@click.option("--node", default="", help="the node's name in the record (default: the host name)")
@click.option("--passive", is_flag=True, help="NVML facts only: no torch, seconds")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="write the record here (default: stdout)")
@click.option("--memtest-fraction", type=click.FloatRange(0.05, 0.95), default=0.8, show_default=True,
              help="share of the free GPU memory the memory test writes and reads back")
@click.option("--xid-lookback-s", type=click.FloatRange(0), default=3600, show_default=True,
              help="kernel-log XID lines this recent count")
@click.option("--hold-s", type=click.FloatRange(0, 600), default=0.0, help="keep watching XIDs this long after the measurements")
def probe_cmd(node: str, passive: bool, out: Path | None, memtest_fraction: float, xid_lookback_s: float, hold_s: float) -> None:
    """Probe this node's GPUs; one JSON record. Exit 3 when NVML cannot answer (the record says why)."""
    record = _probe(node, passive, memtest_fraction, xid_lookback_s, hold_s)
    text = json.dumps(record, separators=(",", ":"))
    if out:
        tmp = out.with_name(out.name + ".part")
        tmp.write_text(text + "\n")
        tmp.replace(out)  # a reader never sees half a record
    else:
        click.echo(text)
    if "error" in record:
        click.echo(f"clustercheck gpu-node: {record['node'] or 'this node'}: {record['error']}", err=True)
        sys.exit(NO_NVML_EXIT)


def _records(paths: tuple[Path, ...]) -> list[dict[str, Any]]:
    records = []
    for p in paths:
        try:
            r = json.loads(p.read_text())
        except (OSError, ValueError) as exc:
            raise UserError(f"{p}: not a probe record ({exc})") from None
        if not isinstance(r, dict) or "node" not in r or ("gpus" not in r and "error" not in r):
            raise UserError(f"{p}: not a probe record (no node and gpus)")
        records.append(r)
    return records


@gpu_node.command("judge")
@click.argument("check", type=click.Choice(sorted(CHECK_NAMES)))
@click.argument("probes", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), help="target config (gpu_node)")
@declares("fail", "note", "metric", "node", "skip", "summary")
def judge_cmd(check: str, probes: tuple[Path, ...], config_path: str | None) -> None:
    """Judge CHECK over the PROBES records of every node. Prints facts: 'fail', 'note', 'metric NAME VALUE
    UNIT', 'node NAME passed|failed|skipped WHY', 'skip WHY', 'summary TEXT' (tab-separated)."""
    from clustercheck.gpunode import judge

    cfg = resolve.gpu_node(config_path)  # the schema's defaults filled in
    records = _records(probes)
    broken = [r for r in records if "error" in r]
    verdict = judge.run(check, [r for r in records if "error" not in r], cfg)
    for r in broken:
        verdict.fail(r["node"], f"no probe: {r['error']}")
    for f in verdict.failures:
        emit("fail", f)
    for n in verdict.notes:
        emit("note", n)
    for name, value, unit in verdict.metrics:
        emit("metric", name, value, unit)
    for node in sorted({r["node"] for r in records}):
        if verdict.nodes.get(node):
            emit("node", node, "failed", "; ".join(verdict.nodes[node]))
        elif node in verdict.nodes:
            emit("node", node, "passed", "")
        else:
            emit("node", node, "skipped", verdict.not_applicable.get(node, "not judged"))
    if verdict.skip and not verdict.failures:
        emit("skip", verdict.skip)
    emit("summary", verdict.summary)


@gpu_node.command("health")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), help="target config (gpu_node)")
@click.option("--settings", "settings_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="the gpu_node section as JSON (what Ansible writes beside the health check program)")
@click.option("--node", default="", help="the node's name (default: the host name)")
def health_cmd(config_path: str | None, settings_path: Path | None, node: str) -> None:
    """The passive checks on this node, for slurmd's HealthCheckProgram: 'ok', or one 'FAIL CHECK: what'
    line per problem and exit 1."""
    from clustercheck.gpunode import judge

    section = resolve.gpu_node(config_path)
    if settings_path:
        try:
            section = json.loads(settings_path.read_text())
        except (OSError, ValueError) as exc:
            raise UserError(f"{settings_path}: not the gpu_node settings ({exc})") from None
    cfg = judge.settings(section)
    lookback = float(cfg["xid"]["kernel_log_lookback_s"])
    record = _probe(node, True, 0.8, lookback, 0.0)
    if "error" in record:
        click.echo(f"FAIL gpu-node: {record['error']}")
        sys.exit(1)
    problems = [f"{name}: {f.split(': ', 1)[-1]}" for name in judge.PASSIVE for f in judge.CHECKS[name]([record], cfg).failures]
    for p in problems:
        click.echo(f"FAIL {p}")
    if problems:
        sys.exit(1)
    click.echo("ok")


@gpu_node.command("k8s-jobs")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False), help="target config")
@click.option("--node", "specs", multiple=True, metavar="NAME:GPUS", help="write the Job for this node (repeatable)")
def k8s_jobs_cmd(config_path: str, specs: tuple[str, ...]) -> None:
    """Print the Jobs (YAML, one document each) that probe the given GPU nodes."""

    from clustercheck.gpunode import k8s_jobs

    section = resolve.gpu_node(config_path)
    docs = []
    for spec in specs:
        name, _, gpus = spec.partition(":")
        if not name or not gpus.isdigit() or int(gpus) < 1:
            raise click.BadParameter(f"{spec!r}: expected NAME:GPUS", param_hint="--node")
        docs.append(k8s_jobs.manifest(name, int(gpus), section))
    click.echo(yaml.safe_dump_all(docs, sort_keys=False), nl=False)


@gpu_node.command("k8s-mark-unhealthy")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False), help="target config")
@click.option("--check", required=True, help="the check that failed the node (the taint's value)")
@click.option("--why", required=True, help="what the check saw (the node's annotation)")
@click.argument("node")
def k8s_mark_unhealthy_cmd(config_path: str, check: str, why: str, node: str) -> None:
    """Taint NODE clustercheck.io/gpu-unhealthy=CHECK:NoSchedule and label it gpu-health=failed (gpu_node.drain_on_failure)."""
    from clustercheck.gpunode import k8s_jobs
    from clustercheck.k8s.client import Cluster, describe

    cluster = Cluster(resolve.kubernetes(config_path)[1]["kubernetes"])
    try:
        click.echo(k8s_jobs.mark_unhealthy(cluster, node, check, why))
    except Exception as exc:  # an API error names the cluster, never a traceback
        raise UserError(f"gpu-node k8s-mark-unhealthy: {describe(exc, cluster.host)}") from None


@gpu_node.command("k8s-probe")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False), help="target config")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="one record per node here")
def k8s_probe_cmd(config_path: str, out_dir: Path) -> None:
    """Probe every GPU node of the configured cluster at once, one Job each (namespace deleted after)."""
    from clustercheck.gpunode import k8s_jobs
    from clustercheck.k8s.client import Cluster, describe

    data = resolve.kubernetes(config_path)[1]
    cluster = Cluster(data["kubernetes"])
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        nodes = k8s_jobs.run(cluster, resolve.gpu_node_of(data), out_dir)
    except Exception as exc:  # an API error names the cluster, never a traceback
        raise UserError(f"gpu-node k8s-probe: {describe(exc, cluster.host)}") from None
    click.echo(f"probed {len(nodes)} node(s): {', '.join(nodes)}")
