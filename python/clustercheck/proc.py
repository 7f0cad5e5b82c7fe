"""The one way the Python side runs an external command: argv (never a shell string), output captured
as text, a time bound, and the exit status handed back for the caller to judge.

Why subprocess and not the `sh` package: sh gives a command a pseudo-terminal for its output by default
and raises on a non-zero exit, while our callers read `dmesg`, `ip -j` and a restart command's status as
facts; the four calls need only what subprocess.run already does.
"""

from __future__ import annotations

import subprocess
import time
from typing import Mapping, Sequence

TimeoutExpired = subprocess.TimeoutExpired


def run(argv: Sequence[str], timeout: float, cwd: str | None = None, env: Mapping[str, str] | None = None,
        check: bool = False) -> subprocess.CompletedProcess[str]:
    """ARGV run to completion within TIMEOUT seconds (killed and TimeoutExpired past it); OSError when it
    cannot start; with CHECK, CalledProcessError on a non-zero exit."""
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=dict(env) if env is not None else None, check=check)


def run_all(argvs: Sequence[Sequence[str]], timeout: float,
            env: Mapping[str, str] | None = None) -> list[subprocess.CompletedProcess[str]]:
    """Every ARGV at once, each to completion within TIMEOUT seconds of the start (one past it is
    killed and reported with exit status -9 and why in its stderr), in ARGVS' order."""
    procs = [subprocess.Popen(list(a), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=dict(env) if env is not None else None) for a in argvs]
    deadline = time.monotonic() + timeout
    done = []
    try:
        for argv, p in zip(argvs, procs):
            try:
                out, err = p.communicate(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
                err = (err or "") + f"\nkilled: did not finish within {timeout:g} s"
            done.append(subprocess.CompletedProcess(list(argv), p.returncode, out, err))
    except BaseException:  # interrupted: none of them outlives the caller
        for p in procs:
            p.kill()
            p.wait()
        raise
    return done
