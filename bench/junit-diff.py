#!/usr/bin/env python3
"""Whether two JUnit reports of the same job give the same results: every testcase by its suite and
name, its result (passed, failure, error, skipped) and, for a skip, its reason. A refactor that must
change nothing is checked this way on `make test-all-clusters` before and after (issue 39).

Usage: bench/junit-diff.py BEFORE.xml AFTER.xml     exit 0: the same; 1: the differences, one a line
"""
from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def results(path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for suite in ET.parse(path).iter("testsuite"):
        for case in suite.iter("testcase"):
            kids = [k for k in case if k.tag in ("failure", "error", "skipped")]
            result = kids[0].tag if kids else "passed"
            if result == "skipped":
                result += ": " + (kids[0].get("message") or (kids[0].text or "").strip())
            out[f"{suite.get('name')}/{case.get('name')}"] = result
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    before, after = results(argv[0]), results(argv[1])
    lines = [f"only before: {k} ({before[k]})" for k in sorted(before.keys() - after.keys())]
    lines += [f"only after: {k} ({after[k]})" for k in sorted(after.keys() - before.keys())]
    lines += [f"changed: {k}: {before[k]} -> {after[k]}" for k in sorted(before.keys() & after.keys())
              if before[k] != after[k]]
    print("\n".join(lines) if lines else f"the same: {len(before)} testcases, results and skip reasons")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
