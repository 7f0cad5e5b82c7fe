#!/usr/bin/env bash
# Builds the tiny guest the local target boots: Debian's cloud kernel plus a busybox initramfs that
# loads the virtio drivers, configures its network from the kernel command line and runs dropbear,
# so checks reach guests over SSH as they would on a real cluster. Offline apart from Debian packages.
# Usage: build-guest.sh OUT_DIR      (idempotent: an existing complete build of this script is kept)
set -euo pipefail

out=${1:?usage: build-guest.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
# A build made by another version of this script (its guest init) is built again.
build_id=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
if [[ -s "$out/vmlinuz" && -s "$out/initrd.img" && -s "$out/id_ed25519" && "$(cat "$out/build-id" 2>/dev/null)" == "$build_id" ]]; then
  echo "guest image already built in $out"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

kpkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
[[ -n "$kpkg" ]] || { echo "build-guest: no linux-image-cloud-amd64 in apt lists (run apt-get update)" >&2; exit 2; }
(cd "$work" && apt-get download "$kpkg" >/dev/null 2>&1) || { echo "build-guest: apt-get download $kpkg failed" >&2; exit 2; }
dpkg -x "$work"/linux-image-*.deb "$work/k"
kver=$(basename "$(ls -d "$work"/k/lib/modules/*)")

root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/dropbear,proc,sys,dev,tmp,run,root/.ssh,lib/modules,var/log}
cp /bin/busybox "$root/bin/busybox"
chroot "$root" /bin/busybox --install -s

# The drivers in load order: each needs the ones before it. virtio-rng feeds the kernel's RNG from the
# host (the domain's <rng> device): without it dropbear's getrandom() waited for entropy an emulated
# guest gathers slowly, once past the 120 s a check waits for SSH.
mods=(virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net virtio_blk virtio-rng)
for m in "${mods[@]}"; do
  f=$(find "$work/k/lib/modules/$kver" -name "$m.ko*" | head -n 1)
  [[ -n "$f" ]] || { echo "build-guest: module $m missing from $kpkg" >&2; exit 2; }
  cp "$f" "$root/lib/modules/$m.ko"
done
printf '%s\n' "${mods[@]}" >"$root/lib/modules/order"

# dropbear is dynamically linked: bring it with its libraries and the loader.
cp /usr/sbin/dropbear "$root/usr/sbin/dropbear"
while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done < <(ldd /usr/sbin/dropbear | grep -o '/[^ ]*')

dropbearkey -t ed25519 -f "$root/etc/dropbear/dropbear_ed25519_host_key" >/dev/null 2>&1
if [[ -s "$out/id_ed25519" ]]; then
  # a rebuild keeps the key: guests already running from the last build still let us in
  install -m 600 "$out/id_ed25519" "$work/id_ed25519"
  ssh-keygen -y -f "$work/id_ed25519" >"$work/id_ed25519.pub"
else
  ssh-keygen -q -t ed25519 -N '' -C clustercheck-guest -f "$work/id_ed25519"
fi
install -m 600 "$work/id_ed25519.pub" "$root/root/.ssh/authorized_keys"
chmod 700 "$root/root/.ssh"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf '/bin/sh\n' >"$root/etc/shells"

cat >"$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
# Load order matters and a module can fail while its dependency settles: retry until the NIC is there.
# Guests are emulated (TCG) on a host whose cores are busy with the tests: the drivers can take far
# longer than the usual second to settle, and a guest that gave up on its NIC would never answer.
pass=0
while [ "$pass" -lt 120 ]; do
  while read -r m; do insmod "/lib/modules/$m.ko" 2>/dev/null; done </lib/modules/order
  [ -e /sys/class/net/eth0 ] && [ -e /sys/block/vda ] && break
  pass=$((pass + 1))
  sleep 0.5
done
[ -e /sys/class/net/eth0 ] || echo "CLUSTERCHECK-GUEST-NO-NIC after $pass passes"
# the pass that found the NIC may have tried virtio-rng before virtio settled: once more (loaded: a no-op)
insmod /lib/modules/virtio-rng.ko 2>/dev/null
echo "CLUSTERCHECK-GUEST-RNG $(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)"
ip=; name=guest
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    cc.ip=*) ip=${arg#cc.ip=} ;;
    cc.hostname=*) name=${arg#cc.hostname=} ;;
  esac
done
hostname "$name"
ip link set lo up
[ -n "$ip" ] && ip addr add "$ip" dev eth0
ip link set eth0 up
/usr/sbin/dropbear -r /etc/dropbear/dropbear_ed25519_host_key -p 22 -s
ip -4 addr show eth0
echo "CLUSTERCHECK-GUEST-READY $name $ip"
while true; do sleep 3600; done
INIT
chmod 755 "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.img"
install -m 644 "$work/k/boot/vmlinuz-$kver" "$out/vmlinuz.tmp"
install -m 644 "$work/initrd.img" "$out/initrd.img.tmp"
install -m 600 "$work/id_ed25519" "$out/id_ed25519.tmp"
printf '%s\n' "$kver" >"$out/kernel-version"
printf '%s\n' "$build_id" >"$out/build-id"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
mv "$out/initrd.img.tmp" "$out/initrd.img"
mv "$out/id_ed25519.tmp" "$out/id_ed25519"
echo "guest image built in $out (kernel $kver)"
