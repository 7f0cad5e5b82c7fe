"""Help texts tell the truth: every option a help text lists is one the command accepts, every option it
accepts is listed, and defaults are shown as values and paths, never as variable names."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import click
import pytest

from conftest import BIN, ROOT

OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-h)\b")
# An option's own row in an Options section: "  --name ..." or "  -h, --help ...".
ROW = re.compile(r"^ {2}(?:-[a-zA-Z], )?(--[a-z][a-z0-9-]*)", re.M)
VARIABLE = re.compile(r"\$[A-Z_{(]")  # "$FRAMEWORK_DEFAULT_CONFIG", "${X}", "$(...)"


def _help(*command: str) -> str:
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "NO_COLOR": "1"}
    result = subprocess.run(list(command), cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _case_options(source: str, function: str) -> set[str]:
    """The long options a bash function's `case` accepts (labels such as `--config)` or `--a | --b)`)."""
    body = source[source.index(f"{function}() {{"):]
    body = body[:body.index("\n}\n")]
    found: set[str] = set()
    for label in re.findall(r"^\s+((?:-[-a-z0-9]+(?:\s*\|\s*)?)+)\)", body, re.M):
        found |= {x.strip() for x in label.split("|")}
    return found


FRAMEWORKS = sorted((ROOT / "frameworks").glob("test-*-framework.sh"))


@pytest.mark.parametrize("framework", FRAMEWORKS, ids=[f.name for f in FRAMEWORKS])
def test_framework_help_lists_exactly_what_it_accepts(framework: Path) -> None:
    text = _help(str(framework), "help")
    assert not VARIABLE.search(text), VARIABLE.search(text)
    default = re.search(r"--config FILE\s+target config \(default: (\S+)\)", text)
    assert default and (ROOT / default.group(1)).is_file(), "the default config shown is not a file"
    listed = set(ROW.findall(text[text.index("Options:"):]))
    accepted = _case_options((ROOT / "test-infra" / "lib" / "framework.sh").read_text(), "framework::_parse") - {"-h"}
    assert listed == accepted, f"help lists {sorted(listed - accepted)} not accepted; accepts {sorted(accepted - listed)} not listed"


def test_run_all_clusters_help_lists_exactly_what_it_accepts() -> None:
    script = ROOT / "test-infra" / "run-all-clusters.sh"
    text = _help(str(script), "--help")
    assert not VARIABLE.search(text)
    listed = set(ROW.findall(text[text.index("Options:"):text.index("Exit codes")]))
    accepted = _case_options(script.read_text(), "all::parse") - {"-h", "--"}
    assert listed == accepted, (listed, accepted)
    assert "Options after -- go to every framework" in text


def test_stack_help_lists_its_commands() -> None:
    text = _help(str(ROOT / "test-infra" / "local" / "stack"), "help")
    for command in ("up", "down", "status", "restart", "node-stop", "node-start"):
        assert re.search(rf"^\s+{command}\b", text, re.M), command


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    out = [(path, command)]
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            out += _walk(sub, path + [name])
    return out


def test_every_clustercheck_command_help_matches_its_options() -> None:
    from clustercheck.cli import cli

    for path, command in _walk(cli, ["clustercheck"]):
        ctx = click.Context(command, info_name=" ".join(path))
        text = command.get_help(ctx)
        assert not VARIABLE.search(text), (path, VARIABLE.search(text))
        accepted = {o for p in command.get_params(ctx) if isinstance(p, click.Option) and not p.hidden for o in p.opts}
        options = text[text.find("Options:"):] if "Options:" in text else ""
        options = options[:options.find("Commands:")] if "Commands:" in options else options
        listed = set(ROW.findall(options))
        for short in {o for o in accepted if not o.startswith("--")}:
            assert re.search(rf"^ {{2}}{short}, --", options, re.M), f"{' '.join(path)}: {short} not in its help"
        accepted = {o for o in accepted if o.startswith("--")}
        assert listed == accepted, f"{' '.join(path)}: help lists {sorted(listed - accepted)}, accepts {sorted(accepted - listed)}"
