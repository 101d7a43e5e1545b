"""The command line (click only). Core errors become exit codes here, and only here."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from twostep import __version__
from twostep.errors import ExitCode, TwostepError
from twostep.log import LOG

if TYPE_CHECKING:  # `twostep --version` imports no more than the group
    from twostep.pipeline.inprocess import Env

EXIT_HELP = "Exit codes:\n\n\b\n" + "\n".join(
    f"  {code.value:>3}  {code.meaning}" for code in ExitCode)


#: Every sub-command, by the module of twostep.cli that defines it. A module is imported only
#: when one of its commands runs (or for --help): `twostep --version` and each pipeline stage,
#: a fresh process, load one module, not all. tests/unit/cli/test_group.py checks this table
#: against each module's COMMANDS.
COMMANDS = {
    "commands": ("run", "plan", "execute"),
    "survey": ("measure", "check", "recipes"),
    "runs": ("resume", "runs", "doctor"),
    "editor": ("schema", "init"),
    "calls": ("before", "after"),
    "stages": ("files", "linktree", "gate", "preflight"),
    "taskstages": ("approve", "tasks", "task-input", "checkpoint", "fix-round", "validate",
                   "rollback"),
    "tierstages": ("patterns", "relevant", "tiers", "trim-tiers", "callers"),
}
_MODULE_OF = {name: module for module, names in COMMANDS.items() for name in names}


class Stage(click.Command):
    """A pipeline stage: what `twostep run` and the dry-run scripts call between the CLIs.
    `twostep --help` lists stages apart from the commands a person runs."""


def stage(name: str | None = None) -> Callable[[Callable[..., Any]], click.Command]:
    """`@click.command` for a stage, declared where the stage is defined."""
    return click.command(name=name, cls=Stage)


class Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_MODULE_OF)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _MODULE_OF.get(cmd_name)
        if module is None:
            return None
        commands = importlib.import_module(f"twostep.cli.{module}").COMMANDS
        return next(c for c in commands if c.name == cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows: dict[bool, list[tuple[str, str]]] = {True: [], False: []}
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            assert cmd is not None  # every listed name resolves to a command
            rows[isinstance(cmd, Stage)].append((name, cmd.get_short_help_str(limit=60)))
        with formatter.section("Commands"):
            formatter.write_dl(rows[False])
        with formatter.section("Pipeline stages (used by run and by --dry-run scripts)"):
            formatter.write_dl(rows[True])

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            # click's overloads of main cannot be matched through *args; the call is click's own.
            return super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except TwostepError as exc:
            if str(exc):
                LOG.error(str(exc), exc.hint)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            LOG.error("aborted")
            sys.exit(130)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            LOG.error("interrupted")
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(141)
        except Exception as exc:
            if LOG.verbosity >= 2:
                raise
            LOG.error(f"internal error: {type(exc).__name__}: {exc}",
                      "this is a bug in twostep; run again with -v for the traceback and report it")
            sys.exit(1)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_HELP)
@click.version_option(__version__, prog_name="twostep")
@click.option("-q", "--quiet", count=True, help="Only errors and warnings on stderr.")
@click.option("-v", "--verbose", count=True, help="Show every command as it runs.")
@click.pass_context
def main(ctx: click.Context, quiet: int, verbose: int) -> None:
    """Plan → Execute AI coding as a reliable, scriptable pipeline.

    twostep packs your repository with repomix, has a large-context planner (gemini) write
    AI-PLAN.md, then has an executor (claude) implement it, and verifies the result.
    Data goes to stdout, progress to stderr.
    """
    process = ctx.obj is None
    if process:
        from twostep.pipeline.inprocess import Env

        ctx.obj = Env.of_process()
    # Stages started by `twostep run` inherit its -q/-v through the environment.
    inherited = int(ctx.obj.environ.get("TWOSTEP_VERBOSITY", "1") or 1)
    LOG.verbosity = max(0, (1 - quiet + verbose) if (quiet or verbose) else inherited)
    if process:
        os.environ["TWOSTEP_VERBOSITY"] = str(LOG.verbosity)


def run_stage(args: list[str], env: Env) -> int:
    """One stage in this process, given its Env (pipeline/inprocess.py): the exit code
    `twostep ARGS` gives."""
    try:
        main.main(args=args, prog_name="twostep", obj=env)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
