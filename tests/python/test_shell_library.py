"""The shell library's layout and names: the framework's libraries in test-infra/lib, the checks' in
test-infra/checks; each file's functions carry one namespace, named after the file (slurm-capacity.sh:
slurm_capacity::); a function is defined once (a second definition would win or lose by source order),
and no two library files call each other."""

from __future__ import annotations

import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIB = ROOT / "test-infra" / "lib"
CHECKS = ROOT / "test-infra" / "checks"
LOCAL = ROOT / "test-infra" / "local"
DEFINITION = re.compile(r"^\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_:]*)\s*\(\)\s*\{?", re.M)
# What the frameworks, the runner and the local stack source; the checks source the rest (and these).
FRAMEWORK_LIBRARIES = {"init.sh", "log.sh", "util.sh", "owner.sh", "framework.sh", "runner.sh", "cloud-cluster.sh"}


def _tracked(*patterns: str) -> list[pathlib.Path]:
    out = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / p for p in out.split()]


def _library_files() -> list[pathlib.Path]:
    """Every shell library with a namespace of its own (init.sh defines none; the stack's two scripts none)."""
    return [p for p in sorted([*LIB.glob("*.sh"), *CHECKS.glob("*.sh"), *LOCAL.glob("*.sh")])
            if p.name not in ("init.sh", "build-guest.sh", "setup.sh")]


def _namespace(path: pathlib.Path) -> str:
    return path.stem.replace("-", "_")


def _libraries() -> list[pathlib.Path]:
    return sorted([*LIB.glob("*.sh"), *CHECKS.glob("*.sh")]) + _tracked("suites/*/lib.sh", "bench/lib.sh")


def _definitions(path: pathlib.Path) -> list[str]:
    return DEFINITION.findall(path.read_text())


def test_the_libraries_are_laid_out_by_who_sources_them() -> None:
    assert {p.name for p in LIB.glob("*.sh")} == FRAMEWORK_LIBRARIES
    assert not list((ROOT / "test-infra" / "utils").glob("*.sh"))  # the old flat folder
    # no check sources a framework library beyond init.sh (through check.sh)
    odd = [f"{p.relative_to(ROOT)} sources {m}" for p in [*CHECKS.glob("*.sh"), *_tracked("suites/*.sh", "suites/*/*.sh")]
           for m in re.findall(r"source \"\$CC_LIB/([\w.-]+)\"", p.read_text()) if m != "init.sh"]
    assert not odd, "a check needs a framework library:\n" + "\n".join(odd)


def test_a_library_files_functions_carry_the_namespace_named_after_it() -> None:
    odd = [f"{path.relative_to(ROOT)}: {name} (expected {_namespace(path)}::)" for path in _library_files()
           for name in _definitions(path) if name.split("::")[0] != _namespace(path) or "::" not in name]
    assert not odd, "functions outside their file's namespace:\n" + "\n".join(odd)


def test_a_namespace_lives_in_one_file() -> None:
    where: dict[str, list[str]] = {}
    for path in [*_library_files(), *_tracked("suites/*/lib.sh", "suites/*/*/lib.sh", "bench/lib.sh")]:
        for ns in {n.split("::")[0] for n in _definitions(path) if "::" in n}:
            where.setdefault(ns, []).append(str(path.relative_to(ROOT)))
    assert not {ns: f for ns, f in where.items() if len(f) > 1}


def test_a_function_is_defined_once() -> None:
    """Across the sourced libraries, and no script (framework, check, bench, stack) redefines one of
    theirs; a framework's own framework::hook_* and a check's local helpers are its own."""
    where: dict[str, list[str]] = {}
    for path in _libraries():
        for name in _definitions(path):
            where.setdefault(name, []).append(str(path.relative_to(ROOT)))
    scripts = [p for p in _tracked("*.sh", "test-infra/local/stack") if p not in _libraries()
               and not str(p.relative_to(ROOT)).startswith("tests/")]
    for path in scripts:
        for name in _definitions(path):
            if name in where:
                where[name].append(str(path.relative_to(ROOT)))
    twice = {name: files for name, files in where.items() if len(files) > 1}
    assert not twice, f"defined more than once: {twice}"


def test_no_two_library_files_call_each_other() -> None:
    files = sorted([*LIB.glob("*.sh"), *CHECKS.glob("*.sh")])
    owner = {_namespace(p): p.name for p in files if p.name != "init.sh"}
    calls: dict[str, set[str]] = {}
    for path in files:
        body = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
        used = {m.group(1) for m in re.finditer(r"(?<![\w:])([a-z_]+)::[a-z_]", body)}
        calls[path.name] = {owner[ns] for ns in used if ns in owner and owner[ns] != path.name}
    both = sorted({tuple(sorted((a, b))) for a, targets in calls.items() for b in targets if a in calls.get(b, set())})
    assert not both, f"library files that call each other: {both}"


def _schema_defaults() -> dict[str, str]:
    """CC_* variable -> the default the schema gives it (the export carries it)."""
    import json

    schema = json.loads((ROOT / "python" / "clustercheck" / "config" / "schema.json").read_text())
    defs = schema.get("$defs", {})
    out: dict[str, str] = {}

    def walk(node: dict, parts: list[str]) -> None:
        target = defs[node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else node
        default = node.get("default", target.get("default"))
        if parts and default is not None and not isinstance(default, (dict, list)):
            out["CC_" + "_".join(p.upper() for p in parts)] = str(default).lower()
        for key, sub in target.get("properties", {}).items():
            walk(sub, parts + [key])

    walk(schema, [])
    return out


def test_no_shell_fallback_repeats_a_schema_default() -> None:
    """${CC_X:-value} where the schema already defaults x to value: two places to change one fact."""
    defaults = _schema_defaults()
    found = []
    for path in _tracked("*.sh", "frameworks/*", "test-infra/local/stack"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            for var, value in re.findall(r"\$\{(CC_[A-Z0-9_]+):-([^}$]+)\}", line):
                if defaults.get(var) == value.lower():
                    found.append(f"{path.relative_to(ROOT)}:{n}: ${{{var}:-{value}}}")
    assert not found, "shell fallbacks that repeat the schema's default:\n" + "\n".join(found)


@pytest.mark.parametrize("framework", sorted(p.name for p in (ROOT / "frameworks").glob("test-*-framework.sh")))
def test_a_config_with_one_section_loads_in_every_framework(framework: str, tmp_path: pathlib.Path) -> None:
    """The shell reads settings without fallbacks, so the export must carry every default it reads,
    also for a config that leaves whole sections out (runner, runner.baseline, ...)."""
    config = tmp_path / "one-section.yaml"
    config.write_text("target: {name: one-section, kind: remote}\n"
                      "inference:\n  endpoint: {url: 'http://127.0.0.1:9', protocol: v2, model_name: m}\n"
                      "  samples: [{input: [1.0], output: 1}]\n")
    done = subprocess.run([str(ROOT / "frameworks" / framework), "run-tests", "--dry-run", "--config", str(config)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
