"""The driver's state file: which VMs run and which VM owns which GPU, shared by every cluster.

Every read-modify-write holds an exclusive flock on a sibling lock file; writes are atomic
(temp file + fsync + rename), so a reader never sees half a file and concurrent starts serialise.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from typing import Any, Iterator

EMPTY: dict[str, Any] = {"version": 1, "clusters": {}, "gpus": {}}


class StateStore:
    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)

    def read(self) -> dict[str, Any]:
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return json.loads(json.dumps(EMPTY))
        data.setdefault("clusters", {})
        data.setdefault("gpus", {})
        return data

    def _write(self, data: dict[str, Any]) -> None:
        folder = os.path.dirname(self.path)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".state.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2, sort_keys=True)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def locked(self) -> Iterator[dict[str, Any]]:
        """Yield the state under the lock; whatever the block leaves in it is written back."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data = self.read()
                yield data
                self._write(data)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
