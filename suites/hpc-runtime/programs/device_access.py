"""Which GPU device files of this node the calling process may open: prints one JSON line. Opening a
device a devices cgroup denies fails with EPERM; a permitted one opens, or fails with ENXIO/ENODEV when
no driver sits behind the device number (the local target's GRES files), which still means allowed.
Usage: device_access.py DIR REGEX"""
import errno
import json
import os
import re
import socket
import sys

directory, pattern = sys.argv[1], re.compile(sys.argv[2])
access = {}
for name in sorted(os.listdir(directory)):
    if not pattern.search(name):
        continue
    path = os.path.join(directory, name)
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        access[name] = "open"
    except OSError as e:
        access[name] = "denied" if e.errno in (errno.EPERM, errno.EACCES) else f"allowed:{errno.errorcode.get(e.errno, e.errno)}"
print(json.dumps({
    "node": socket.gethostname(),
    "job_gpus": os.environ.get("SLURM_JOB_GPUS", ""),
    "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES", ""),
    "access": access,
}), flush=True)
