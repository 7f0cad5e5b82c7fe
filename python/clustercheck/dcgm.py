"""DCGM exporter metrics judged per GPU node: each node SLURM gives N GPUs (its gpu GRES) must have a
utilisation and a framebuffer series for N GPUs. The exporter labels each series with the node
(Hostname) and the GPU (gpu, UUID); a node is matched by its name, host name or address."""

from __future__ import annotations

import re
from pathlib import Path

import click

from clustercheck.command import Group

METRICS = ("DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED")
_SERIES = re.compile(r"^([A-Za-z_:][\w:]*)\{(.*)\}\s+\S+")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def series(text: str) -> list[tuple[str, dict[str, str]]]:
    """(metric, labels) of every labelled sample of METRICS in a Prometheus text exposition."""
    out = []
    for line in text.splitlines():
        m = _SERIES.match(line)
        if m and m.group(1) in METRICS:
            out.append((m.group(1), dict(_LABEL.findall(m.group(2)))))
    return out


def judge(text: str, nodes: dict[str, tuple[int, set[str]]]) -> tuple[list[str], int]:
    """Failures (one per node, naming it) and the number of GPUs seen, for NODES: name -> (GPUs the
    node has, the names it may carry in the Hostname label)."""
    found = series(text)
    unlabelled = [labels for _, labels in found if not labels.get("Hostname")]
    failures: list[str] = []
    seen = 0
    for node, (want, names) in sorted(nodes.items()):
        per_metric: dict[str, set[str]] = {m: set() for m in METRICS}
        for position, (metric, labels) in enumerate(found):
            host = labels.get("Hostname")
            # An exporter without Hostname labels serves one node's GPUs: it can stand for a lone node.
            if host in names or (not host and len(nodes) == 1):
                per_metric[metric].add(labels.get("gpu") or labels.get("UUID") or f"#{position}")
        got = {m: len(g) for m, g in per_metric.items()}
        seen += min(got.values())
        if not any(got.values()):
            why = "series carry no Hostname label" if unlabelled and len(nodes) > 1 else "no series"
            failures.append(f"{node}: no DCGM metrics for its {want} GPU(s) ({why})")
            continue
        short = [f"{m} for {got[m]}" for m in METRICS if got[m] < want]
        if short:
            failures.append(f"{node}: {want} GPU(s), but {', '.join(short)}")
    return failures, seen


def _node(spec: str) -> tuple[str, tuple[int, set[str]]]:
    parts = spec.split(":")
    if len(parts) < 2 or not parts[1].isdigit():
        raise click.BadParameter(f"{spec!r}: expected NAME:GPUS[:ALIAS,...]", param_hint="--node")
    names = {parts[0], *filter(None, (parts[2] if len(parts) > 2 else "").split(","))}
    return parts[0], (int(parts[1]), names)


@click.group("dcgm", cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def dcgm() -> None:
    """DCGM exporter metrics."""


@dcgm.command("per-node")
@click.argument("metrics", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--node", "specs", multiple=True, required=True, metavar="NAME:GPUS[:ALIAS,...]",
              help="a GPU node, its GPU count and the other names its Hostname label may carry")
def per_node_cmd(metrics: Path, specs: tuple[str, ...]) -> None:
    """Judge a scrape (METRICS) per GPU node: prints one line per node that misses a GPU's series and
    'gpus N' last; exit 1 when a node misses one."""
    failures, seen = judge(metrics.read_text(errors="replace"), dict(_node(s) for s in specs))
    for f in failures:
        click.echo(f)
    click.echo(f"gpus {seen}")
    raise SystemExit(1 if failures else 0)
