"""The host's routing table against the subnets a target config gives its clusters: a cluster network
that overlaps a route the host already has (its uplink, a VPN, another bridge) sends the cluster's
traffic the wrong way, or the host's. A route on the cluster network's own bridge is that network."""

from __future__ import annotations

import ipaddress
import json
import sys
from typing import Any

import click

from clustercheck import proc
from clustercheck.command import Group


def host_routes() -> list[dict[str, Any]]:
    """IPv4 routes of the main table as `ip -j` gives them."""
    out = proc.run(["ip", "-j", "-4", "route", "show"], timeout=10, check=True)
    return json.loads(out.stdout or "[]")


def overlaps(subnet: str, bridge: str, routes: list[dict[str, Any]]) -> list[str]:
    """Each route (not the default, not on BRIDGE) whose destination overlaps SUBNET, as 'DST dev DEV'."""
    net = ipaddress.ip_network(subnet, strict=False)
    found = []
    for r in routes:
        dst = r.get("dst", "")
        if dst == "default" or not dst or r.get("dev") == bridge:
            continue
        try:
            other = ipaddress.ip_network(dst if "/" in dst else f"{dst}/32", strict=False)
        except ValueError:
            continue
        if other.prefixlen and other.overlaps(net):
            found.append(f"{dst} dev {r.get('dev', '?')}")
    return found


@click.group("net", cls=Group)
def net() -> None:
    """Host network facts for checks."""


@net.command("overlaps")
@click.argument("networks", nargs=-1, required=True, metavar="NAME=SUBNET@BRIDGE...")
def overlaps_cmd(networks: tuple[str, ...]) -> None:
    """Print 'ok NAME SUBNET' or 'overlap NAME SUBNET ROUTE' per network; exit 1 on an overlap."""
    routes = host_routes()
    bad = False
    for item in networks:
        try:
            name, rest = item.split("=", 1)
            subnet, bridge = rest.split("@", 1) if "@" in rest else (rest, "")
            subnet = str(ipaddress.ip_network(subnet, strict=False))
        except ValueError:
            raise click.UsageError(f"{item!r} is not NAME=SUBNET@BRIDGE") from None
        hits = overlaps(subnet, bridge, routes)
        for hit in hits:
            click.echo(f"overlap {name} {subnet} {hit}")
        if not hits:
            click.echo(f"ok {name} {subnet}")
        bad = bad or bool(hits)
    sys.exit(1 if bad else 0)
