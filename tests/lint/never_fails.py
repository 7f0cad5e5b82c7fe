#!/usr/bin/env python3
"""Find test lines and check verdicts that can never fail.

bats runs a test body with `set -e`, and bash's errexit ignores a negated command (`! cmd`) and every
command of an `a && b` list but the last: such a line asserts nothing. In a check, a verdict recorded
inside `$(...)`, `<(...)` or `>(...)` is recorded in a subshell and lost (`one=$(f) || check::finish ""`
passes when `f` noted a failure; `check::fail` in a process substitution cannot end the check).

A pytest test (a test_* function in tests/python) that asserts nothing - no assert, no pytest.raises,
no call of a helper that asserts, however deep - can never fail either.

Usage: never_fails.py [PATH...]   (default: tests/ *.bats and *.bash, tests/python *.py, suites/,
test-infra/checks/ and test-infra/lib/ *.sh)
Prints FILE:LINE: what and why for each finding; exit 1 when there is one, 0 when there is none.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Right-hand sides of `&&` that are control flow, not an assertion: `grep -q x f && break`.
CONTROL = re.compile(r"^\s*(break|continue|return|exit|true|:)\b")
FUNC = re.compile(r"^(\s*)(?:function\s+)?([A-Za-z_][\w:.-]*)\s*\(\)\s*\{?\s*$")
VERDICT = re.compile(r"\bcheck::(fail|error|skip|pass|finish|note_failure|expect\w*|metric|objective)\b")


def _blank_quotes(line: str) -> str:
    """LINE with the text of quoted strings blanked (quotes kept), so operators in strings do not count."""
    out, quote, i = [], "", 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\" and quote == '"' and i + 1 < len(line):
                out.append("  ")
                i += 2
                continue
            if c == quote:
                quote = ""
                out.append(c)
            else:
                out.append(" ")
        elif c in "'\"":
            quote = c
            out.append(c)
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            break
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _spans(line: str, opener: str) -> list[tuple[int, int]]:
    """(start, end) of each OPENER...) group (`$(`, `<(`, `>(`) in LINE, nesting counted; end is
    len(line) for a group that continues on the next line."""
    spans, i = [], 0
    while True:
        i = line.find(opener, i)
        if i < 0:
            return spans
        depth, j = 1, i + len(opener)
        while j < len(line) and depth:
            depth += {"(": 1, ")": -1}.get(line[j], 0)
            j += 1
        spans.append((i, j))
        i = j


def _strip_groups(line: str) -> str:
    """LINE without the insides of $(...), ((...)) and [[ ... ]], where && is not a list operator."""
    for opener in ("$(", "(("):
        for start, end in reversed(_spans(line, opener)):
            line = line[:start] + " " * (end - start) + line[end:]
    return re.sub(r"\[\[.*?\]\]", lambda m: " " * len(m.group()), line)


def scan_bats(text: str) -> list[tuple[int, str]]:
    """Findings in a bats file or helper: (line number, message)."""
    found = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = _strip_groups(_blank_quotes(raw))
        stripped = line.strip()
        if re.match(r"^!\s", stripped) and "||" not in stripped:
            found.append((n, "negated command: bats' set -e ignores its status; use `run ! CMD` "
                              "or an explicit test such as [ -z \"$(CMD)\" ]"))
        # A while/if condition may be a list; so may one that ends in control flow (`a && b && break`).
        for segment in re.split(r";|\bdo\b|\bthen\b|\belse\b", line):
            if "&&" in segment and not re.match(r"^\s*(while|until|if|elif)\b", segment) \
                    and not CONTROL.match(segment.rsplit("&&", 1)[1]):
                found.append((n, "`a && b` list: set -e ignores a failing `a`; put each command on its own line"))
                break
    return found


def function_bodies(text: str) -> dict[str, str]:
    """Each function defined in TEXT: name -> its body (quoted text blanked)."""
    bodies: dict[str, list[str]] = {}
    current, indent = "", ""
    for raw in text.splitlines():
        m = FUNC.match(raw)
        if m and not current:
            current, indent = m.group(2), m.group(1)
            bodies[current] = []
            continue
        if current:
            if raw.rstrip() == indent + "}":
                current = ""
            else:
                bodies[current].append(_blank_quotes(raw))
    return {name: "\n".join(lines) for name, lines in bodies.items()}


def recording_functions(text: str, known: set[str] | None = None) -> set[str]:
    """Names of the functions defined in TEXT whose bodies record a verdict: call check::..., or call a
    function that does (KNOWN: such functions defined elsewhere), however deep (gpu::owner calling
    cloud_cli::facts, which errors the check)."""
    bodies = function_bodies(text)
    names = {n for n, body in bodies.items() if VERDICT.search(body)}
    while True:
        callers = names | (known or set())
        pattern = re.compile(r"(?<![\w:])(" + "|".join(re.escape(w) for w in sorted(callers)) + r")(?![\w:])") if callers else None
        more = {n for n, body in bodies.items() if n not in names and pattern and pattern.search(body)}
        if not more:
            return names
        names |= more


def scan_shell(text: str, recorders: set[str]) -> list[tuple[int, str]]:
    """Findings in a check or library: a verdict recorded in a subshell, where it is lost."""
    found = []
    names = "|".join(re.escape(w) for w in sorted(recorders))
    pattern = re.compile(r"(?<![\w:])(check::" + (rf"|(?:{names})(?![\w:])" if names else "") + ")")
    for n, raw in enumerate(text.splitlines(), 1):
        line = _blank_quotes(raw)
        for opener in ("$(", "<(", ">("):
            for start, end in _spans(line, opener):
                if line.startswith("$((", start):  # arithmetic, not a subshell
                    continue
                inner = line[start + 2:end]
                hit = pattern.search(inner)
                if hit and (hit.group(1) != "check::" or VERDICT.search(inner)):
                    found.append((n, f"{hit.group(1).rstrip(':')} records a verdict inside {opener}...): "
                                     "the subshell's verdict is lost; call it in the check's own shell"))
        if re.search(r"\$\(.*\)\S*\s*\|\|\s*\{?\s*check::finish\b", line):
            found.append((n, "`$(...) || check::finish`: a failure noted inside the subshell is lost and "
                             "check::finish passes"))
    return found


def _calls(fn: ast.AST) -> set[str]:
    """The names FN calls (f() and obj.f() alike)."""
    out = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            f = node.func
            out.add(f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else "")
    return out


def _asserts_directly(fn: ast.AST) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.Assert):
            return True
        # pytest.raises/fail/warns, and a schema validator's validate(), which raises on what it rejects
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("raises", "fail", "warns", "validate"):
            return True
    return False


def asserting_functions(trees: list[ast.AST]) -> set[str]:
    """Names of the functions in TREES that assert, directly or through another such function."""
    fns = [n for t in trees for n in ast.walk(t) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    names = {f.name for f in fns if _asserts_directly(f)}
    while True:
        more = {f.name for f in fns if f.name not in names and _calls(f) & names}
        if not more:
            return names
        names |= more


def scan_python(tree: ast.AST, asserting: set[str]) -> list[tuple[int, str]]:
    """Findings in a pytest file: each test function that asserts nothing."""
    return [(f.lineno, f"{f.name} asserts nothing: no assert, no pytest.raises, no helper that asserts")
            for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
            and f.name.startswith("test_") and not _fixture(f) and not (_asserts_directly(f) or _calls(f) & asserting)]


def _fixture(fn: ast.AST) -> bool:
    """A pytest fixture named test_*: not a test."""
    return any("fixture" in ast.unparse(d) for d in getattr(fn, "decorator_list", []))


def default_paths() -> list[Path]:
    tests = sorted((ROOT / "tests").rglob("*.bats")) + sorted((ROOT / "tests").rglob("*.bash"))
    shell = sorted((ROOT / "suites").rglob("*.sh")) + sorted((ROOT / "test-infra" / "checks").glob("*.sh")) \
        + sorted((ROOT / "test-infra" / "lib").glob("*.sh"))
    return tests + sorted((ROOT / "tests" / "python").glob("*.py")) + shell


def scan_paths(paths: list[Path]) -> list[str]:
    shell = [p for p in paths if p.suffix not in (".bats", ".bash", ".py")]
    # helpers that assert may live in any test module or fixture (conftest, tests/fixtures)
    helpers = sorted((ROOT / "tests" / "python").glob("*.py")) + sorted((ROOT / "tests" / "fixtures").glob("*.py"))
    trees = {p: ast.parse(p.read_text()) for p in {*helpers, *(p for p in paths if p.suffix == ".py")}}
    asserting = asserting_functions(list(trees.values()))
    # A library's recording functions count in every check that sources it.
    libraries = [p.read_text() for p in shell if p.name == "lib.sh" or p.parent.name in ("checks", "lib")]
    shared: set[str] = set()
    while True:  # across files: a library's function may call another library's recorder
        grown = set().union(*(recording_functions(t, shared) for t in libraries)) if libraries else set()
        if grown <= shared:
            break
        shared |= grown
    out = []
    for p in paths:
        text = p.read_text()
        if p.suffix == ".py":
            hits = scan_python(trees[p], asserting)
        elif p.suffix in (".bats", ".bash"):
            hits = scan_bats(text)
        else:
            hits = scan_shell(text, shared | recording_functions(text, shared))
        rel = p.relative_to(ROOT) if p.is_relative_to(ROOT) else p
        out += [f"{rel}:{n}: {msg}" for n, msg in hits]
    return out


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or default_paths()
    findings = scan_paths(paths)
    for f in findings:
        print(f)
    print(f"never_fails: {len(findings)} finding(s) in {len(paths)} file(s)", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
