"""`clustercheck config validate|export|get`."""

from __future__ import annotations

import json
import os
import tempfile

import click

from clustercheck import paths
from clustercheck.command import Group
from clustercheck.config import export, load


@click.group(cls=Group)
def config() -> None:
    """Validate and export target configs (exit 2 and one line on a bad file)."""


@config.command()
@click.argument("path")
def validate(path: str) -> None:
    """Check PATH against the schema and the cross-field rules."""
    load.load(path)
    click.echo(f"{path}: valid")


def _write(text: str, output: str | None) -> None:
    if not output:
        click.echo(text, nl=False)
        return
    if os.path.exists(output) and not os.path.isfile(output) or os.path.islink(output):
        # /dev/stdout, /dev/null, a pipe: written in place - replacing it would swap a device for a file
        with open(output, "w") as fh:
            fh.write(text)
        return
    folder = os.path.dirname(os.path.abspath(output))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".config-out.")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, output)


@config.command(name="export")
@click.argument("path")
@click.option("--output", "-o", help="Write to this file (atomically, mode 600) instead of stdout.")
@click.option("--secrets-out", help="Also write the values outputs must mask to this file, one per line (mode 600).")
def export_cmd(path: str, output: str | None, secrets_out: str | None) -> None:
    """Print PATH as a shell-safe env file for checks to source."""

    for option, target in (("--output", output), ("--secrets-out", secrets_out)):
        if target is not None:
            paths.writable_file(target, option)
    data = load.load(path)
    _write(export.render(data), output)
    if secrets_out:
        values = [v for v in load.secret_values(data) if "\n" not in v]
        _write("".join(f"{v}\n" for v in values), secrets_out)


@config.command()
@click.argument("path")
@click.option("--output", "-o", help="Write to this file (atomically, mode 600) instead of stdout.")
def dump(path: str, output: str | None) -> None:
    """Print PATH as JSON with defaults filled in and paths resolved (e.g. as Ansible extra vars)."""

    if output is not None:
        paths.writable_file(output, "--output")
    data = load.load(path)
    data.pop("_file", None)
    _write(json.dumps(data, indent=2) + "\n", output)


@config.command()
@click.argument("path")
def secrets(path: str) -> None:
    """Print the values that outputs must mask, one JSON list."""
    click.echo(json.dumps(load.secret_values(load.load(path))))
