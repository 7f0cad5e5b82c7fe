"""`clustercheck bench`: HTTP load against an inference endpoint - open or closed loop, sweeps."""

from __future__ import annotations

import json
from typing import Any

import click

from clustercheck import facts, paths
from clustercheck.bench import summary_facts
from clustercheck.command import Group
from clustercheck.errors import UserError


def _request(protocol: str, model: str, rows: str | None, size: str | None) -> Any:
    from clustercheck.bench import protocols

    if protocol not in protocols.PROTOCOLS:
        raise UserError(f"--protocol must be one of {', '.join(protocols.PROTOCOLS)}")
    try:
        if protocol in protocols.STREAMING:
            return protocols.generate_request(protocol, model, size or "D(16,16)")
        parsed = json.loads(rows or "[[5.1, 3.5, 1.4, 0.2]]")
        return protocols.predict_request(protocol, model, parsed)
    except (ValueError, TypeError, IndexError) as exc:
        raise UserError(f"bad request options: {exc}") from None


def _spec(url: str, request: Any, **kw: Any) -> Any:
    from clustercheck.bench.engine import LoadSpec

    return LoadSpec(url=url.rstrip("/"), request=request, **kw)


def _check_inputs(url: str, out: str | None) -> None:
    """Before any load is sent: the URL is one, and --out can be written."""

    paths.http_url(url, "URL")
    if out is not None:
        paths.writable_file(out, "--out")


def _print_summary(summary: dict[str, Any], out: str | None, as_json: bool) -> None:
    text = json.dumps(summary, indent=2)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    if as_json:
        click.echo(text)
        return
    for key, value in summary_facts.facts(summary):
        facts.emit(key, value)


load_options = [
    click.argument("url"),
    click.option("--protocol", default="mlflow", show_default=True, help="v1, v2, mlflow, openai-completions, openai-chat"),
    click.option("--model", default="model", show_default=True, help="Model name in the request path/body."),
    click.option("--rows", help="Feature rows as JSON, e.g. '[[5.1,3.5,1.4,0.2]]' (prediction protocols)."),
    click.option("--size", help="D(input_tokens,output_tokens) for the OpenAI protocols."),
    click.option("--arrival", type=click.Choice(["constant", "poisson", "gamma"]), default="constant", show_default=True,
                 help="Open-loop arrivals (gamma: with --burstiness)."),
    click.option("--burstiness", type=click.FloatRange(0, 1000, min_open=True), default=1.0, show_default=True,
                 help="--arrival gamma: 1 is Poisson, below 1 burstier, above 1 more regular (vLLM's definition)."),
    click.option("--duration", type=click.FloatRange(0, 86400, min_open=True), default=10.0, show_default=True,
                 help="Measured seconds."),
    click.option("--warmup", type=click.FloatRange(0, 3600), default=1.0, show_default=True,
                 help="Seconds sent first and not counted."),
    click.option("--timeout", type=click.FloatRange(0, 3600, min_open=True), default=10.0, show_default=True,
                 help="Per request, seconds."),
    click.option("--max-requests", type=click.IntRange(1, 100_000_000), default=1_000_000, show_default=True,
                 help="Hard bound on requests."),
    click.option("--workers", type=click.IntRange(0, 256), default=0, help="Worker processes (default: as the load needs)."),
    click.option("--out", help="Also write the full result (series, histogram) as JSON here."),
    click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON instead of facts."),
]


def _with_load_options(fn: Any) -> Any:
    for option in reversed(load_options):
        fn = option(fn)
    return fn


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def bench() -> None:
    """HTTP load generation against inference endpoints (facts on stdout, JSON with --json/--out)."""


@bench.command("run")
@_with_load_options
@click.option("--rate", type=click.FloatRange(0, 1_000_000, min_open=True), help="Open loop: requests per second, sent on schedule.")
@click.option("--concurrency", type=click.IntRange(1, 100_000), help="Closed loop: this many requests in flight.")
@click.option("--on", "on", type=click.Choice(["host", "slurm", "kubernetes"]),
              help="Open loop from placed workers: processes here, SLURM job steps (srun -N), or a Kubernetes Indexed Job.")
