#!/usr/bin/env python3
"""Find test lines and check verdicts that can never fail.

bats runs a test body with `set -e`, and bash's errexit ignores a negated command (`! cmd`) and every
command of an `a && b` list but the last: such a line asserts nothing. In a check, a verdict recorded
inside `$(...)`, `<(...)` or `>(...)` is recorded in a subshell and lost (`one=$(f) || check::finish ""`
passes when `f` noted a failure; `check::fail` in a process substitution cannot end the check).

Usage: never_fails.py [PATH...]   (default: tests/ *.bats and *.bash, suites/ and test-infra/utils/ *.sh)
Prints FILE:LINE: what and why for each finding; exit 1 when there is one, 0 when there is none.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Right-hand sides of `&&` that are control flow, not an assertion: `grep -q x f && break`.
CONTROL = re.compile(r"^\s*(break|continue|return|exit|true|:)\b")
FUNC = re.compile(r"^(\s*)(?:function\s+)?([A-Za-z_][\w:.-]*)\s*\(\)\s*\{?\s*$")
VERDICT = re.compile(r"\bcheck::(fail|error|skip|pass|finish|note_failure|expect\w*|metric)\b")


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


def recording_functions(text: str) -> set[str]:
    """Names of the functions defined in TEXT whose bodies record a verdict (call check::...)."""
    names: set[str] = set()
    current, indent = "", ""
    for raw in text.splitlines():
        m = FUNC.match(raw)
        if m and not current:
            current, indent = m.group(2), m.group(1)
            continue
        if current:
            if raw.rstrip() == indent + "}":
                current = ""
            elif VERDICT.search(_blank_quotes(raw)):
                names.add(current)
    return names


def scan_shell(text: str, recorders: set[str]) -> list[tuple[int, str]]:
    """Findings in a check or library: a verdict recorded in a subshell, where it is lost."""
    found = []
    words = recorders | {"check::"}
    pattern = re.compile(r"(?<![\w:])(" + "|".join(re.escape(w) for w in sorted(words)) + r")")
    for n, raw in enumerate(text.splitlines(), 1):
        line = _blank_quotes(raw)
        for opener in ("$(", "<(", ">("):
            for start, end in _spans(line, opener):
                inner = line[start + 2:end]
                hit = pattern.search(inner)
                if hit and (hit.group(1) != "check::" or VERDICT.search(inner)):
                    found.append((n, f"{hit.group(1).rstrip(':')} records a verdict inside {opener}...): "
                                     "the subshell's verdict is lost; call it in the check's own shell"))
        if re.search(r"\$\(.*\)\S*\s*\|\|\s*\{?\s*check::finish\b", line):
            found.append((n, "`$(...) || check::finish`: a failure noted inside the subshell is lost and "
                             "check::finish passes"))
    return found


def default_paths() -> list[Path]:
    tests = sorted((ROOT / "tests").rglob("*.bats")) + sorted((ROOT / "tests").rglob("*.bash"))
    shell = sorted((ROOT / "suites").rglob("*.sh")) + sorted((ROOT / "test-infra" / "utils").glob("*.sh"))
    return tests + shell


def scan_paths(paths: list[Path]) -> list[str]:
    shell = [p for p in paths if p.suffix not in (".bats", ".bash")]
    # A library's recording functions count in every check that sources it.
    shared: set[str] = set()
    for p in shell:
        if p.name == "lib.sh" or p.parent.name == "utils":
            shared |= recording_functions(p.read_text())
    out = []
    for p in paths:
        text = p.read_text()
        if p.suffix in (".bats", ".bash"):
            hits = scan_bats(text)
        else:
            hits = scan_shell(text, shared | recording_functions(text))
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
