"""Build the Plan → Execute pipeline for a recipe as data (phases of steps).

The same phases are executed by runner.py and rendered to bash by render.py, so `--dry-run`
cannot drift from `run`. Choices here follow ../shared/CLI-FACTS.md; each cites its section.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from twostep.recipe.model import Agent, Recipe
from twostep.pipeline.steps import (Arg, Cached, Command, CopyFile, IfNonEmpty, MakeDirs, Phase, Pipe, RemoveTree,
                           RunPath, WriteText, twostep)

SPEC = RunPath("spec.md")
CODEBASE = RunPath("codebase.xml")
SLICE = RunPath("slice.xml")
FILES_PACK = RunPath("files.xml")
PLAN_FILES = RunPath("plan-files.txt")
GEMINI_HOME = RunPath("gemini-home")
EMPTY = RunPath("empty")

#: repomix flags for a tree that holds exactly the selected files: git already chose them,
#: so repomix's own ignore rules must not drop any (CLI-FACTS 3.1), and the order must not
#: depend on git history (the tree is not the repository).
TREE_PACK_FLAGS = ("--no-gitignore", "--no-dot-ignore", "--no-default-patterns",
                   "--no-git-sort-by-changes", "--style", "xml")


@dataclass(frozen=True)
class Job:
    """What one run does: the recipe, where the spec comes from, and the user's switches."""

    recipe: Recipe
    spec_path: str | None = None      # a file, relative to the repo root or absolute
    spec_text: str | None = None      # the spec read from stdin (--spec -)
    plan_path: Arg = "AI-PLAN.md"
    yes: bool = False
    #: The planner's slice in the large strategy (pathspecs), chosen by slicing.py.
    slice: tuple[str, ...] = ()


def gemini_settings(agent: Agent) -> str:
    # With GOOGLE_GEMINI_BASE_URL set the auth type must be explicit (1.8); usage statistics
    # off removes the only other network host (1.9); maxAttempts caps 3-4 min of retries (1.7).
    return json.dumps({
        "security": {"auth": {"selectedType": "gemini-api-key"}},
        "privacy": {"usageStatisticsEnabled": False},
        "general": {"enableAutoUpdate": False, "enableAutoUpdateNotification": False,
                    "maxAttempts": max(1, agent.retries)},
        "telemetry": {"enabled": False},
    }, sort_keys=True)


def prepare_phase(job: Job) -> Phase:
    steps: list = [MakeDirs("dirs", (EMPTY, RunPath("gemini-home/.gemini")))]
    if job.spec_text is not None:
        steps.append(WriteText("spec", SPEC, job.spec_text, title="the spec, as read from stdin"))
    elif job.spec_path is not None:
        steps.append(CopyFile("spec", job.spec_path, SPEC, title="keep the spec with the run"))
    return Phase("prepare", "run directory and spec", tuple(steps))


def pack_steps(name: str, pathspecs: tuple[str, ...], out: RunPath) -> tuple:
    listing, tree, log = RunPath(f"{name}.files"), RunPath(f"{name}-tree"), RunPath(f"{name}.log")
    steps = (
        Pipe(f"{name}-select", f"tracked files the {name} pathspecs select",
             (Command(("git", "ls-files", "-z", "--", *pathspecs)),), stdout=listing),
        twostep("linktree", tree, name=f"{name}-tree", stdin=(listing,),
                title="hard-link exactly those files into a tree (directory-mode repomix is fast)"),
        Pipe(f"{name}-pack", f"pack them with repomix (summary and token count in {name}.log)",
             (Command(("repomix", ".", *TREE_PACK_FLAGS, "-o", out), cwd=tree),), stdout=log),
        RemoveTree(f"{name}-clean", tree),
    )
    return (Cached(f"{name}-cache", pathspecs, TREE_PACK_FLAGS, (listing, out, log), steps,
                   title=f"pack the {name} (twostep run reuses an identical earlier pack)"),)


def pack_phase(job: Job, strategy: str) -> Phase:
    if strategy != "large":
        return Phase("pack", "pack the codebase", pack_steps("codebase", job.recipe.codebase, CODEBASE))
    # The large strategy packs only the planner's slice: the whole pack would not be sent.
    return Phase("pack", "pack the planner's slice of the codebase",
                 pack_steps("slice", job.slice or job.recipe.strategies.slice or job.recipe.codebase,
                            SLICE))


def _fit(role: str, agent: Agent, pack_log: RunPath, *files: Arg, title: str) -> Pipe:
    """The budget check before a model call: the pack's tokens, the other inputs' sizes."""
    return twostep("fit", "--role", role, "--cli", agent.cli, "--budget", str(agent.input_budget),
                   "--pack-log", pack_log, "--prompt-chars", str(len(agent.prompt)), "--", *files,
                   name=f"{role}-fit", title=title)


def planner_command(agent: Agent) -> Command:
    argv = ("gemini", "-p", agent.prompt, "-m", agent.model, "-o", "json", *agent.flags)
    # An empty working directory: no @path rewriting of the input, no project GEMINI.md,
    # a tiny directory listing (1.10). The trust variable avoids exit 55 (1.8).
    env = (("GEMINI_CLI_HOME", GEMINI_HOME), ("GEMINI_CLI_TRUST_WORKSPACE", "true"))
    return Command(argv, env=env, cwd=EMPTY, stderr=RunPath("planner.log"))


