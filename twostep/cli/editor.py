"""Commands for editors and newcomers: the JSON Schemas, and a starter twostep.yaml."""

from __future__ import annotations

import json

import click

SCHEMA_NAMES = ("recipe", "result", "fleet", "doctor", "check", "recipes", "runs")


@click.command()
@click.argument("name", metavar="[NAME]", required=False, default="recipe",
                type=click.Choice(SCHEMA_NAMES))
def schema(name: str):
    """Print a JSON Schema (draft 2020-12): `recipe` (the default; for editors, generated from
    the table that validates recipes), or the --json output of result (run, plan, execute,
    resume), fleet (batch), doctor, check, recipes or runs."""
    if name == "recipe":
        from twostep.recipe.schema import recipe_schema

        click.echo(json.dumps(recipe_schema(), indent=2))
        return
    from twostep.runs.schemas import schema as output_schema

    click.echo(json.dumps(output_schema(name), indent=2))


@click.command()
@click.option("--schema", "with_schema", is_flag=True,
              help="Also write twostep.schema.json and point twostep.yaml at it (for editors "
                   "with the YAML language server).")
def init(with_schema: bool):
    """Write ./twostep.yaml: a commented recipe that extends the built-in matching the
    repository's languages (detected from its tracked files) and verifies with the test command
    the project declares (pytest's configuration, package.json's test script, go.mod,
    Cargo.toml, pom.xml or build.gradle). Never overwrites a file."""
    from pathlib import Path

    from twostep.recipe import detect
    from twostep.recipe import init as starter
    from twostep.recipe.builtin import DEFAULT_FILE
    from twostep.recipe.schema import recipe_schema
    from twostep.tools import git as gitrepo

    repo = gitrepo.root()
    project = detect.survey(repo, gitrepo.ls_files(repo))
    schema_file = "twostep.schema.json" if with_schema else None
    starter.write(Path(DEFAULT_FILE), starter.text(project, schema_file=schema_file))
    if schema_file:
        starter.write(Path(schema_file), json.dumps(recipe_schema(), indent=2) + "\n")
    click.echo(f"wrote {DEFAULT_FILE}" + (f" and {schema_file}" if schema_file else "")
               + f": extends `{project.builtin}`, {project.seen}\n{project.says}\n"
               "check it with `twostep check`, commit it, then `twostep run --spec SPEC.md`",
               err=True)


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (schema, init)
