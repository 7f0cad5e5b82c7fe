"""The shell library's names: each utils file's functions carry its namespace, a function is defined
once (a second definition would win or lose by source order), and no two utils files call each other."""

from __future__ import annotations

import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
UTILS = ROOT / "test-infra" / "utils"
DEFINITION = re.compile(r"^\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_:]*)\s*\(\)\s*\{?", re.M)

# utils file -> the namespace of its functions ("" for init.sh, which defines none)
NAMESPACES = {
    "check.sh": "check", "cloud-cli-utils.sh": "cloud_cli", "cloud-cluster.sh": "cloud_cluster", "facts.sh": "facts",
    "framework.sh": "framework", "gpu-node-utils.sh": "gpunode", "gpu-test-utils.sh": "gpu",
    "hpc-runtime-utils.sh": "runtime", "inference-test-utils.sh": "inference", "init.sh": "", "k8s-utils.sh": "k8s",
    "log.sh": "log", "mlops-test-utils.sh": "mlops", "multi-cluster-utils.sh": "mc", "node-health-utils.sh": "health",
    "owner.sh": "owner", "pcie-utils.sh": "pcie", "runner.sh": "runner", "slurm-capacity.sh": "slurm_capacity", "slurm-node-state.sh": "slurm_state",
    "slurm-utils.sh": "slurm", "util.sh": "util",
}


def _tracked(*patterns: str) -> list[pathlib.Path]:
    out = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / p for p in out.split()]


def _libraries() -> list[pathlib.Path]:
    return sorted(UTILS.glob("*.sh")) + _tracked("suites/*/lib.sh", "bench/lib.sh")


def _definitions(path: pathlib.Path) -> list[str]:
    return DEFINITION.findall(path.read_text())


def test_every_utils_file_is_in_the_namespace_table() -> None:
    assert sorted(p.name for p in UTILS.glob("*.sh")) == sorted(NAMESPACES)


def test_a_utils_files_functions_carry_its_namespace() -> None:
    odd = [f"{path.name}: {name} (expected {NAMESPACES[path.name]}::)" for path in sorted(UTILS.glob("*.sh"))
           for name in _definitions(path) if name.split("::")[0] != NAMESPACES[path.name] or "::" not in name]
    assert not odd, "functions outside their file's namespace:\n" + "\n".join(odd)


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


def test_no_two_utils_files_call_each_other() -> None:
    owner = {ns: name for name, ns in NAMESPACES.items() if ns}
    calls: dict[str, set[str]] = {}
    for path in sorted(UTILS.glob("*.sh")):
        body = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
        used = {m.group(1) for m in re.finditer(r"(?<![\w:])([a-z_]+)::[a-z_]", body)}
        calls[path.name] = {owner[ns] for ns in used if ns in owner and owner[ns] != path.name}
    both = sorted({tuple(sorted((a, b))) for a, targets in calls.items() for b in targets if a in calls.get(b, set())})
    assert not both, f"utils files that call each other: {both}"


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