def plan_phase(job: Job, strategy: str) -> Phase:
    agent = job.recipe.planner
    pack = SLICE if strategy == "large" else CODEBASE
    pack_log = RunPath("slice.log" if strategy == "large" else "codebase.log")
    return Phase("plan", f"the planner ({agent.cli} {agent.model}) writes {job.plan_path}", (
        WriteText("gemini-settings", RunPath("gemini-home/.gemini/settings.json"),
                  gemini_settings(agent), title="headless gemini settings, isolated from ~/.gemini"),
        WriteText("gemini-dotenv", RunPath("empty/.env"), "",
                  title="gemini loads the first .env up from its cwd: an empty one keeps the "
                        "repository's .env (say, a GOOGLE_GEMINI_BASE_URL) out of it"),
        _fit("planner", agent, pack_log, SPEC, pack, title="refuse input the planner cannot take whole"),
        Pipe("planner", "spec + pack on stdin, prompt as -p (gemini puts stdin first)",
             (planner_command(agent),), stdin=(SPEC, pack), stdout=RunPath("planner.json"),
             role="planner", timeout=agent.timeout),
        twostep("accept-plan", RunPath("planner.json"), "-o", job.plan_path, "--keep",
                RunPath("plan.md"), name="accept-plan",
                title="an empty or failed reply never replaces an existing plan"),
    ))


def review_phase(job: Job) -> Phase:
    return Phase("review", "proceed, edit the plan, or abort", (
        twostep("gate", job.plan_path, name="gate", interactive=True,
                title="asks on the terminal; pass --yes to skip"),))


def executor_command(agent: Agent) -> Command:
    argv = ["claude", "-p", agent.prompt, "--model", agent.model,
            # Without an explicit mode claude edits nothing and still exits 0 (2.5).
            "--permission-mode", agent.permission_mode,
            "--output-format", "json", "--no-session-persistence",
            "--max-turns", str(agent.max_turns)]
    if agent.allowed_tools:
        argv += ["--allowedTools", ",".join(agent.allowed_tools)]
    if not agent.project_settings:
        # The repository's .claude/ settings and .mcp.json would otherwise apply: tested, an
        # `env.ANTHROPIC_BASE_URL` there sent the key and the code elsewhere.
        argv += ["--setting-sources", "user", "--strict-mcp-config"]
    env = (("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
           ("CLAUDE_CODE_MAX_RETRIES", str(agent.retries)))
    return Command((*argv, *agent.flags), env=env, stderr=RunPath("executor.log"))


def _files_steps(job: Job) -> tuple:
    source = ("--recipe", job.recipe.source)
    return (
        twostep("files", job.plan_path, *source, name="files", stdout=PLAN_FILES,
                title="the tracked files the plan names (refusals and misses on stderr)"),
        IfNonEmpty("files-pack", PLAN_FILES, otherwise=FILES_PACK,
                   title="pack them (a plan that only creates files packs nothing)",
                   then=Pipe("files-pack", "", (Command(
                       ("repomix", "--stdin", "--no-git-sort-by-changes", "--style", "xml",
                        "-o", FILES_PACK)),), stdin=(PLAN_FILES,), stdout=RunPath("files.log"))),
    )


def execute_phase(job: Job, strategy: str) -> Phase:
    agent = job.recipe.executor
    small = strategy == "small"
    pack, pack_log = (CODEBASE, RunPath("codebase.log")) if small else (FILES_PACK, RunPath("files.log"))
    steps = () if small else _files_steps(job)
    steps += (
        _fit("executor", agent, pack_log, job.plan_path, pack,
             title="refuse input the executor cannot take"),
        twostep("guard", "--", job.plan_path, pack, name="executor-guard",
                title="claude reads every @path in its input: refuse untracked or outside files"),
        twostep("snapshot", "-o", RunPath("before.state"), name="snapshot",
                title="fingerprint the work tree, to prove the executor changed it"),
        Pipe("executor", "prompt, then plan + files on stdin (claude puts the prompt first)",
             (executor_command(agent),), stdin=(job.plan_path, pack),
             stdout=RunPath("executor.json"), role="executor", timeout=agent.timeout),
        twostep("check-exec", RunPath("executor.json"), name="check-exec",
                title="claude exits 0 on API errors and refused edits: read its verdict"),
        twostep("changed", RunPath("before.state"), name="changed",
                title="no change in the work tree is a failure, not a success"),
    )
    what = "the whole pack" if small else "the plan's files"
    return Phase("execute", f"the executor ({agent.cli} {agent.model}) edits, given {what}", steps)


def verify_phase(recipe: Recipe) -> Phase:
    steps = tuple(Pipe(f"verify-{i + 1}", "", (Command(argv),), role="verify", to_stderr=True)
                  for i, argv in enumerate(recipe.verify))
    return Phase("verify", "the recipe's checks", steps)


def phases(job: Job, strategy: str) -> list[Phase]:
    """Every phase of a full run, in order."""
    out = [prepare_phase(job), pack_phase(job, strategy), plan_phase(job, strategy)]
    if not job.yes:
        out.append(review_phase(job))
    out += [execute_phase(job, strategy), verify_phase(job.recipe)]
    return out
