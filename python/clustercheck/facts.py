"""The helper's output protocol, shared by every domain package: what a helper observed, printed as
`key<TAB>value` lines for a shell check to judge, and the artifacts (JSON results, plot specs) it
leaves in the check's artifact directory for the reports.

A helper reports what the target did (including refusals and errors) instead of raising: the check
decides pass or fail. Only bad input (config, usage) raises, as a UserError with exit 2.

Every command that prints facts declares their keys, in one place: `@declares(...)` on the command.
Run under a check (facts::run sets CC_FACTS_DECLARED), the command writes its declaration beside its
facts, and the shell refuses to read a key the command does not declare (facts::get errors naming the
key and the command) instead of reading it as empty. Booleans cross as true/false, nothing as none.
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable, TypeVar

import click


DECLARED_ATTR = "__clustercheck_facts__"
F = TypeVar("F", bound=Callable[..., Any])


def declares(*keys: str) -> Callable[[F], F]:
    """The fact keys a command prints: exact keys, or patterns where `*` stands for a variable part
    (`step.*`, `gpu.*.mean_pct`). Put it under the click decorators, on the function itself."""
    def mark(fn: F) -> F:
        setattr(fn, DECLARED_ATTR, tuple(keys))
        return fn
    return mark


def declared(command: click.Command) -> tuple[str, ...] | None:
    """What COMMAND declares, or None when it prints no facts."""
    return getattr(command.callback, DECLARED_ATTR, None)


def publish(command: click.Command) -> None:
    """Write COMMAND's declaration where facts::run asked for it (CC_FACTS_DECLARED), one pattern a line."""
    path = os.environ.get("CC_FACTS_DECLARED")
    keys = declared(command)
    if path and keys is not None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.writelines(f"{k}\n" for k in keys)


def spelled(value: Any) -> str:
    """VALUE as one fact value: one line, no tab; true/false and none for Python's booleans and None."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace("\t", " ").replace("\n", " ").strip()


def emit(key: str, value: Any, *more: Any) -> None:
    """One fact: KEY, then its value (a record's further fields after it, tab-separated)."""
    click.echo("\t".join([key, spelled(value), *(spelled(v) for v in more)]))


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
