#!/usr/bin/env bash
# make setup: the Debian packages the harness and the local target need, and the Python venv.
# Idempotent: packages already installed and an up-to-date venv are left as they are.
set -euo pipefail
# shellcheck source=test-infra/lib/log.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/log.sh"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

packages=(
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients libvirt-dev pkg-config
  qemu-system-x86 qemu-utils iptables dnsmasq-base
  busybox-static dropbear-bin openssh-client cpio
  shellcheck bats packer ansible-core libxml2-utils python3-venv curl iproute2
  wrk hey nginx-light slurm-wlm munge slurmdbd mariadb-server openmpi-bin libpmix-dev python3-mpi4py socat
  podman runc uidmap docker-registry apache2-utils prometheus prometheus-node-exporter
  containernetworking-plugins conntrack openssl
  chromium fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=()
  [[ $EUID -eq 0 ]] || sudo=(sudo)
  log::info "setup: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log::info "setup: Debian packages present"
fi

venv=$root/.venv
stamp=$venv/.installed
if [[ ! -f "$stamp" || "$root/python/pyproject.toml" -nt "$stamp" ]]; then
  log::info "setup: creating the venv in $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -e "$root/python[test]"
  touch "$stamp"
else
  log::info "setup: venv up to date"
fi

log::ok "setup: done"
