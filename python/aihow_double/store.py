"""The files ai-how keeps, written as it writes them, plus what it lacks: a lock around every
read-modify-write and atomic replacement, so concurrent commands serialise and a reader never sees half
a file. One cluster per state file (`--state`); GPU owners in `global-state.json` beside it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from datetime import datetime
from typing import Any, Iterator

from clustercheck.aihow import state as aistate


def now() -> str:
    return datetime.now().isoformat()


def _write_atomic(path: str, data: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp.", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class ClusterStateFile:
    """One cluster's state file (ai-how's ClusterState, state_file_version 2.0)."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)

    def read(self) -> dict[str, Any] | None:
        return aistate.read_cluster(self.path)

    @contextlib.contextmanager
    def edit(self) -> Iterator[dict[str, Any] | None]:
        """Yield the state under the lock; a dict left in it is written back (None: nothing written)."""
        with _locked(self.path):
            data = self.read()
            yield data
            if data is not None:
                data["last_modified"] = now()
                _write_atomic(self.path, data)

    def write_new(self, data: dict[str, Any]) -> None:
        with _locked(self.path):
            _write_atomic(self.path, data)

    def remove(self) -> None:
        with _locked(self.path):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)


class GlobalState:
    """global-state.json: `shared_resources.gpu_allocations` PCI -> owner VM."""

    def __init__(self, state_path: str) -> None:
        self.path = aistate.global_path(state_path)

    @contextlib.contextmanager
    def allocations(self) -> Iterator[dict[str, str]]:
        """The allocations under the lock; whatever the block leaves in the dict is written back."""
        with _locked(self.path):
            try:
                with open(self.path, encoding="utf-8") as fh:
                    data = json.load(fh)
            except FileNotFoundError:
                data = {"shared_resources": {"gpu_allocations": {}, "last_updated": ""}}
            shared = data.setdefault("shared_resources", {})
            allocations = shared.setdefault("gpu_allocations", {})
            before = dict(allocations)
            yield allocations
            if allocations != before or not os.path.exists(self.path):
                shared["last_updated"] = now()
                _write_atomic(self.path, data)
