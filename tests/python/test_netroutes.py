"""Cluster subnets against the host's routes, on `ip -j -4 route` output recorded on this machine with
the local SLURM cluster up (its bridge cc-slurm0 holds 10.99.0.0/24)."""

from __future__ import annotations

from clustercheck.netroutes import overlaps

ROUTES = [
    {"dst": "default", "gateway": "192.0.2.1", "dev": "eth0", "flags": []},
    {"dst": "10.99.0.0/24", "dev": "cc-slurm0", "protocol": "kernel", "scope": "link", "prefsrc": "10.99.0.1", "flags": []},
    {"dst": "192.0.2.0/24", "dev": "eth0", "protocol": "kernel", "scope": "link", "prefsrc": "192.0.2.2", "flags": []},
    {"dst": "172.17.5.9", "dev": "tun0", "flags": []},
]


def test_the_networks_own_bridge_and_the_default_route_are_no_overlap() -> None:
    assert overlaps("10.99.0.0/24", "cc-slurm0", ROUTES) == []
    assert overlaps("192.168.213.0/24", "ccbr-local", ROUTES) == []


def test_a_subnet_over_the_uplink_or_another_bridge_is_named_with_the_route() -> None:
    assert overlaps("192.0.2.128/25", "ccbr-local", ROUTES) == ["192.0.2.0/24 dev eth0"]
    assert overlaps("10.99.0.0/16", "cc-other0", ROUTES) == ["10.99.0.0/24 dev cc-slurm0"]
    # a host route counts too (a VPN peer)
    assert overlaps("172.17.0.0/16", "br", ROUTES) == ["172.17.5.9 dev tun0"]
