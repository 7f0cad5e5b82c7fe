"""The configuration reference page, generated from schema.json: every key with its type, default,
whether it is required, and its description - so the page cannot drift from what the loader accepts."""

from __future__ import annotations

import json
from typing import Any, Iterator

from clustercheck.config.load import schema


def _type(node: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return f"{name} ({_type(defs[name], defs)})" if "type" in defs[name] or "enum" in defs[name] else name
    if "enum" in node:
        return " \\| ".join(f"`{v}`" for v in node["enum"])
    kind = node.get("type", "")
    if kind == "array":
        return f"list of {_type(node.get('items', {}), defs) or 'values'}"
    if isinstance(kind, list):
        return " or ".join(kind)
    if "oneOf" in node or "anyOf" in node:
        return " or ".join(_type(n, defs) for n in node.get("oneOf", node.get("anyOf", [])))
    return kind


def _rows(node: dict[str, Any], path: str, required: bool, defs: dict[str, Any]) -> Iterator[str]:
    if path:
        default = node.get("default")
        shown = "" if default is None or default == {} else f"`{json.dumps(default)}`"
        text = " ".join(str(node.get("description", "")).split()).replace("|", "\\|")
        yield f"| `{path}` | {_type(node, defs) or 'mapping'} | {'yes' if required else ''} | {shown} | {text} |"
    needed = set(node.get("required", []))
    for key, sub in node.get("properties", {}).items():
        yield from _rows(sub, f"{path}.{key}" if path else key, key in needed, defs)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict) and extra.get("properties"):
        yield from _rows(extra, f"{path}.NAME", False, defs)


def reference() -> str:
    s = schema()
    lines = ["# Configuration reference", "",
             "Every key a target config may hold, generated from `python/clustercheck/config/schema.json` by "
             "`clustercheck docs generate`. A required key is required when its parent is present; relative "
             "paths are relative to the config file. [Configuration](configuration.md) says how targets are "
             "described.", "",
             "| key | type | required | default | meaning |", "| --- | --- | --- | --- | --- |"]
    lines += list(_rows(s, "", False, s.get("$defs", {})))
    return "\n".join(lines) + "\n"
