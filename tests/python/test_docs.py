"""The generated test-plan documents list every check that exists and no check that does not."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import BIN, ROOT, run


def test_documents_are_up_to_date() -> None:
    result = run([str(BIN / "clustercheck"), "docs", "generate", "--root", str(ROOT), "--out", str(ROOT / "docs"),
                  "--check"])
    assert result.returncode == 0, result.stderr + " - run: clustercheck docs generate"


def test_inventory_lists_exactly_the_checks_on_disk() -> None:
    on_disk = {p.stem for p in (ROOT / "suites").rglob("check-*.sh")}
    inventory = (ROOT / "docs" / "00-test-inventory.md").read_text()
    listed = set(re.findall(r"^\| `(check-[a-z0-9-]+)` \|", inventory, re.M))
    assert listed == on_disk
    for doc in ("02-component-matrix.md", "04-dependency-matrix.md"):
        named = set(re.findall(r"`(check-[a-z0-9-]+)`", (ROOT / "docs" / doc).read_text()))
        assert named <= on_disk, f"{doc} names checks that do not exist: {named - on_disk}"
    assert "(no component mapped)" not in (ROOT / "docs" / "02-component-matrix.md").read_text()


def test_a_new_check_makes_the_documents_stale(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "repo"
    for part in ("frameworks", "suites", "test-infra", "python"):
        shutil.copytree(ROOT / part, copy / part, symlinks=True)
    shutil.copytree(ROOT / "docs", copy / "docs")
    extra = copy / "suites" / "kubernetes-cluster" / "check-extra-thing.sh"
    extra.write_text("#!/usr/bin/env bash\n# Check: something new\n")
    result = run([str(BIN / "clustercheck"), "docs", "generate", "--root", str(copy), "--out", str(copy / "docs"),
                  "--check"])
    assert result.returncode == 1 and "out of date" in result.stderr
