"""The scan for lines that can never fail (tests/lint/never_fails.py): clean on the tree, and it finds a
planted example of each pattern."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "lint" / "never_fails.py"
_spec = importlib.util.spec_from_file_location("never_fails", SCRIPT)
assert _spec and _spec.loader
scan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scan)


def test_the_tree_is_clean() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
    assert "0 finding(s)" in result.stderr


def test_a_negated_command_that_is_not_the_last_line_is_found() -> None:
    text = '@test "x" {\n  ! pgrep -f guest >/dev/null\n  [ -z "$(ls)" ]\n}\n'
    assert [n for n, _ in scan.scan_bats(text)] == [2]


def test_an_and_list_in_a_test_body_is_found() -> None:
    text = '@test "x" {\n  [ -f a ] && [ -f b ]\n  grep -q x f && grep -q y f\n}\n'
    assert [n for n, _ in scan.scan_bats(text)] == [2, 3]


def test_what_can_fail_is_not_reported() -> None:
    text = "\n".join([
        '@test "x" {',
        '  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)',  # inside $(...): the substitution's status counts
        '  [[ "$output" == *a* && "$output" != *b* ]]',  # one [[ ]] command
        '  for _ in $(seq 5); do grep -q x f && break; sleep 1; done',  # control flow
        '  while [ -e f ] && [ -s f ]; do sleep 0.1; done',  # a loop condition
        '  [ -a ] && [ -b ] && return 0',
        '  ! ls -d /sys/x 2>/dev/null || { echo left >&2; return 1; }',  # negation with its own failure
        '  run ! pgrep x',
        '  echo "a && b"  # quoted',
        '}',
    ])
    assert scan.scan_bats(text) == []


def test_a_verdict_recorded_inside_a_command_substitution_is_found() -> None:
    text = "\n".join([
        "count() {",
        '  slurm::srun true || { check::note_failure "job failed"; return 1; }',
        "  echo 1",
        "}",
        'one=$(count) || check::finish ""',
        'two=$(count)',
        'x=$(curl -sf u) || check::fail "no answer"',  # curl's status, judged in the check's shell: fine
    ])
    found = scan.scan_shell(text, scan.recording_functions(text))
    assert sorted({n for n, _ in found}) == [5, 6]
    assert any("check::finish" in msg for n, msg in found if n == 5)


def test_check_fail_inside_a_process_substitution_is_found() -> None:
    text = "\n".join([
        "scrape() {",
        '  curl -sf u >f || check::fail "no answer"',
        "}",
        "while read -r a; do :; done < <(scrape)",
        'tee >(grep -q x || check::fail "no x") <f',
    ])
    found = scan.scan_shell(text, scan.recording_functions(text))
    assert [n for n, _ in found] == [4, 5]


def test_the_command_line_exits_1_on_a_planted_file(tmp_path: Path) -> None:
    planted = tmp_path / "planted.bats"
    planted.write_text('@test "x" {\n  ! true\n  true\n}\n')
    result = subprocess.run([sys.executable, str(SCRIPT), str(planted)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "planted.bats:2: negated command" in result.stdout


def test_a_verdict_recorded_through_a_helper_of_a_helper_is_found_arithmetic_is_not() -> None:
    text = "\n".join([
        "facts() {",
        '  clustercheck facts >f || check::error "no facts"',
        "}",
        "owner() {",
        "  facts",
        "  cut -f 3 f",
        "}",
        'who=$(owner)',  # facts' error is lost in the substitution
        'n=$((n + 1))',
    ])
    found = scan.scan_shell(text, scan.recording_functions(text))
    assert [n for n, _ in found] == [8] and "owner records a verdict" in found[0][1]


def test_a_python_test_that_asserts_nothing_is_found(tmp_path: Path) -> None:
    import ast

    tree = ast.parse("\n".join([
        "def near(a, b):",
        "    assert abs(a - b) < 1",
        "def check(x):",
        "    near(x, 1)",
        "def test_asserts_through_helpers():",
        "    check(1)",
        "def test_runs_but_judges_nothing():",
        "    sorted([3, 1])",
        "def test_raises():",
        "    with pytest.raises(ValueError):",
        "        int('x')",
    ]))
    found = scan.scan_python(tree, scan.asserting_functions([tree]))
    assert [n for n, _ in found] == [7] and "test_runs_but_judges_nothing asserts nothing" in found[0][1]