@click.option("--nodes", type=click.IntRange(1, 1024), default=2, show_default=True, help="With --on: how many workers.")
@click.option("--tasks-per-node", type=click.IntRange(1, 256), default=1, show_default=True, help="--on slurm: workers per node.")
@click.option("--config", "config", help="Target config: SLURM partition/python/work_dir, kubeconfig, coordinator address.")
@click.option("--coordinator-address", help="Where workers reach this host's clock (default: from the config, else 127.0.0.1).")
@click.option("--start-lead", type=click.FloatRange(0.5, 600), default=5.0, show_default=True,
              help="Seconds between announcing the common start and the start.")
@click.option("--slo-ttft-ms", type=click.FloatRange(0, min_open=True), help="Goodput: time to first token at most this.")
@click.option("--slo-tpot-ms", type=click.FloatRange(0, min_open=True), help="Goodput: time per output token at most this.")
@click.option("--slo-e2e-ms", type=click.FloatRange(0, min_open=True), help="Goodput: end-to-end latency at most this.")
@click.option("--repeat", type=click.IntRange(1, 100), default=1, show_default=True,
              help="Runs; more than one reports each figure's mean and 95 %% confidence interval.")
@click.option("--keep-raw", is_flag=True, help="Test mode (--on): keep every latency and report the merge's error.")
@facts.declares(*summary_facts.KEYS, "namespace", "namespace_deleted")
def run_cmd(url: str, protocol: str, model: str, rows: str | None, size: str | None, arrival: str, duration: float,
            warmup: float, timeout: float, max_requests: int, workers: int, out: str | None, as_json: bool,
            rate: float | None, concurrency: int | None, on: str | None, nodes: int, tasks_per_node: int,
            config: str | None, coordinator_address: str | None, start_lead: float, burstiness: float,
            slo_ttft_ms: float | None, slo_tpot_ms: float | None, slo_e2e_ms: float | None, repeat: int,
            keep_raw: bool) -> None:
    """Send load to URL: open loop at --rate, or closed loop at --concurrency; with --on, from workers
    placed by the cluster's scheduler, their percentiles merged."""
    from clustercheck.bench import measure, placement

    if (rate is None) == (concurrency is None):
        raise UserError("give exactly one of --rate (open loop) or --concurrency (closed loop)")
    if on and concurrency:
        raise UserError("--on runs the open loop: give --rate")
    _check_inputs(url, out)
    slo = {k: v / 1000 for k, v in (("ttft_s", slo_ttft_ms), ("tpot_s", slo_tpot_ms), ("e2e_s", slo_e2e_ms)) if v}
    spec = _spec(url, _request(protocol, model, rows, size), mode="open" if rate else "closed", rate=rate or 0.0,
                 concurrency=concurrency or 0, arrival=arrival, duration_s=duration, warmup_s=warmup,
                 timeout_s=timeout, max_requests=max_requests, workers=workers, burstiness=burstiness)
    where = placement.from_options(on, nodes, tasks_per_node, config, coordinator_address, start_lead, slo, keep_raw)
    summary = measure.repeated(spec, measure.measurer(where, slo), repeat)
    if keep_raw and "raw_latency_s" in summary:
        summary["merge_error"] = measure.merge_error(summary.pop("raw_latency_s"), summary["latency_ms"])
    _print_summary(summary, out, as_json)


@bench.command("worker")
@click.option("--plan", "plan_file", required=True, help="The run's plan, written by the coordinator.")
@click.option("--index", type=click.IntRange(0, 100_000), help="This worker's index (default: SLURM_PROCID or JOB_COMPLETION_INDEX).")
@click.option("--out", "out_dir", help="Also write the report to DIR/worker-INDEX.json.")
def worker_cmd(plan_file: str, index: int | None, out_dir: str | None) -> None:
    """One worker of a placed run (started by `bench run --on`, srun or an Indexed Job): its share of
    the schedule from the common start; prints its report as one JSON line."""
    from clustercheck.bench import worker

    paths.readable_file(plan_file, "--plan")
    try:
        worker.main(plan_file, index, out_dir)
    except (ValueError, KeyError) as exc:
        raise UserError(f"{plan_file}: {exc}") from None


