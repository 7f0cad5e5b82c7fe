#!/usr/bin/env python3
"""Write an OCI image archive from files on this host: the local cluster's images are built here, never
pulled. One uncompressed layer, every entry owned by root with mtime 0, so the same inputs give the same
digest (containerd keeps an unchanged image as it is). The archive is an OCI image layout in a tar, which
`ctr images import` takes; index.json names the image by its full reference.

  oci-image.py --ref cc.local/pause:1 --out pause.tar --add BIN:/pause --entrypoint /pause
  --add SRC:DEST     a file (its mode kept) or a directory tree (followed, links kept as links)
  --with-libs BIN    the shared libraries BIN loads (ldd) at their own paths, merged-/usr style
  --link DEST:TARGET a symbolic link
  --env K=V          an environment variable of the image's config
  --user UID:GID     the user the image runs as
  --entrypoint CMD...  last: every word after it is the command
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)


def _info(name: str, **kw: object) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name.lstrip("/"))
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = 0
    for k, v in kw.items():
        setattr(info, k, v)
    return info


def _dirs(tar: tarfile.TarFile, dest: str, made: set[str]) -> None:
    parts = dest.strip("/").split("/")[:-1]
    for i in range(1, len(parts) + 1):
        d = "/".join(parts[:i])
        if d not in made:
            made.add(d)
            tar.addfile(_info(d, type=tarfile.DIRTYPE, mode=0o755))


def _add(tar: tarfile.TarFile, src: str, dest: str, made: set[str]) -> None:
    if os.path.islink(src):
        _dirs(tar, dest, made)
        tar.addfile(_info(dest, type=tarfile.SYMTYPE, linkname=os.readlink(src), mode=0o777))
    elif os.path.isdir(src):
        _dirs(tar, dest + "/x", made)
        for entry in sorted(os.listdir(src)):
            _add(tar, os.path.join(src, entry), f"{dest.rstrip('/')}/{entry}", made)
    else:
        _dirs(tar, dest, made)
        with open(src, "rb") as f:
            data = f.read()
        tar.addfile(_info(dest, size=len(data), mode=os.stat(src).st_mode & 0o7777), io.BytesIO(data))
        made.add(dest.strip("/"))


def layer(adds: list[tuple[str, str]], links: list[tuple[str, str]]) -> bytes:
    buf = io.BytesIO()
    made: set[str] = set()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in ("tmp", "etc", "proc", "sys", "dev"):
            made.add(d)
            tar.addfile(_info(d, type=tarfile.DIRTYPE, mode=0o1777 if d == "tmp" else 0o755))
        for src, dest in adds:
            if not os.path.exists(src):
                raise SystemExit(f"oci-image: {src} does not exist")
            _add(tar, src, dest, made)
        for dest, target in links:
            if dest.strip("/") in made:
                continue  # a real directory or file of the image (busybox's /bin, /bin/busybox) stays one
            _dirs(tar, dest, made)
            tar.addfile(_info(dest, type=tarfile.SYMTYPE, linkname=target, mode=0o777))
    return buf.getvalue()


MERGED_USR = [("/lib", "usr/lib"), ("/lib64", "usr/lib64"), ("/bin", "usr/bin"), ("/sbin", "usr/sbin")]


def _canonical(path: str) -> str:
    """PATH with its directory's links resolved (Debian's /lib is usr/lib), the file itself kept."""
    return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))


def with_libs(binary: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The libraries ldd names for BIN, as --add and --link pairs at their canonical paths."""
    try:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=False).stdout
    except OSError as exc:
        raise SystemExit(f"oci-image: cannot run ldd: {exc}") from None
    paths = []
    for line in out.splitlines():
        words = line.split()
        lib = words[2] if "=>" in words and len(words) > 2 else (words[0] if words and words[0].startswith("/") else "")
        if lib.startswith("/"):
            paths.append(_canonical(lib))
    adds, links = [], []
    for path in paths:
        real = os.path.realpath(path)
        adds.append((real, real))
        if real != path:
            links.append((path, real))
    return adds, links


def _blob(blobs: dict[str, bytes], data: bytes, media: str) -> dict[str, object]:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    blobs[digest] = data
    return {"mediaType": media, "digest": digest, "size": len(data)}


def build(ref: str, adds: list[tuple[str, str]], links: list[tuple[str, str]], entrypoint: list[str],
          env: list[str], user: str = "") -> bytes:
    blobs: dict[str, bytes] = {}
    tar_layer = layer(adds, links)
    layer_desc = _blob(blobs, tar_layer, "application/vnd.oci.image.layer.v1.tar")
    config = {
        "architecture": ARCH, "os": "linux",
        "config": {"Entrypoint": entrypoint or None, "Env": ["PATH=/usr/local/bin:/usr/bin:/bin:/sbin", *env],
                   **({"User": user} if user else {})},
        "rootfs": {"type": "layers", "diff_ids": [layer_desc["digest"]]},
    }
    config_desc = _blob(blobs, json.dumps(config, sort_keys=True).encode(), "application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config_desc, "layers": [layer_desc]}
    manifest_desc = _blob(blobs, json.dumps(manifest, sort_keys=True).encode(), "application/vnd.oci.image.manifest.v1+json")
    manifest_desc["annotations"] = {"io.containerd.image.name": ref,
                                    "org.opencontainers.image.ref.name": ref.rsplit(":", 1)[-1]}
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [manifest_desc]}
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        files = {"oci-layout": json.dumps({"imageLayoutVersion": "1.0.0"}).encode(),
                 "index.json": json.dumps(index, sort_keys=True).encode()}
        files.update({f"blobs/sha256/{d.split(':', 1)[1]}": data for d, data in sorted(blobs.items())})
        for d in ("blobs", "blobs/sha256"):
            tar.addfile(_info(d, type=tarfile.DIRTYPE, mode=0o755))
        for name, data in files.items():
            tar.addfile(_info(name, size=len(data), mode=0o644), io.BytesIO(data))
    return out.getvalue()


def _pair(text: str, flag: str) -> tuple[str, str]:
    a, sep, b = text.rpartition(":")
    if not sep or not a or not b:
        raise SystemExit(f"oci-image: {flag} wants A:B, got {text!r}")
    return a, b


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ref", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--add", action="append", default=[])
    p.add_argument("--link", action="append", default=[])
    p.add_argument("--with-libs", action="append", default=[])
    p.add_argument("--env", action="append", default=[])
    # a numeric user, for pods that must run as non-root (runAsNonRoot cannot check a user name)
    p.add_argument("--user", default="")
    entrypoint: list[str] = []
    if "--entrypoint" in argv:  # the last option: its words may look like options (python3 -m ...)
        at = argv.index("--entrypoint")
        argv, entrypoint = argv[:at], argv[at + 1:]
    a = p.parse_args(argv)
    adds, links = [_pair(x, "--add") for x in a.add], [_pair(x, "--link") for x in a.link]
    if a.with_libs:
        links += MERGED_USR
    for binary in a.with_libs:
        more_adds, more_links = with_libs(binary)
        adds += [x for x in more_adds if x not in adds]
        links += [x for x in more_links if x not in links]
    data = build(a.ref, adds, links, entrypoint, a.env, a.user)
    tmp = a.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
