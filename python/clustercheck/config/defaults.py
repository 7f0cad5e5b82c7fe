"""The schema's defaults, the only place a config default is written (schema.json). A loaded config has
them already (load fills them while it validates); this gives them to a section that was not loaded
from a file: a probe run by hand, a section the target leaves out."""

from __future__ import annotations

import copy
from typing import Any

from clustercheck.config.load import schema


def _subschema(dotted: str) -> dict[str, Any]:
    node = schema()
    for part in dotted.split("."):
        props = node.get("properties", {})
        if part not in props:
            raise KeyError(f"schema.json has no section {dotted!r} ({part!r} is not a key there)")
        node = props[part]
    return node


def _fill(node: dict[str, Any], value: Any) -> Any:
    """VALUE with NODE's defaults where keys are absent, nested the way validation fills them: into every
    object that is present (given or defaulted)."""
    if not isinstance(value, dict):
        return value
    for name, sub in node.get("properties", {}).items():
        if name not in value and "default" in sub:
            value[name] = copy.deepcopy(sub["default"])
        if name in value:
            value[name] = _fill(sub, value[name])
    return value


def of(dotted: str, value: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of VALUE (the section at DOTTED, e.g. "gpu_node" or "hpc.resources", or nothing) with the
    schema's defaults filled in."""
    return _fill(_subschema(dotted), copy.deepcopy(value or {}))
