"""`twostep help`: the stages (apart from the commands a person runs), or a command's help."""

from __future__ import annotations

import click


@click.command(name="help")
@click.argument("topic", metavar="[stages|COMMAND]", required=False)
@click.pass_context
def help_command(ctx: click.Context, topic: str | None):
    """Show the pipeline stages (`twostep help stages`), or a command's help."""
    group = ctx.find_root().command
    assert isinstance(group, click.Group)
    root = ctx.find_root()
    if topic == "stages":
        from twostep.cli import Group

        assert isinstance(group, Group)
        formatter = root.make_formatter()
        with formatter.section("Pipeline stages (what `twostep run` and the --dry-run scripts "
                               "call between the CLIs; each is `twostep STAGE …` in a script)"):
            formatter.write_dl(group.rows(root, stages=True))
        click.echo(formatter.getvalue().rstrip("\n"))
        return
    command = group.get_command(root, topic) if topic else group
    if command is None:
        raise click.UsageError(f"no command or topic {topic!r}: try `twostep --help`", ctx=ctx)
    with click.Context(command, info_name=topic or "twostep", parent=None if not topic
                       else root) as sub:
        click.echo(command.get_help(sub))


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (help_command,)
