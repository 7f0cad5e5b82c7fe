"""The hand-written pages cannot drift silently: README stays a front page, every link and path they
name exists, every make target and clustercheck command they name is real, and no prose counts
checks (counts come from the code: the generated blocks and pages)."""

from __future__ import annotations

import functools
import re
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

GENERATED = {"00-test-inventory.md", "02-component-matrix.md", "03-framework-specifications.md",
             "04-dependency-matrix.md", "05-configuration-reference.md"}
PAGES = [ROOT / "README.md", ROOT / "tests" / "README.md"] + sorted(
    p for p in (ROOT / "docs").glob("*.md") if p.name not in GENERATED)
BLOCK = re.compile(r"<!-- generated: .*?<!-- end generated -->", re.S)
CODE_BLOCK = re.compile(r"^```.*?^```", re.S | re.M)
TOP_DIRS = ("frameworks/", "suites/", "test-infra/", "python/", "tests/", "bench/", "ansible/", "packer/", "docs/")
NUMBER = r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)"


def _slug(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = CODE_BLOCK.sub("", page.read_text())
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}


def test_the_readme_is_a_front_page() -> None:
    lines = (ROOT / "README.md").read_text().count("\n")
    assert lines <= 150, f"README.md has {lines} lines: reference belongs in docs/"
    first = (ROOT / "README.md").read_text().split("```")[1]
    assert "make test-all-clusters" in first and "make test" in first


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_resolve(page: Path) -> None:
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        if re.match(r"^[a-z]+://", target):
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(target)
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{page.name}: broken links: {broken}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_named_paths_exist(page: Path) -> None:
    missing = []
    for token in re.findall(r"`([^`\s]+)`", page.read_text()):
        token = token.rstrip(".,:;)")
        if not token.startswith(TOP_DIRS) or re.search(r"[<*{$\[]|NN|\.\.\.|/N\b|<|>", token):
            continue
        if not (ROOT / token).exists():
            missing.append(token)
    assert not missing, f"{page.name} names paths that do not exist: {sorted(set(missing))}"


@functools.lru_cache(maxsize=1)
def _commands() -> frozenset[str]:
    """clustercheck's subcommands, from its help (asked once for every page)."""
    help_text = subprocess.run([str(ROOT / ".venv" / "bin" / "clustercheck"), "--help"], capture_output=True,
                               text=True, check=True).stdout
    return frozenset(re.findall(r"^  ([a-z][a-z-]+) ", help_text, re.M))


def _make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z0-9-]*):", (ROOT / "Makefile").read_text(), re.M))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_named_make_targets_and_commands_exist(page: Path) -> None:
    text = page.read_text()
    targets = _make_targets()
    named = re.findall(r"`make ([a-z][a-z0-9-]+)", text) + re.findall(r"^make ([a-z][a-z0-9-]+)", text, re.M)
    unknown = sorted({t for t in named if t not in targets})
    commands = _commands()
    unknown += sorted({f"clustercheck {c}" for c in re.findall(r"`clustercheck ([a-z][a-z-]+)", text)
                       if c not in commands})
    assert not unknown, f"{page.name} names what does not exist: {unknown}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_prose_does_not_count_checks(page: Path) -> None:
    text = BLOCK.sub("", page.read_text())
    counted = re.findall(rf"\b{NUMBER}\s+(?:[A-Za-z-]+\s+)?(?:checks|scenarios)\b", text, re.I)
    assert not counted, f"{page.name} counts checks in prose (counts come from the code): {counted}"
