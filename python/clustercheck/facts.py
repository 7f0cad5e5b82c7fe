"""The helper's output protocol, shared by every domain package: what a helper observed, printed as
`key<TAB>value` lines for a shell check to judge, and the artifacts (JSON results, plot specs) it
leaves in the check's artifact directory for the reports.

A helper reports what the target did (including refusals and errors) instead of raising: the check
decides pass or fail. Only bad input (config, usage) raises, as a UserError with exit 2.
"""

from __future__ import annotations

import json
import os
from typing import Any

import click


def emit(key: str, value: Any) -> None:
    text = str(value).replace("\t", " ").replace("\n", " ").strip()
    click.echo(f"{key}\t{text}")


def describe(exc: BaseException) -> str:
    """A one-line reason from a client exception, without URLs' query strings (presigned signatures)."""
    text = " ".join(str(exc).split())
    return (text.split("?X-Amz-", 1)[0] or type(exc).__name__)[:300]


def artifact_path(name: str) -> str | None:
    """Where artifact NAME goes: the check's artifact directory as the runner exports it, or nowhere."""
    folder = os.environ.get("CC_ARTIFACT_DIR")
    return os.path.join(folder, name) if folder else None


def save(name: str, data: Any) -> None:
    """Write a check's full result as JSON artifact NAME (when the runner gave a directory)."""
    path = artifact_path(name)
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)


def plot(spec: dict[str, Any]) -> None:
    """Append a plot for the HTML report (report/svg.py draws it)."""
    path = artifact_path("plots.jsonl")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(spec) + "\n")


config_option = click.option(
    "--config", "config", metavar="FILE", envvar="CC_CONFIG_FILE", show_envvar=True,
    help="Target config (a check gets it from the runner, which exports CC_CONFIG_FILE).",
)
