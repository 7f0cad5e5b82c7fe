#!/usr/bin/env bash
# The libvirt part of the embedded target: virtlogd + libvirtd run as root without systemd.
# Sourced by test-infra/local/stack. Daemons are ours only when we started them (pid files below).

libvirt::_piddir() { printf '%s/pids' "$CC_LOCAL_STATE"; }

libvirt::running() {
  virsh -c qemu:///system version >/dev/null 2>&1
}

# libvirt::_virtlogd_answers: something accepts connections on virtlogd's socket. The socket file alone
# proves nothing: a virtlogd stopped by TERM leaves it behind, and libvirtd then fails every domain
# start with "Failed to connect socket to '/run/libvirt/virtlogd-sock': Connection refused".
libvirt::_virtlogd_answers() {
  python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' \
    /run/libvirt/virtlogd-sock 2>/dev/null
}

libvirt::_prepare_host() {
  mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/cache/libvirt /run/libvirt
  # Debian's qemu.conf runs guests as libvirt-qemu:libvirt-qemu; libvirtd refuses to start without them.
  getent group kvm >/dev/null || groupadd --system kvm
  getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
  getent passwd libvirt-qemu >/dev/null ||
    useradd --system --no-create-home --home-dir /var/lib/libvirt --gid libvirt-qemu --groups kvm \
      --shell /usr/sbin/nologin libvirt-qemu
  # libvirt re-probes QEMU (about 30 s) on every domain define when its cached capabilities say KVM
  # but the guest user cannot open /dev/kvm; letting the kvm group in keeps the cache valid.
  # Guests still run under TCG (domain type qemu): KVM does not work on this nested host.
  if [[ -c /dev/kvm ]]; then
    chgrp kvm /dev/kvm && chmod 660 /dev/kvm
  fi
}

libvirt::up() {
  local piddir
  piddir=$(libvirt::_piddir)
  mkdir -p "$piddir"
  if libvirt::running; then
    log::info "libvirt: qemu:///system already answers; using it"
    return 0
  fi
  command -v libvirtd >/dev/null || PATH="$PATH:/usr/sbin"
  command -v libvirtd >/dev/null || log::die "libvirt: libvirtd not installed (run: make setup)"
  libvirt::_prepare_host
  if ! libvirt::_virtlogd_answers; then
    rm -f /run/libvirt/virtlogd-sock /run/libvirt/virtlogd-admin-sock
    (proc::exec_bare virtlogd -d -p "$piddir/virtlogd.pid") </dev/null >/dev/null 2>&1
    util::wait_for 10 "virtlogd's socket" libvirt::_virtlogd_answers ||
      log::die "libvirt: virtlogd did not come up (see /var/log/libvirt/virtlogd.log)"
  fi
  # Daemons must not keep the caller's stdout/stderr or any other descriptor open: a pipe reader would hang.
  (proc::exec_bare libvirtd -d -p "$piddir/libvirtd.pid") </dev/null >/dev/null 2>&1
  util::wait_for 30 "libvirtd on qemu:///system" libvirt::running ||
    log::die "libvirt: libvirtd did not come up (see /var/log/libvirt/libvirtd.log)"
  log::ok "libvirt: libvirtd pid $(cat "$piddir/libvirtd.pid") up"
}

libvirt::down() {
  local piddir f
  piddir=$(libvirt::_piddir)
  for f in libvirtd virtlogd; do
    if [[ -s "$piddir/$f.pid" ]]; then
      util::stop_pid "$(cat "$piddir/$f.pid")" 15
      rm -f "$piddir/$f.pid"
      [[ "$f" != virtlogd ]] || rm -f /run/libvirt/virtlogd-sock /run/libvirt/virtlogd-admin-sock
      log::info "libvirt: stopped $f"
    fi
  done
}

libvirt::status() {
  if libvirt::running; then
    local owner=external guest=$CC_LOCAL_STATE/guest
    [[ -s "$(libvirt::_piddir)/libvirtd.pid" ]] && owner="pid $(cat "$(libvirt::_piddir)/libvirtd.pid")"
    # A libvirtd that answers (the host's own, or another checkout's) is not a target yet: the guests
    # boot this checkout's guest image, which `stack up libvirt` builds.
    if [[ ! -s "$guest/vmlinuz" || ! -s "$guest/initrd.img" || ! -s "$guest/id_ed25519" ]]; then
      printf 'libvirt   down  (libvirtd answers, %s; no guest image in %s: stack up libvirt builds it)\n' "$owner" "$guest"
      return 1
    fi
    printf 'libvirt   up    (%s)\n' "$owner"
  else
    printf 'libvirt   down\n'
    return 1
  fi
}
