#!/usr/bin/env bash
# Cluster nodes as network namespaces on a bridge of this host - the SLURM nodes (hpc.sh) and the
# Kubernetes nodes (kube.sh) alike: each node a namespace named after it, a veth whose node end is eth0,
# its own address on the bridge's subnet. What `up` makes is listed in a MADE file before it is made,
# so that `down` after an interrupted `up` (or a config with fewer nodes) still finds every namespace
# and veth. Sourced by test-infra/local/stack.

# netns::up MADE BRIDGE ADDRESS PREFIX [NODE VETH NODE_ADDRESS]...: the bridge (ADDRESS/PREFIX, this
# host's side) and each node on it; what exists already is kept.
netns::up() {
  local made=$1 bridge=$2 address=$3 prefix=$4 node veth
  shift 4
  local -a nodes=("$@")
  {
    printf 'bridge %s\n' "$bridge"
    while (($#)); do printf 'node %s %s\n' "$1" "$2"; shift 3; done
    [[ ! -f "$made" ]] || cat "$made"
  } | sort -u >"$made.new"
  mv "$made.new" "$made"
  ip link show "$bridge" >/dev/null 2>&1 || ip link add "$bridge" type bridge || log::die "stack: cannot create bridge $bridge (needs root)" 1
  ip addr replace "$address/$prefix" dev "$bridge"
  ip link set "$bridge" up
  set -- "${nodes[@]}"
  while (($#)); do
    node=$1 veth=$2
    [[ -e "/run/netns/$node" ]] || ip netns add "$node"
    ip link show "$veth" >/dev/null 2>&1 || ip link add "$veth" type veth peer name eth0 netns "$node"
    ip link set "$veth" master "$bridge" up
    ip -n "$node" addr replace "$3/$prefix" dev eth0
    ip -n "$node" link set eth0 up
    ip -n "$node" link set lo up
    shift 3
  done
}

# netns::down MADE: every veth, namespace and bridge MADE lists (the file itself stays: its other lines
# are its owner's).
netns::down() {
  local kind name veth
  [[ -f "$1" ]] || return 0
  while read -r kind name veth; do
    [[ "$kind" == node ]] || continue
    ip link del "$veth" 2>/dev/null || true
    [[ ! -e "/run/netns/$name" ]] || ip netns del "$name" || log::warn "stack: could not remove namespace $name"
  done <"$1"
  while read -r kind name veth; do
    [[ "$kind" != bridge ]] || ip link del "$name" 2>/dev/null || true
  done <"$1"
}

# netns::cgroups_down MADE PATTERN...: for every node MADE lists, remove the cgroup directories that
# PATTERN names in each hierarchy (%s: the node's name), deepest first - what its daemons left behind.
netns::cgroups_down() {
  local made=$1 kind name _ pattern d
  shift
  [[ -f "$made" ]] || return 0
  while read -r kind name _; do
    [[ "$kind" == node ]] || continue
    for pattern in "$@"; do
      # shellcheck disable=SC2059 # the pattern is ours: %s is the node's name
      for d in /sys/fs/cgroup/*/"$(printf "$pattern" "$name")"; do
        [[ -d "$d" ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
      done
    done
  done <"$made"
  return 0
}