@bench.command("k8s-manifest")
@click.argument("url")
@click.option("--rate", type=click.FloatRange(0, 1_000_000, min_open=True), required=True)
@click.option("--nodes", type=click.IntRange(1, 1024), default=2, show_default=True)
@click.option("--image", default="clustercheck:latest", show_default=True)
@click.option("--duration", type=click.FloatRange(0, 86400, min_open=True), default=10.0, show_default=True)
def k8s_manifest_cmd(url: str, rate: float, nodes: int, image: str, duration: float) -> None:
    """Print the Kubernetes objects (ConfigMap + Indexed Job) `bench run --on kubernetes` creates, as JSON."""
    from clustercheck.bench import distributed, k8s_workers, protocols

    paths.http_url(url, "URL")
    spec = _spec(url, protocols.predict_request("mlflow", "model", [[5.1, 3.5, 1.4, 0.2]]), rate=rate,
                 duration_s=duration)
    p = distributed.Placement(on="kubernetes", workers=nodes, image=image)
    plan = distributed.plan(spec, p, 0.0, "http://coordinator:0/time")
    click.echo(json.dumps({"apiVersion": "v1", "kind": "List", "items": k8s_workers.manifests(plan, image, "00000", 600)}, indent=2))


@bench.command("sweep")
@_with_load_options
@click.option("--rates", help="Comma-separated open-loop rates, stepped in order.")
@click.option("--concurrencies", help="Comma-separated closed-loop concurrencies, stepped instead of rates.")
@click.option("--sizes", help="OpenAI protocols: comma-separated D(in,out) sizes, each swept in turn.")
@click.option("--p95-ms", type=float, default=500.0, show_default=True, help="Latency objective.")
@click.option("--max-error-rate", type=float, default=0.01, show_default=True)
@click.option("--max-rate", type=float, help="Keep raising the rate past --rates (times --growth) up to this bound.")
@click.option("--growth", type=float, default=1.5, show_default=True, help="Factor between rates past --rates.")
@click.option("--confirm", type=click.IntRange(1, 9), default=1, show_default=True,
              help="Open loop: trials deciding each rate at the knee (majority; 1: one step decides).")
def sweep_cmd(url: str, protocol: str, model: str, rows: str | None, size: str | None, arrival: str, burstiness: float,
              duration: float, warmup: float, timeout: float, max_requests: int, workers: int, out: str | None, as_json: bool,
              rates: str | None, concurrencies: str | None, sizes: str | None, p95_ms: float,
              max_error_rate: float, max_rate: float | None, growth: float, confirm: int) -> None:
    """Step the open-loop rate (or the concurrency), per size; the best step meeting the objective
    is the throughput."""
    from clustercheck.bench import sweep

    if (rates is None) == (concurrencies is None):
        raise UserError("give exactly one of --rates or --concurrencies")
    if growth <= 1 or (max_rate is not None and max_rate <= 0):
        raise UserError("--growth must be above 1 and --max-rate positive")
    _check_inputs(url, out)
    try:
        steps = [float(r) for r in (rates or "").split(",") if r.strip()]
        levels = [int(c) for c in (concurrencies or "").split(",") if c.strip()]
    except ValueError:
        raise UserError(f"--rates/--concurrencies: not a list of numbers: {rates or concurrencies}") from None
    results = {}
    for each in [s.strip() for s in sizes.split("),")] if sizes else [size]:
        label = each if not each or each.endswith(")") else each + ")"
        spec = _spec(url, _request(protocol, model, rows, label), arrival=arrival, burstiness=burstiness,
                     duration_s=duration, warmup_s=warmup, timeout_s=timeout, max_requests=max_requests, workers=workers)
        results[label or "default"] = sweep.run(spec, steps, p95_ms, max_error_rate, concurrencies=levels or None,
                                                growth=growth, max_rate=max_rate, confirm=confirm)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
    if as_json:
        click.echo(json.dumps(results, indent=2))
        return
    for label, result in results.items():
        prefix = "" if len(results) == 1 else f"{label}."
        for step in result["steps"]:
            level = step["target_rate"] if step["mode"] == "open" else step["concurrency"]
            click.echo(f"{prefix}step.{level:g}\t{step['verdict']} p95={step['latency_ms']['p95']}ms "
                       f"throughput={step['throughput']}/s errors={step['error_rate']}")
        click.echo(f"{prefix}max_rate\t{result['max_rate']}")
        click.echo(f"{prefix}stopped\t{result['stopped']}")
