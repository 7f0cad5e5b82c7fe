"""Errors that reach the CLI edge as one line and an exit code, never a traceback."""

from __future__ import annotations

import click

EXIT_FAILED = 1
EXIT_ERROR = 2


class UserError(click.ClickException):
    """Bad input or an environment we cannot judge: one line, exit 2."""

    exit_code = EXIT_ERROR

    def show(self, file=None) -> None:  # type: ignore[override]
        click.echo(f"clustercheck: {self.format_message()}", err=True)


class CheckFailed(click.ClickException):
    """The target does not do what it should: one line, exit 1."""

    exit_code = EXIT_FAILED

    def show(self, file=None) -> None:  # type: ignore[override]
        click.echo(f"clustercheck: {self.format_message()}", err=True)
