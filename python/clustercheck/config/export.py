"""The resolved config as a shell-safe env file: one `CC_A_B_C='value'` line per leaf.

Checks source it once; lists become `_COUNT` plus `_0`, `_1` ... entries.
"""

from __future__ import annotations

import re
import shlex
from typing import Any, Iterator


def _var(parts: list[str]) -> str:
    return "CC_" + re.sub(r"[^A-Z0-9_]", "_", "_".join(parts).upper())


def _leaves(node: Any, parts: list[str]) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if not str(key).startswith("_"):
                yield from _leaves(value, parts + [str(key)])
    elif isinstance(node, list):
        yield _var(parts + ["count"]), str(len(node))
        for i, item in enumerate(node):
            yield from _leaves(item, parts + [str(i)])
    elif isinstance(node, bool):
        yield _var(parts), "true" if node else "false"
    elif node is None:
        yield _var(parts), ""
    else:
        yield _var(parts), str(node)


def render(data: dict[str, Any]) -> str:
    lines = [f"CC_CONFIG_FILE={shlex.quote(data['_file'])}"]
    lines += [f"{name}={shlex.quote(value)}" for name, value in _leaves(data, [])]
    return "\n".join(lines) + "\n"
