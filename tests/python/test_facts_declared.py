"""The shell/Python seam for facts: every key a check reads is one its helper command declares, and every
key the helper code prints is declared by a command. A key renamed on one side fails here, not as an
empty string in a check."""

from __future__ import annotations

import ast
import fnmatch
import pathlib
import re

import click

from clustercheck import facts
from clustercheck.cli import cli

ROOT = pathlib.Path(__file__).resolve().parents[2]
RUNS = re.compile(r"(?:facts::run|k8s::facts) (\S+) ((?:[a-z][\w-]* ?){1,3})")
ADOPTS = re.compile(r"facts::adopt (\S+) \S+ ((?:[a-z][\w-]* ?){1,3})")
READS = re.compile(r"facts::(get|true|known|matching) (\"?[\w$.-]+\"?) (\"?[\w$./*-]+\"?)")


def _declarations() -> dict[str, tuple[str, ...]]:
    """'group command' -> its declared key patterns, for every command that declares some."""
    out: dict[str, tuple[str, ...]] = {}

    def walk(cmd: click.Command, path: str) -> None:
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd)
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), f"{path} {name}".strip())
        elif (keys := facts.declared(cmd)) is not None:
            out[path] = keys

    walk(cli, "")
    return out


def _command(words: str, declared: dict[str, tuple[str, ...]]) -> str | None:
    parts = words.split()
    for n in (2, 1, 3):
        if " ".join(parts[:n]) in declared:
            return " ".join(parts[:n])
    return None


def _is_declared(key: str, patterns: tuple[str, ...], prefix: bool = False) -> bool:
    if any(fnmatch.fnmatchcase(key, p) for p in patterns):
        return True
    return prefix and any(p.startswith(key) or ("*" in p and key.startswith(p.split("*")[0])) for p in patterns)


def _shell_files() -> list[pathlib.Path]:
    return sorted([*ROOT.glob("suites/**/*.sh"), *ROOT.glob("test-infra/checks/*.sh")])


def _reads_of(text: str, declared: dict[str, tuple[str, ...]]) -> list[tuple[int, str, str, str | None]]:
    """(line, how, key, command) for each literal read of a fact kept under a literal name in TEXT."""
    names: dict[str, str | None] = {}
    for m in [*RUNS.finditer(text), *ADOPTS.finditer(text)]:
        names[m.group(1)] = _command(m.group(2), declared)
    out = []
    for m in READS.finditer(text):
        how, name, key = m.groups()
        name, key = name.strip('"'), key.strip('"')
        if "$" in name or "$" in key or name not in names:
            continue
        out.append((text.count("\n", 0, m.start()) + 1, how, key, names[name]))
    return out


def test_every_fact_a_check_reads_is_declared_by_its_helper_command() -> None:
    declared = _declarations()
    assert len(declared) >= 30, sorted(declared)
    found, reads = [], 0
    for path in _shell_files():
        for line, how, key, command in _reads_of(path.read_text(), declared):
            reads += 1
            where = f"{path.relative_to(ROOT)}:{line}"
            if command is None:
                found.append(f"{where}: '{key}' is read from a command that declares no facts")
            elif not _is_declared(key, declared[command], prefix=how == "matching"):
                found.append(f"{where}: '{key}' is not declared by 'clustercheck {command}'")
    assert reads > 120, reads  # the scan reads the checks
    assert not found, "\n".join(found)


def test_the_scan_finds_a_renamed_key() -> None:
    declared = {"inference load": ("latency_ms.*", "kept_schedule")}
    text = 'facts::run load inference load --gpu\nfacts::get load kept_schedule\nfacts::true load kept_scheduled\n'
    reads = _reads_of(text, declared)
    assert [(k, c) for _, _, k, c in reads] == [("kept_schedule", "inference load"), ("kept_scheduled", "inference load")]
    assert not _is_declared("kept_scheduled", declared["inference load"])
    assert _is_declared("latency_ms.", declared["inference load"], prefix=True)


def _emitted_keys() -> list[tuple[str, int, str]]:
    """(file, line, key) of every emit() whose key is a literal or an f-string (placeholders as 'x')."""
    out = []
    for path in sorted((ROOT / "python" / "clustercheck").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and node.args and (
                    (isinstance(node.func, ast.Name) and node.func.id == "emit")
                    or (isinstance(node.func, ast.Attribute) and node.func.attr == "emit"))):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant):
                key = str(arg.value)
            elif isinstance(arg, ast.JoinedStr):
                key = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in arg.values)
            else:
                continue
            out.append((str(path.relative_to(ROOT)), node.lineno, key))
    return out


# Keys built wholly from variables, with what spells them out in the declarations.
BUILT = {
    ("python/clustercheck/inference/runs.py", "x.x"): "a load summary's groups: inference.cli.LOAD_SUMMARY",
    ("python/clustercheck/k8s/pods.py", "x_log"): "a probe pod's log: lookup_log, client_log, gpu_pod_log",
}


def test_every_key_the_helpers_print_is_declared_by_a_command() -> None:
    every = tuple(p for keys in _declarations().values() for p in keys)
    emitted = _emitted_keys()
    assert len(emitted) > 150
    found = [f"{f}:{line}: '{key}'" for f, line, key in emitted
             if not _is_declared(key, every) and (f, key) not in BUILT]
    assert not found, "printed but declared by no command (clustercheck.facts.declares):\n" + "\n".join(found)
