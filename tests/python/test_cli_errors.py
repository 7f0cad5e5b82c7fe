"""Every wrong input a user can type, from the table in tests/cli/errors.tsv: one line on stderr naming
the option or argument and what was expected, exit 2, no shell internals, no traceback, no "internal
error", and nothing left behind (the table's {tmp} folder stays empty). Adding a case is one row."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from conftest import BIN, ROOT

TABLE = ROOT / "tests" / "cli" / "errors.tsv"
# What a shell or Python would print for a mistake we did not handle ourselves.
INTERNALS = re.compile(r"Traceback|internal error|line [0-9]+:|unbound variable|command not found|syntax error|"
                       r"parameter null or not set|No such file or directory$")


def _rows() -> list[tuple[int, str, str]]:
    rows = []
    for line in TABLE.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, pattern, command = line.split("\t")
        rows.append((int(code), pattern, command))
    return rows


ROWS = _rows()


def test_the_table_covers_every_entry_point() -> None:
    commands = " ".join(c for _, _, c in ROWS)
    for framework in (ROOT / "frameworks").glob("test-*-framework.sh"):
        assert f"frameworks/{framework.name}" in commands, f"no row for {framework.name}"
    # A sourced helper (bench/lib.sh) is not executable and is no entry point.
    for script in (p for p in (ROOT / "bench").glob("*.sh") if os.access(p, os.X_OK)):
        assert f"bench/{script.name}" in commands, f"no row for bench/{script.name}"
    from clustercheck.cli import _COMMANDS

    for name in _COMMANDS:
        assert f"clustercheck {name}" in commands, f"no row for clustercheck {name}"
    assert "test-infra/local/stack" in commands and "test-infra/run-all-clusters.sh" in commands


@pytest.mark.parametrize("code,pattern,command", ROWS, ids=[c for _, _, c in ROWS])
def test_wrong_input_is_one_line_and_exit_2(tmp_path: Path, code: int, pattern: str, command: str) -> None:
    fixtures = tmp_path / "fixtures"
    (fixtures / "dir").mkdir(parents=True)
    (fixtures / "file").write_text("just text\n")
    empty = tmp_path / "tmp"
    empty.mkdir()
    places = {"tmp": str(empty), "file": str(fixtures / "file"), "dir": str(fixtures / "dir")}
    line = command.format(**places)
    pattern = pattern.format(**{k: re.escape(v) for k, v in places.items()})
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "NO_COLOR": "1"}
    env.pop("CC_DEBUG", None)
    result = subprocess.run(["bash", "-c", line], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert result.returncode == code, f"{line}: exit {result.returncode}\n{result.stderr}"
    assert len(lines) == 1, f"{line}: {len(lines)} lines on stderr:\n{result.stderr}"
    assert re.search(pattern, lines[0]), f"{line}: {lines[0]!r} does not match {pattern!r}"
    assert not INTERNALS.search(lines[0]), lines[0]
    assert not any(empty.iterdir()), f"{line} left {sorted(p.name for p in empty.iterdir())} behind"
    assert shlex.split(line)  # the row itself is a well-formed command line


@pytest.mark.parametrize("target,args,pattern", [
    ("test-inference", "--jobs 0", r"--jobs takes a whole number from 1 to 64, got '0'"),
    ("test-all-clusters", "--retries lots", r"--retries takes a whole number from 0 to 10, got 'lots'"),
])
def test_make_args_reach_the_command_and_fail_the_same_way(target: str, args: str, pattern: str) -> None:
    """Through a Make target's ARGS the command's own one line comes out; besides it only make's own
    `make: *** ... Error 2` and `make setup`'s progress lines."""
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(["make", "-s", target, f"ARGS={args}"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 2, result.stderr
    ours = [x for x in result.stderr.splitlines()
            if x.strip() and not re.match(r"^make(\[\d+\])?: \*\*\*|^\d\d:\d\d:\d\d (INFO|OK) +setup:", x)]
    assert len(ours) == 1 and re.search(pattern, ours[0]), result.stderr
