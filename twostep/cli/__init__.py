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
    "batch": ("batch",),
    "editor": ("schema", "init"),
    "helping": ("help",),
    "calls": ("before", "after"),
    "stages": ("files", "linktree", "gate", "preflight"),
    "taskstages": ("approve", "tasks", "task-input", "checkpoint", "fix-round", "validate",
                   "rollback"),
    "wavestages": ("waves", "task-tree", "merge-wave"),
    "scriptrun": ("begin", "end"),
    "tierstages": ("patterns", "relevant", "tiers", "trim-tiers", "callers"),
}
_MODULE_OF = {name: module for module, names in COMMANDS.items() for name in names}


class Stage(click.Command):
    """A pipeline stage: what `twostep run` and the dry-run scripts call between the CLIs.
    `twostep --help` lists stages apart from the commands a person runs."""


def stage(name: str | None = None) -> Callable[[Callable[..., Any]], click.Command]:
    """`@click.command` for a stage, declared where the stage is defined."""
    return click.command(name=name, cls=Stage)


def _screen(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """-q, -v and --no-color given after the command: the same as before it."""
    if not value or ctx.resilient_parsing:
        return
    if param.name == "no_color":
        os.environ["NO_COLOR"] = "1"
        return
    step = value if param.name == "verbose" else -value
    LOG.verbosity = max(0, LOG.verbosity + step)
    os.environ["TWOSTEP_VERBOSITY"] = str(LOG.verbosity)


_SCREEN = (("-q", "--quiet", "quiet", "Only errors and warnings on stderr."),
           ("-v", "--verbose", "verbose", "Show every command as it runs."))


def _with_screen_options(cmd: click.Command) -> click.Command:
    """Every command takes -q, -v and --no-color where hands put them: after its name too."""
    if not any(p.name == "no_color" for p in cmd.params):
        cmd.params += [click.Option([short, long, name], count=True, expose_value=False,
                                    callback=_screen, help=text)
                       for short, long, name, text in _SCREEN]
        cmd.params.append(click.Option(["--no-color", "no_color"], is_flag=True,
                                       expose_value=False, callback=_screen,
                                       help="No colour on stderr (as NO_COLOR=1)."))
    return cmd


class Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_MODULE_OF)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _MODULE_OF.get(cmd_name)
        if module is None:
            return None
        commands = importlib.import_module(f"twostep.cli.{module}").COMMANDS
        return _with_screen_options(next(c for c in commands if c.name == cmd_name))

    def rows(self, ctx: click.Context, stages: bool) -> list[tuple[str, str]]:
        """(name, short help) of the commands a person runs, or of the stages."""
        found = ((name, self.get_command(ctx, name)) for name in self.list_commands(ctx))
        return [(name, cmd.get_short_help_str(limit=60)) for name, cmd in found
                if cmd is not None and isinstance(cmd, Stage) == stages]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl(self.rows(ctx, stages=False))
        formatter.write_paragraph()
        formatter.write_text("The pipeline stages that run and the --dry-run scripts call "
                             "between the CLIs: `twostep help stages`.")


    def main(self, *args: Any, **kwargs: Any) -> Any:
        if any(k.startswith("_TWOSTEP_COMPLETE") for k in os.environ):
            from twostep.cli import completion

            completion.register()
        try:
            # click's overloads of main cannot be matched through *args; the call is click's own.
            return super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except TwostepError as exc:
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
@click.option("--no-color", is_flag=True, help="No colour on stderr (as NO_COLOR=1).")
@click.pass_context
def main(ctx: click.Context, quiet: int, verbose: int, no_color: bool) -> None:
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
    if no_color:
        os.environ["NO_COLOR"] = "1"


def run_stage(args: list[str], env: Env) -> int:
    """One stage in this process, given its Env (pipeline/inprocess.py): the exit code
    `twostep ARGS` gives."""
    try:
        main.main(args=args, prog_name="twostep", obj=env)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
