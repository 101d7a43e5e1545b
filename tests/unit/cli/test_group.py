"""The command line loads a command's module only when that command runs."""

from __future__ import annotations

import importlib
import subprocess
import sys

import twostep.cli as cli


def test_the_table_names_exactly_each_modules_commands() -> None:
    for module, names in cli.COMMANDS.items():
        defined = importlib.import_module(f"twostep.cli.{module}").COMMANDS
        assert sorted(c.name for c in defined) == sorted(names), module


def test_every_command_resolves_and_help_lists_them_all() -> None:
    ctx = cli.main.make_context("twostep", ["--help"], resilient_parsing=True)
    names = cli.main.list_commands(ctx)
    assert len(names) == len(set(names)) == sum(len(n) for n in cli.COMMANDS.values())
    assert all(cli.main.get_command(ctx, name) is not None for name in names)
    assert cli.main.get_command(ctx, "no-such-command") is None


def test_version_and_a_stage_import_only_what_they_use() -> None:
    probe = ("import sys, runpy; sys.argv = ['twostep'] + sys.argv[1:]\n"
             "try:\n    runpy.run_module('twostep', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.startswith('twostep.cli.')),\n"
             "      file=sys.stderr)")
    loaded = {}
    for args in (["--version"], ["patterns", "--help"]):
        run = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True,
                             check=True)
        loaded[args[0]] = run.stderr.strip().splitlines()[-1]
    assert loaded["--version"] == "[]"
    # the stage's own module, the shared agent options its recipe stages take, its Env, and
    # the completions its options offer
    assert loaded["patterns"] == ("['twostep.cli.choosing', 'twostep.cli.completion', "
                                  "'twostep.cli.env', 'twostep.cli.tierstages']")
