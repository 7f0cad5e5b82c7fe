"""`clustercheck-ai-how`: a stand-in for the platform's `ai-how` CLI, on libvirt.

Same commands and global option, same files (`--state` per cluster, global-state.json beside it), same
derived VM names, messages (`Error: ...` on stdout) and exit codes (1 for every failure) as ai-how:

    clustercheck-ai-how [--state FILE] cloud|hpc start|stop|status|destroy CLUSTER_YAML
    clustercheck-ai-how [--state FILE] vm start|stop|restart|status NAME
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable

import click

from aihow_double.ops import TITLES, Driver, DriverError
from clustercheck.errors import UserError

DEFAULT_STATE = os.path.join("output", "state.json")


def _run(ctx: click.Context, fn: Callable[[Driver], Any]) -> Any:
    try:
        return fn(Driver(ctx.obj["state"]))
    except DriverError as exc:
        click.echo(f"Error: {exc}")
        sys.exit(exc.exit_code)
    except UserError as exc:  # a cluster YAML ai-how would refuse too: its exit 1, our one line
        click.echo(f"Error: {exc.message}")
        sys.exit(1)
    except click.ClickException:
        raise
    except Exception as exc:  # the CLI edge: one line, not a traceback (ai-how: "Unexpected error: ...")
        if os.environ.get("CC_DEBUG") == "1":
            raise
        click.echo(f"Unexpected error: {type(exc).__name__}: {exc}")
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--state", default=DEFAULT_STATE, show_default=True, help="Path to CLI state file (one cluster).")
@click.pass_context
def main(ctx: click.Context, state: str) -> None:
    """Reference cluster CLI with ai-how's contract, on libvirt.

    \b
    Examples:
      clustercheck-ai-how --state output/cloud-state.json cloud start cluster.yaml
      clustercheck-ai-how --state output/hpc-state.json hpc start cluster.yaml
      clustercheck-ai-how --state output/cloud-state.json vm stop cc-local-gpu-worker-01
    """
    ctx.obj = {"state": state}


def _cluster_group(kind: str) -> click.Group:
    """`cloud` and `hpc`: the same lifecycle commands on the YAML's clusters.cloud / clusters.hpc."""
    group = click.Group(kind, help=f"{TITLES[kind]} cluster lifecycle")
    config_arg = click.argument("config", type=click.Path(dir_okay=False))

    @group.command("start")
    @config_arg
    @click.pass_context
    def start(ctx: click.Context, config: str) -> None:
        """Define network, volumes and VMs; start the VMs with auto_start (GPUs allocated)."""
        click.echo(f"Starting {TITLES[kind]} cluster using config: {config}")
        for line in _run(ctx, lambda d: d.cluster_start(config, kind)):
            click.echo(line)

    @group.command("stop")
    @config_arg
    @click.pass_context
    def stop(ctx: click.Context, config: str) -> None:
        """Stop every VM of the cluster and release its GPUs."""
        for line in _run(ctx, lambda d: d.cluster_stop(config, kind)):
            click.echo(line)

    @group.command("status")
    @config_arg
    @click.pass_context
    def status(ctx: click.Context, config: str) -> None:
        """Show each VM: libvirt state, IP, GPU and its owner."""
        rows = _run(ctx, lambda d: d.cluster_status(config, kind))
        click.echo(f"{'VM':<28} {'STATE':<10} {'IP':<16} GPU")
        for name, state, ip, gpu in rows:
            click.echo(f"{name:<28} {state:<10} {ip:<16} {gpu}")

    @group.command("destroy")
    @config_arg
    @click.option("--force", is_flag=True, help="Accepted as ai-how accepts it; destroy never prompts.")
    @click.pass_context
    def destroy(ctx: click.Context, config: str, force: bool) -> None:
        """Remove the cluster's domains, volumes, pool, network and state file."""
        for line in _run(ctx, lambda d: d.cluster_destroy(config, kind)):
            click.echo(line)

    return group


main.add_command(_cluster_group("cloud"))
main.add_command(_cluster_group("hpc"))


@main.group()
def vm() -> None:
    """Individual VM lifecycle management"""


@vm.command("start")
@click.argument("name")
@click.option("--no-wait", is_flag=True, help="Don't wait for boot (never waits here).")
@click.pass_context
def vm_start(ctx: click.Context, name: str, no_wait: bool) -> None:
    """Start an individual VM with GPU resource allocation."""
    click.echo(f"Starting VM: {name}")
    click.echo(_run(ctx, lambda d: d.vm_start(name)))


@vm.command("stop")
@click.argument("name")
@click.option("--force", is_flag=True, help="Force stop the VM (always forced here).")
@click.pass_context
def vm_stop(ctx: click.Context, name: str, force: bool) -> None:
    """Stop an individual VM with GPU resource release."""
    click.echo(f"Stopping VM: {name}")
    click.echo(_run(ctx, lambda d: d.vm_stop(name)))


@vm.command("restart")
@click.argument("name")
@click.option("--no-wait", is_flag=True, help="Don't wait for boot (never waits here).")
@click.pass_context
def vm_restart(ctx: click.Context, name: str, no_wait: bool) -> None:
    """Restart an individual VM, keeping its GPU."""
    click.echo(f"Restarting VM: {name}")
    click.echo(_run(ctx, lambda d: d.vm_restart(name)))


@vm.command("status")
@click.argument("name")
@click.pass_context
def vm_status(ctx: click.Context, name: str) -> None:
    """Show detailed status of an individual VM."""
    rows = _run(ctx, lambda d: d.vm_status(name))
    click.echo(f"VM Status: {name}")
    for key, value in rows:
        click.echo(f"{key:<12} {value}")
