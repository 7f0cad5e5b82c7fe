"""The click classes every clustercheck command uses: an option given twice is a usage error.

click keeps the last of an option given twice without a word; a user who typed `--rate 5 ...
--rate 50` meant one of them. Groups pass their classes on (click's command_class / group_class),
so a subcommand declared with @group.command() gets the rule too. A command that prints facts
publishes the keys it declares (clustercheck.facts) before it runs.
"""

from __future__ import annotations

from typing import Any

import click

from clustercheck import facts


def reject_repeated_options(command: click.Command, ctx: click.Context, args: list[str]) -> None:
    """Options that may repeat (multiple=True, counters) are left alone; a group looks only at its own
    options, before its subcommand's name."""
    names: dict[str, str] = {}
    for param in command.get_params(ctx):
        if isinstance(param, click.Option) and not param.multiple and not param.count:
            for opt in param.opts + param.secondary_opts:
                names[opt] = param.opts[0]
    seen: set[str] = set()
    for arg in args:
        if arg == "--" or (isinstance(command, click.Group) and not arg.startswith("-")):
            break
        key = arg.split("=", 1)[0]
        if key in names and names[key] in ("--help", "-h"):
            continue
        if key in names:
            if names[key] in seen:
                raise click.UsageError(f"{names[key]} given twice", ctx=ctx)
            seen.add(names[key])


class Command(click.Command):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        reject_repeated_options(self, ctx, args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        facts.publish(self)  # the keys a check may read, before any is printed
        return super().invoke(ctx)


class Group(click.Group):
    command_class = Command
    group_class = type  # click: subgroups are of this same class

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        reject_repeated_options(self, ctx, args)
        return super().parse_args(ctx, args)
