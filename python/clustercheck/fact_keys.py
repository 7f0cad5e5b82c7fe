"""`clustercheck fact-keys COMMAND...`: the fact keys a helper command declares, for facts a check got
another way than by running the command itself (a batch job's output: facts::adopt)."""

from __future__ import annotations

import click

from clustercheck import facts
from clustercheck.command import Command


@click.command("fact-keys", cls=Command,
               context_settings={"help_option_names": ["-h", "--help"], "ignore_unknown_options": True})
@click.argument("command", nargs=-1, required=True)
def fact_keys(command: tuple[str, ...]) -> None:
    """The fact keys COMMAND declares (e.g. `multi train`), one pattern a line: for facts a check got
    another way than facts::run (a batch job's output)."""
    from clustercheck.cli import cli

    node: click.Command | None = cli
    for name in command:
        node = node.get_command(click.Context(node), name) if isinstance(node, click.Group) else None
        if node is None:
            raise click.UsageError(f"no command 'clustercheck {' '.join(command)}'")
    keys = facts.declared(node)
    if keys is None:
        raise click.UsageError(f"'clustercheck {' '.join(command)}' declares no facts")
    click.echo("\n".join(keys))
