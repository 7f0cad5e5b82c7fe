#!/usr/bin/env python3
"""yaml-set.py FILE KEY=YAML...: set dotted keys in a YAML file in place - numbers index lists, missing
maps are made, KEY=<unset> removes KEY. The e2e tests and the benches derive their configs with it."""

import sys

import yaml


def main(path: str, sets: list[str]) -> None:
    with open(path) as f:
        data = yaml.safe_load(f)
    for item in sets:
        key, value = item.split("=", 1)
        node, parts = data, key.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        last = int(parts[-1]) if isinstance(node, list) else parts[-1]
        if value == "<unset>":
            del node[last]
        else:
            node[last] = yaml.safe_load(value)
    with open(path, "w") as f:
        yaml.safe_dump(data, f)


if __name__ == "__main__":
    if len(sys.argv) < 2 or any("=" not in a for a in sys.argv[2:]):
        print("usage: yaml-set.py FILE KEY=YAML...", file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2:])
