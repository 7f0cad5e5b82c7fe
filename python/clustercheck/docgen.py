"""The test-plan documents (CLOUD-TEST-6), generated from the frameworks and checks on disk so they
never drift: test inventory, component matrix, framework specifications, dependency matrix."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import click

from clustercheck import paths, proc
from clustercheck.command import Group
from clustercheck.errors import UserError

# Which checks validate each component: a pattern over check names (the component matrix's rows);
# everything else is read from the files.
COMPONENTS = {
    "libvirt / QEMU VMs": r"^check-(vm|individual-vm|state-tracking)",
    "ai-how cluster CLI": r"^check-(vm-status-command|vm-lifecycle|individual-vm|gpu-conflict|gpu-concurrent|gpu-error|gpu-switch)",
    "GPU ownership (shared GPUs)": r"^check-(vm-gpu|shared-gpu|gpu-ownership|gpu-conflict|gpu-error|gpu-switch|state-tracking)",
    "S3 object storage (MinIO / SeaweedFS)": r"^check-(minio-|mlflow-artifact-store|mlflow-model-registry)",
    "PostgreSQL": r"^check-(postgresql-|mlflow-schema|mlflow-backend-store)",
    "MLflow tracking and registry": r"^check-(mlflow-|model-loading|inference-service-deploy$)",
    "Model serving": r"^check-(model-serving|inference-|model-loading)",
    "GPU under inference (NVML / DCGM)": r"^check-(gpu-utilization|gpu-replica-scaling|inference-throughput)",
    "KServe": r"^check-(kserve-|inference-service-crd|mlflow-serving-runtime|inference-service-deploy$|autoscaling-|multi-replica-)",
    "Knative Serving": r"^check-(knative-|autoscaling-)",
    "cert-manager": r"^check-cert-manager",
    "Kubernetes (Kubespray)": r"^check-(cluster-health|kubespray-)",
    "CNI": r"^check-(cni|networking)",
    "CoreDNS": r"^check-dns-",
    "NGINX ingress": r"^check-ingress-",
    "metrics-server": r"^check-(metrics-server|multi-replica-)",
    "NVIDIA device plugin / GPU operator": r"^check-gpu-(device-plugin|scheduling)",
    "MUNGE": r"^check-(munge-|node-munge)",
    "SLURM (slurmctld, slurmd, sinfo/srun/sbatch)": r"^check-(slurm-|both-clusters|hpc-only|cold-start|workflow-transition|node-registration|all-nodes-job|hello-world|batch-pipeline|node-slurmd|node-failure-requeue)",
    "SLURM accounting (slurmdbd + MariaDB)": r"^check-slurm-(accounting|job-usage)$",
    "SLURM GRES GPUs": r"^check-(slurm-gres-|node-gpus|node-registration)|^check-workflow-transition$",
    "OpenMPI / PMIx": r"^check-(slurm-pmix|slurm-mpi-ports|mpi-|matrix-product)",
    "OCI containers in SLURM (oci.conf, runc)": r"^check-slurm-container$",
    "Compute-node network (namespaces, bridge)": r"^check-node-network$",
    "Node health (scratch, clock, slurmd's HealthCheckProgram)": r"^check-node-(scratch|clock|health-program)$",
    "Host network (routes, bridges)": r"^check-network-subnets$",
    "Cloud + HPC clusters on one host": r"^check-(both-clusters|hpc-only|cloud-only|cold-start|workflow-transition|shared-gpu-conflict|vm-gpu-transfer)",
    "cgroup isolation (memory, CPUs, devices)": r"^check-cgroup-|^check-container-gpus$",
    "Containers (rootless podman/runc)": r"^check-container-",
    "Image registry (distribution v2)": r"^check-registry-",
    "Prolog / epilog and failure diagnosis": r"^check-(prolog-epilog|failure-diagnosis)$",
    "Monitoring (Prometheus, node exporter, DCGM, Grafana)": r"^check-(node-exporters|dcgm-metrics|grafana)$",
    "Distributed training (PyTorch DDP)": r"^check-ddp-training$",
    "PCIe passthrough (IOMMU, vfio-pci, hostdev)": r"^check-(iommu-group|vfio-binding|domain-hostdev)$",
    "NVIDIA driver and NVML": r"^check-gpu-(driver|device-nodes|nvml)$",
    "GPU node health (NVML: ECC, remaps, XID, PCIe link, throttling, NVLink)":
        r"^check-gpu-(probe|inventory|memory-health|xid|pcie-link|throttling|nvlink|node-acceptance)$",
    "GPU node performance (torch: GEMM, memory and host bandwidth, memory test, NCCL)":
        r"^check-gpu-(probe|matmul|memory-bandwidth|host-bandwidth|memtest|nccl|node-acceptance)$",
}

# What a prerequisite helper a check calls needs, and what the check does without it.
REQUIRES = {
    "mlops_target::require": "an `mlops` section in the target config",
    "mlops_target::require_serving": "a served model (`mlops.serving`)",
    "mlops_target::require_kubernetes": "a Kubernetes cluster with KServe (`kubernetes.kubeconfig`)",
    "inference::require": "an inference endpoint (`inference` section)",
    "inference::require_gpu": "a GPU to sample (NVML on this node, or `inference.gpu.prometheus_url`)",
    "k8s::require": "a Kubernetes cluster (`kubernetes.kubeconfig`)",
    "inference::require_isvc": "a Kubernetes cluster running the InferenceService (`kubernetes.inference`)",
    "cloud_cli::require": "a cloud cluster CLI and libvirt",
    "slurm::require": "a SLURM cluster (`hpc.slurm`)",
    "multi_cluster::require_clusters": "a cloud and an HPC cluster in the cluster YAML (`cloud_vm.cli_config`)",
}


@dataclass
class Check:
    name: str
    suite: str
    summary: str
    depends: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    skips: list[str] = field(default_factory=list)
    helpers: list[str] = field(default_factory=list)


@dataclass
class Framework:
    name: str
    path: str
    suites: list[str]
    stack: list[str]
    help: str


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def frameworks(root: str) -> list[Framework]:
    out = []
    folder = os.path.join(root, "frameworks")
    for name in sorted(os.listdir(folder)):
        if not re.match(r"^test-.*-framework\.sh$", name):
            continue
        text = _read(os.path.join(folder, name))
        suites = re.search(r"^FRAMEWORK_SUITES=\(([^)]*)\)", text, re.M)
        stack = re.search(r"^FRAMEWORK_STACK_COMPONENTS=\(([^)]*)\)", text, re.M)
        # components that follow the config: the comment over framework::hook_components says which
        placed = re.search(r"^# (.*)\nframework::hook_components\(\)", text, re.M)
        helptext = proc.run(["bash", f"frameworks/{name}", "help"], timeout=60, cwd=root, env={**os.environ, "NO_COLOR": "1"}).stdout
        out.append(Framework(name=re.sub(r"^test-|-framework\.sh$", "", name), path=f"frameworks/{name}",
                             suites=suites.group(1).split() if suites else [],
                             stack=[placed.group(1)] if placed else stack.group(1).split() if stack else [],
                             help=helptext.strip()))
    return out


def checks(root: str, suite: str) -> list[Check]:
    folder = os.path.join(root, "suites", suite)
    lib = _read(os.path.join(folder, "lib.sh")) if os.path.exists(os.path.join(folder, "lib.sh")) else ""
    order_file = os.path.join(folder, "ORDER")
    names = sorted(f[:-3] for f in os.listdir(folder) if f.startswith("check-") and f.endswith(".sh"))
    if os.path.exists(order_file):
        listed = [line.strip() for line in _read(order_file).splitlines() if line.strip()]
        names = [n for n in listed if n in names] + [n for n in names if n not in listed]
    out = []
    for name in names:
        text = _read(os.path.join(folder, name + ".sh"))
        summary = re.search(r"^# Check: (.*)$", text, re.M)
        depends = re.search(r"^# depends: (.*)$", text, re.M)
        code = lib + "\n" + text
        needs = [desc for fn, desc in REQUIRES.items() if re.search(rf"(^|\s){re.escape(fn)}(\s|$)", code, re.M)]
        skips = [s for s in re.findall(r'check::skip "([^"]+)"', text)]
        helpers = sorted(set(re.findall(r"(?:facts::run|k8s::facts) [\w-]+ ([\w-]+(?: [a-z][\w-]*){0,2})", text)))
        out.append(Check(name=name, suite=suite, summary=summary.group(1) if summary else "",
                         depends=depends.group(1).split() if depends else [], needs=needs, skips=skips,
                         helpers=helpers))
    return out


def inventory(fws: list[Framework], root: str) -> str:
    lines = ["# Test inventory", "", "Generated by `clustercheck docs generate` from `frameworks/` and `suites/`;",
             "`tests/python/test_docs.py` fails when this file and the checks on disk disagree.", ""]
    total = 0
    for fw in fws:
        lines += [f"## {fw.name} (`{fw.path}`)", ""]
        for suite in fw.suites:
            found = checks(root, suite)
            total += len(found)
            lines += [f"### suites/{suite} ({len(found)} checks)", "", "| check | what it validates | needs | skipped without it |",
                      "| --- | --- | --- | --- |"]
            for c in found:
                needs = "; ".join(c.needs) or "-"
                skips = "; ".join(s.replace("|", "/") for s in c.skips) or ("see needs" if c.needs else "-")
                lines.append(f"| `{c.name}` | {c.summary} | {needs} | {skips} |")
            lines.append("")
    lines.insert(4, f"{len(fws)} frameworks, {total} checks.\n")
    return "\n".join(lines)


def component_matrix(fws: list[Framework], root: str) -> str:
    every = [c for fw in fws for suite in fw.suites for c in checks(root, suite)]
    lines = ["# Component matrix", "", "Which checks validate each component (generated; a check may cover several).",
             "", "| component | checks |", "| --- | --- |"]
    covered = set()
    for comp, pattern in COMPONENTS.items():
        names = [c.name for c in every if re.search(pattern, c.name)]
        covered.update(names)
        lines.append(f"| {comp} | {', '.join(f'`{n}`' for n in names) or '(none)'} |")
    rest = [c.name for c in every if c.name not in covered]
    if rest:
        lines.append(f"| (no component mapped) | {', '.join(f'`{n}`' for n in rest)} |")
    return "\n".join(lines) + "\n"


def specifications(fws: list[Framework]) -> str:
    lines = ["# Framework specifications", "", "Each framework's subcommands, options and exit codes, as its `help` prints them (generated).", ""]
    for fw in fws:
        lines += [f"## {fw.name}", "", f"Suites: {', '.join(fw.suites)}; local stack components: "
                  f"{', '.join(fw.stack) or 'none'}.", "", "```text", fw.help, "```", ""]
    return "\n".join(lines)


def dependency_matrix(fws: list[Framework], root: str) -> str:
    lines = ["# Dependency matrix", "", "Per check: checks it depends on (skipped as blocked when they do not pass), "
             "the Python helper commands it calls, and what it needs from the target (generated).", "",
             "| check | depends on | helper commands | needs |", "| --- | --- | --- | --- |"]
    for fw in fws:
        for suite in fw.suites:
            for c in checks(root, suite):
                lines.append(f"| `{c.name}` | {', '.join(f'`{d}`' for d in c.depends) or '-'} | "
                             f"{', '.join(f'`clustercheck {h}`' for h in c.helpers) or '-'} | {'; '.join(c.needs) or '-'} |")
    return "\n".join(lines) + "\n"


DOCS = {"00-test-inventory.md": "inventory", "02-component-matrix.md": "components",
        "03-framework-specifications.md": "specs", "04-dependency-matrix.md": "dependencies",
        "05-configuration-reference.md": "configuration"}

# A generated block inside a hand-written page: its rows come from the code, the prose around it does not.
BLOCK = re.compile(r"(<!-- generated: ([a-z-]+) \(clustercheck docs generate\) -->\n).*?(<!-- end generated -->)", re.S)
PAGES_WITH_BLOCKS = ("README.md",)


def _make_targets(root: str) -> dict[str, str]:
    """framework script -> the make target that runs the whole framework (the first that does)."""
    text = _read(os.path.join(root, "Makefile")) if os.path.exists(os.path.join(root, "Makefile")) else ""
    found: dict[str, str] = {}
    for target, script in re.findall(r"^([a-z-]+):.*\n\t\$\(FW\)/(test-[a-z-]+-framework\.sh) (?:e2e|all-scenarios) \$\(ARGS\)$",
                                      text, re.M):
        found.setdefault(script, target)
    return found


def _suites(suites: list[str]) -> str:
    """hpc-slurm/a, hpc-slurm/b -> `hpc-slurm/{a,b}`"""
    groups: dict[str, list[str]] = {}
    for suite in suites:
        top, _, sub = suite.partition("/")
        groups.setdefault(top, []).append(sub)
    return ", ".join(f"`{top}/{{{','.join(subs)}}}`" if all(subs) else f"`{top}`" for top, subs in groups.items())


def framework_table(fws: list[Framework], root: str) -> str:
    targets = _make_targets(root)
    rows = ["| framework | make | suites | checks |", "| --- | --- | --- | --- |"]
    for fw in fws:
        script = os.path.basename(fw.path)
        make = f"`make {targets[script]}`" if script in targets else "-"
        count = sum(len(checks(root, suite)) for suite in fw.suites)
        rows.append(f"| `{fw.path}` | {make} | {_suites(fw.suites)} | {count} |")
    return "\n".join(rows) + "\n"


def fill_blocks(text: str, blocks: dict[str, str]) -> str:
    return BLOCK.sub(lambda m: m.group(1) + blocks[m.group(2)] + m.group(3) if m.group(2) in blocks else m.group(0), text)


def render_all(root: str, fws: list[Framework] | None = None) -> dict[str, str]:
    from clustercheck import docref

    fws = frameworks(root) if fws is None else fws
    return {"00-test-inventory.md": inventory(fws, root), "02-component-matrix.md": component_matrix(fws, root),
            "03-framework-specifications.md": specifications(fws), "04-dependency-matrix.md": dependency_matrix(fws, root),
            "05-configuration-reference.md": docref.reference()}


def render_blocks(root: str, fws: list[Framework]) -> dict[str, str]:
    """The hand-written pages that hold generated blocks, with those blocks filled (missing pages left out)."""
    blocks = {"frameworks": framework_table(fws, root)}
    out = {}
    for name in PAGES_WITH_BLOCKS:
        path = os.path.join(root, name)
        if os.path.exists(path):
            out[path] = fill_blocks(_read(path), blocks)
    return out


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def docs() -> None:
    """The test-plan documents, generated from the frameworks and checks."""


@docs.command()
@click.option("--root", default=".", show_default=True, help="The repository root.")
@click.option("--out", default="docs", show_default=True, help="Where the documents go.")
@click.option("--check", "check_only", is_flag=True, help="Exit 1 when a document on disk differs.")
def generate(root: str, out: str, check_only: bool) -> None:
    """Write (or with --check, compare) the test inventory, component and dependency matrices and specs."""

    if not os.path.isdir(os.path.join(root, "frameworks")):
        raise UserError(f"--root: {root} is not the repository root (it has no frameworks/ folder)")
    if not check_only:
        paths.writable_dir(out, "--out")
    stale = []
    fws = frameworks(root)  # each framework's help is run once for the documents and the README's table
    documents = {os.path.join(out, name): text for name, text in render_all(root, fws).items()}
    for path, text in {**documents, **render_blocks(root, fws)}.items():
        current = _read(path) if os.path.exists(path) else None
        if current != text:
            stale.append(path)
            if not check_only:
                os.makedirs(out, exist_ok=True)
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(text)
    if check_only and stale:
        raise click.ClickException(f"out of date: {', '.join(stale)} (run: clustercheck docs generate)")
    click.echo(f"{'checked' if check_only else 'wrote'} {len(DOCS)} documents in {out}"
               + (f"; updated {len(stale)}" if stale and not check_only else ""))
