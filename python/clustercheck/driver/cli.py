"""`clustercheck-ai-how`: the ai-how cluster CLI contract, implemented on libvirt.

    clustercheck-ai-how cloud start|stop|status|destroy CONFIG
    clustercheck-ai-how hpc start|stop|status|destroy CONFIG   (the HPC cluster's VMs, same state file)
    clustercheck-ai-how vm start|stop|restart|status NAME
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable

import click

from clustercheck.driver.ops import Driver, DriverError

DEFAULT_STATE = os.path.join(os.path.expanduser("~"), ".ai-how", "state.json")


def _run(ctx: click.Context, fn: Callable[[Driver], Any]) -> Any:
    try:
        return fn(Driver(ctx.obj["state"]))
    except DriverError as exc:
        click.echo(f"ai-how: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException:
        raise
    except Exception as exc:  # the CLI edge: one line, not a traceback
        if os.environ.get("CC_DEBUG") == "1":
            raise
        click.echo(f"ai-how: error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)


def _lines(messages: list[str]) -> None:
    for line in messages:
        click.echo(line)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--state",
    envvar="AI_HOW_STATE_FILE",
    default=DEFAULT_STATE,
    show_default=True,
    help="State file (VMs and GPU ownership); env AI_HOW_STATE_FILE.",
)
@click.pass_context
def main(ctx: click.Context, state: str) -> None:
    """Reference cluster CLI (ai-how contract) on libvirt.

    \b
    Examples:
      clustercheck-ai-how cloud start test-infra/configs/local.yaml
      clustercheck-ai-how hpc start test-infra/configs/local.yaml
      clustercheck-ai-how vm stop gpu-1
      clustercheck-ai-how vm status gpu-2
    """
    ctx.obj = {"state": state}


def _cluster_group(section: str, help_text: str) -> click.Group:
    """`cloud` and `hpc`: the same lifecycle commands, on the config's cloud_vm.cluster or hpc.cluster."""
    group = click.Group(section.split("_")[0], help=help_text)

    @group.command("start")
    @click.argument("config")
    @click.pass_context
    def start(ctx: click.Context, config: str) -> None:
        """Define network, volumes and VMs; start the autostart VMs."""
        _lines(_run(ctx, lambda d: d.cloud_start(config, section)))

    @group.command("stop")
    @click.argument("config")
    @click.pass_context
    def stop(ctx: click.Context, config: str) -> None:
        """Stop every VM of the cluster and release its GPUs."""
        _lines(_run(ctx, lambda d: d.cloud_stop(config, section)))

    @group.command("status")
    @click.argument("config")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @click.pass_context
    def status(ctx: click.Context, config: str, as_json: bool) -> None:
        """Show each VM: libvirt state, recorded status, GPU and owner."""
        info = _run(ctx, lambda d: d.cloud_status(config, section))
        if as_json:
            click.echo(json.dumps(info, indent=2))
            return
        click.echo(f"cluster {info['cluster']}: {info['status']}")
        click.echo(f"{'VM':<16} {'LIBVIRT':<10} {'STATUS':<9} {'IP':<16} GPU")
        for vm in info["vms"]:
            gpu = vm["gpu"] + (f" (owner {vm['gpu_owner']})" if vm["gpu_owner"] else "") if vm["gpu"] else "-"
            click.echo(f"{vm['name']:<16} {vm['libvirt_state']:<10} {vm['status']:<9} {vm['ip']:<16} {gpu}")

    @group.command("destroy")
    @click.argument("config")
    @click.option("--force", is_flag=True, help="Accepted for compatibility; destroy never prompts.")
    @click.pass_context
    def destroy(ctx: click.Context, config: str, force: bool) -> None:
        """Remove the cluster's domains, volumes, pool and network, and its state."""
        _lines(_run(ctx, lambda d: d.cloud_destroy(config, section)))

    return group


main.add_command(_cluster_group("cloud_vm", "Whole-cluster lifecycle of the config's cloud cluster (cloud_vm.cluster)."))
main.add_command(_cluster_group("hpc", "Whole-cluster lifecycle of the config's HPC cluster VMs (hpc.cluster)."))


@main.group()
def vm() -> None:
    """Single-VM lifecycle (NAME or CLUSTER/NAME)."""


@vm.command("start")
@click.argument("name")
@click.pass_context
def vm_start(ctx: click.Context, name: str) -> None:
    """Start a VM, taking its GPU; refused while another VM owns the GPU."""
    click.echo(_run(ctx, lambda d: d.vm_start(name)))


@vm.command("stop")
@click.argument("name")
@click.pass_context
def vm_stop(ctx: click.Context, name: str) -> None:
    """Stop a VM and release its GPU."""
    click.echo(_run(ctx, lambda d: d.vm_stop(name)))


@vm.command("restart")
@click.argument("name")
@click.pass_context
def vm_restart(ctx: click.Context, name: str) -> None:
    """Restart a running VM, keeping its GPU."""
    click.echo(_run(ctx, lambda d: d.vm_restart(name)))


@vm.command("status")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def vm_status(ctx: click.Context, name: str, as_json: bool) -> None:
    """Show a VM's state, resources, IP and GPU ownership."""
    status = _run(ctx, lambda d: d.vm_status(name))
    if as_json:
        click.echo(json.dumps(status, indent=2))
        return
    for key, value in status.items():
        click.echo(f"{key}: {value}")
