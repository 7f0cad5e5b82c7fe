"""The package's joints: one facts protocol at the ground, no private name imported across packages,
the Kubernetes package not leaning on the inference package, every declared dependency imported, and
every command carrying the repeated-option rule."""

from __future__ import annotations

import ast
import importlib.metadata
import pathlib
import re
import tomllib
from typing import Any

import click
import pytest

PYTHON = pathlib.Path(__file__).resolve().parents[2] / "python"
PACKAGES = ("clustercheck", "aihow_double")


def _modules() -> list[tuple[str, pathlib.Path]]:
    out = []
    for top in PACKAGES:
        for f in sorted((PYTHON / top).rglob("*.py")):
            parts = list(f.relative_to(PYTHON).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out.append((".".join(parts), f))
    return out


def _owner(module: str) -> str:
    """The package a module belongs to: clustercheck.k8s.cli -> clustercheck.k8s; a module at the
    package's ground (clustercheck.facts) is its own owner."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else parts[0]


def _imports(module: str, path: pathlib.Path) -> list[tuple[int, str, str]]:
    """(line, imported module, imported name or '') for every import, relative ones resolved."""
    tree = ast.parse(path.read_text(), str(path))
    is_pkg = path.name == "__init__.py"
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, "") for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = module.split(".") if is_pkg else module.split(".")[:-1]
                here = here[: len(here) - (node.level - 1)]
                base = ".".join(here + ([node.module] if node.module else []))
            out += [(node.lineno, base, a.name) for a in node.names]
    return out


def _private_attributes(path: pathlib.Path, aliases: dict[str, str]) -> list[tuple[int, str, str]]:
    """module._name uses where `module` names an imported module of another package."""
    tree = ast.parse(path.read_text(), str(path))
    return [(n.lineno, aliases[n.value.id], n.attr) for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in aliases
            and n.attr.startswith("_") and not n.attr.startswith("__")]


def test_no_private_name_is_imported_across_packages() -> None:
    known = {m for m, _ in _modules()}
    found = []
    for module, path in _modules():
        aliases: dict[str, str] = {}
        for line, target, name in _imports(module, path):
            if not target.split(".")[0] in PACKAGES:
                continue
            full = f"{target}.{name}" if name else target
            if full in known:  # a module imported by name: its private attributes count too
                if _owner(full) != _owner(module):
                    aliases[name or target.split(".")[-1]] = full
                continue
            if name.startswith("_") and not name.startswith("__") and _owner(target) != _owner(module):
                found.append(f"{path.relative_to(PYTHON)}:{line}: {target}.{name}")
        found += [f"{path.relative_to(PYTHON)}:{line}: {target}.{attr}"
                  for line, target, attr in _private_attributes(path, aliases)]
    assert not found, "private names used across packages:\n" + "\n".join(found)


@pytest.mark.parametrize("importer,imported", [("clustercheck.k8s", "clustercheck.inference")])
def test_a_domain_package_does_not_import_a_sibling_it_does_not_model(importer: str, imported: str) -> None:
    found = [f"{path.relative_to(PYTHON)}:{line}: {target}"
             for module, path in _modules() if _owner(module) == importer
             for line, target, _ in _imports(module, path) if target == imported or target.startswith(imported + ".")]
    assert not found, f"{importer} imports {imported}:\n" + "\n".join(found)


def _package_graph() -> dict[str, set[str]]:
    """Which clustercheck sub-package imports which (lazy imports in functions count: they run too)."""
    packages = {_owner(m) for m, p in _modules() if p.name == "__init__.py" and m.count(".") == 1}
    graph: dict[str, set[str]] = {p: set() for p in packages}
    for module, path in _modules():
        src = _owner(module)
        if src not in graph:
            continue
        for _, target, name in _imports(module, path):
            full = f"{target}.{name}" if target == "clustercheck" else target
            dst = _owner(full)
            if dst in graph and dst != src:
                graph[src].add(dst)
    return graph


def _loop(graph: dict[str, set[str]]) -> list[str]:
    """One import loop among the packages (empty when there is none)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_packages_do_not_import_each_other_in_a_loop() -> None:
    """bench owns where load workers run (SLURM, a Kubernetes Job) and uses k8s as a client; what drives
    load or serving against a cluster lives in inference, above both."""
    assert _loop({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]  # the finder finds one
    graph = _package_graph()
    assert "clustercheck.bench" in graph and "clustercheck.k8s" in graph["clustercheck.bench"]
    loop = _loop(graph)
    assert not loop, "packages import each other in a loop: " + " -> ".join(loop)


def _schema_defaults() -> dict[str, list[Any]]:
    """Every key the config schema gives a default, with the defaults it has (a key may sit in several sections)."""
    from clustercheck.config.load import schema

    found: dict[str, list[Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, sub in (node.get("properties") or {}).items():
                if isinstance(sub, dict) and "default" in sub:
                    found.setdefault(key, []).append(sub["default"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema())
    return found


def _restated(tree: ast.AST, keys: dict[str, list[Any]]) -> list[tuple[int, str]]:
    """`x.get(KEY, LITERAL)` / `x.setdefault(KEY, LITERAL)` where the schema gives KEY a default: the code
    says again what schema.json says (or contradicts it). An empty fallback ('', None, {}, []) states no
    default: it is "not given"."""
    out = []
    for n in ast.walk(tree):
        if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("get", "setdefault")
                and len(n.args) == 2 and isinstance(n.args[0], ast.Constant) and n.args[0].value in keys):
            continue
        fallback = n.args[1]
        try:
            value = ast.literal_eval(fallback)
        except ValueError:
            continue  # computed: not a restated literal
        if value in ("", None) or (isinstance(value, (list, dict, tuple)) and not value):
            continue
        out.append((n.lineno, f"{n.args[0].value}: {ast.unparse(fallback)} (schema: {keys[n.args[0].value]})"))
    return out


def test_no_schema_default_is_restated_in_code() -> None:
    """Every config default lives in schema.json only: code reads the loaded value (load fills the
    defaults) or clustercheck.config.defaults for a section not loaded from a file."""
    keys = _schema_defaults()
    assert _restated(ast.parse('cfg["sweep"].get("confirm", 1)'), keys)  # the scan finds one
    assert not _restated(ast.parse('cfg.get("confirm")'), keys)
    found = [f"{p.relative_to(PYTHON)}:{line}: {what}" for m, p in _modules() if m.startswith("clustercheck")
             for line, what in _restated(ast.parse(p.read_text(), str(p)), keys)]
    assert not found, "schema defaults restated in code:\n" + "\n".join(found)


def test_the_facts_protocol_is_at_the_ground_of_the_package() -> None:
    users = {_owner(m) for m, p in _modules() for _, t, _ in _imports(m, p) if t == "clustercheck.facts"}
    assert {"clustercheck.mlops", "clustercheck.k8s", "clustercheck.inference", "clustercheck.multi"} <= users
    assert not (PYTHON / "clustercheck" / "mlops" / "facts.py").exists()


def test_the_platform_cli_double_is_outside_the_harness_package() -> None:
    found = [f"{p.relative_to(PYTHON)}:{line}" for m, p in _modules() if m.startswith("clustercheck")
             for line, t, _ in _imports(m, p) if t.startswith("aihow_double")]
    assert not found, "the harness imports the platform CLI's double:\n" + "\n".join(found)


def test_every_declared_dependency_is_imported() -> None:
    project = tomllib.loads((PYTHON / "pyproject.toml").read_text())["project"]
    declared = {re.split(r"[<>=;\[ ]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    by_import = importlib.metadata.packages_distributions()
    imported_dists = {dist.lower() for _, p in _modules() for _, t, _ in _imports("", p)
                      for dist in by_import.get(t.split(".")[0], [])}
    unused = sorted(d for d in declared if d not in imported_dists and d.replace("_", "-") not in imported_dists)
    assert not unused, f"pyproject.toml lists packages nothing imports: {unused}"


def _walk(cmd: click.Command, path: str) -> list[tuple[str, click.Command]]:
    out = [(path, cmd)]
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd)
        for name in cmd.list_commands(ctx):
            out += _walk(cmd.get_command(ctx, name), f"{path} {name}")
    return out


def test_every_command_rejects_a_repeated_option() -> None:
    from clustercheck.cli import cli
    from clustercheck.command import Command, Group

    odd = [path for path, cmd in _walk(cli, "clustercheck") if not isinstance(cmd, (Command, Group))]
    assert not odd, f"commands without the repeated-option rule: {odd}"
    assert click.Command.parse_args is Command.__mro__[1].parse_args  # click itself is left as it is


HEAVY = {"kubernetes", "boto3", "botocore", "mlflow", "torch", "pynvml", "sklearn", "numpy", "uvloop", "requests",
         "aiohttp", "jsonschema"}


def test_imports_are_at_the_top_but_the_heavy_clients_and_subcommands() -> None:
    """The rule clustercheck/__init__.py states: a function imports only a heavy client, or, in a command
    module, the clustercheck module that implements a subcommand; a heavy client is never imported at
    the top of a module."""
    odd = []
    for module, path in _modules():
        tree = ast.parse(path.read_text(), str(path))
        is_command_module = "@click." in path.read_text()
        top = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            name = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            first = "clustercheck" if isinstance(node, ast.ImportFrom) and node.level else (name or "").split(".")[0]
            where = f"{path.relative_to(PYTHON)}:{node.lineno}: {name}"
            if id(node) in top:
                if first in HEAVY:
                    odd.append(f"{where} (a heavy client at the top)")
            elif first not in HEAVY and not (is_command_module and first in PACKAGES):
                odd.append(f"{where} (imported inside a function)")
    assert not odd, "imports against the rule in clustercheck/__init__.py:\n" + "\n".join(odd)
