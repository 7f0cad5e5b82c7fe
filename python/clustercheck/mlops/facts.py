"""Facts: what a helper observed, printed as `key<TAB>value` lines for a shell check to judge.

A helper reports what the target did (including refusals and errors) instead of raising: the check
decides pass or fail. Only bad input (config, usage) raises, as a UserError with exit 2.
"""

from __future__ import annotations

import os
from typing import Any

import click

from clustercheck.errors import UserError


def emit(key: str, value: Any) -> None:
    text = str(value).replace("\t", " ").replace("\n", " ").strip()
    click.echo(f"{key}\t{text}")


def describe(exc: BaseException) -> str:
    """A one-line reason from a client exception, without URLs' query strings (presigned signatures)."""
    text = " ".join(str(exc).split())
    return (text.split("?X-Amz-", 1)[0] or type(exc).__name__)[:300]


def load_config(config: str | None, section: str, meaning: str) -> tuple[str, dict[str, Any]]:
    """(path, whole config) of the file given, or of $CC_CONFIG_FILE as the runner exports it; a
    config without SECTION is an error saying what that means (MEANING)."""
    from clustercheck.config.load import load

    path = config or os.environ.get("CC_CONFIG_FILE")
    if not path:
        raise UserError("no config: pass --config FILE or set CC_CONFIG_FILE")
    data = load(path)
    if section not in data:
        raise UserError(f"config error: {path}: {section}: is missing ({meaning})")
    return path, data


def load_section(config: str | None) -> dict[str, Any]:
    """The mlops section of the config."""
    return load_config(config, "mlops", "this target has no MLOps stack")[1]["mlops"]


config_option = click.option(
    "--config", "config", metavar="FILE", envvar="CC_CONFIG_FILE", show_envvar=True,
    help="Target config (a check gets it from the runner, which exports CC_CONFIG_FILE).",
)
