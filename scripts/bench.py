#!/usr/bin/env python3
"""Print twostep's performance ratios, measured side by side in one run: a table, then a JSON line.
Run `.venv/bin/python scripts/bench.py` (BENCH_REPS=N repetitions, default 5). A/B runs interleave
and medians are reported. The model CLIs are instant stand-ins: the figures are twostep's own cost
around repomix. Everything lives in one temporary directory, removed at the end."""

import html
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median as med

from bench_fleet import bench_fleet
from bench_large import bench_ranking, bench_tiers
from bench_waves import bench_waves
from benchkit import (
    ENV,
    PY,
    REPS,
    RESULTS,
    ROOT,
    TWOSTEP,
    figure,
    interleave,
    many_repo,
    report,
    reset,
    row,
    sh,
    stdlib_repo,
    timed,
)

from twostep.core import render
from twostep.core.values import RunPath
from twostep.pipeline import build as workflow
from twostep.pipeline import packstep
from twostep.tools.repomix import parse_repomix_summary

BINARY_EXTS = ROOT / ".tools/node_modules/binary-extensions/binary-extensions.json"
BOMS = (b"\xef\xbb\xbf", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\x84\x31\x95\x33", b"\xfe\xff",
        b"\xff\xfe")
#: What the stand-ins print: gemini -o json's reply, claude --output-format json's result.
GEMINI_REPLY = json.dumps({"session_id": "b", "response": "# plan\n\n1. Add a comment at the end "
                                                          "of `json/__init__.py`.\n"},
                          separators=(",", ":"))
CLAUDE_RESULT = json.dumps({"type": "result", "subtype": "success", "is_error": False,
                            "num_turns": 1, "duration_ms": 1, "result": "ok",
                            "permission_denials": []}, separators=(",", ":"))
GEMINI = f"""#!/bin/sh
cat >/dev/null
printf '%s\\n' '{GEMINI_REPLY}'
"""
CLAUDE = f"""#!/bin/sh
cat >/dev/null
echo '# bench' >> json/__init__.py
printf '%s\\n' '{CLAUDE_RESULT}'
"""
RECIPE = ("extends: default\nverify: []\nplanner: {context_tokens: 100000000}\n"
          "executor: {context_tokens: 100000000}\n")
#: The commit whose start-up the current tree is compared with (BENCH_BASELINE=REF to change):
#: the last commit with the flat 45-module layout.
BASELINE = os.environ.get("BENCH_BASELINE", "60a46a3")
#: Run only these benchmarks (BENCH_ONLY="start-up,overhead"); all when empty.
ONLY = {n.strip() for n in os.environ.get("BENCH_ONLY", "").split(",") if n.strip()}


def bench_overhead(work: Path, repo: Path) -> None:
    """twostep run vs bash running its own dry-run script; twostep's own peak RSS meanwhile."""
    run = [TWOSTEP, "run", str(work / "recipe.yaml"), "--spec", str(work / "spec.md"), "--yes",
           "--strategy", "small"]
    script = work / "dry-run.sh"
    script.write_bytes(sh([*run, "--dry-run"], repo).stdout)

    def one(argv: list[str], poll: bool) -> tuple[float, int, int]:
        reset(repo)
        seconds, hwm = timed(argv, repo, poll)
        if "json/__init__.py" not in sh(["git", "status", "--porcelain"], repo).stdout.decode():
            sys.exit(f"bench: {argv[1]} left the tree unchanged")
        packs = [p.stat().st_size for p in (repo / ".twostep/runs").glob("*/codebase.xml")]
        return seconds, hwm, max(packs)

    # The first pair warms the page cache and is not counted.
    got = interleave({"run": lambda: one(run, True),
                      "bash": lambda: one(["bash", str(script)], False)}, REPS + 1)
    runs, bashes = [r[0] for r in got["run"][1:]], [r[0] for r in got["bash"][1:]]
    hwms, pack = [r[1] / 1024 for r in got["run"][1:]], got["run"][-1][2]
    figure("overhead", "overhead: run / bash dry-run", ("run_s", med(runs)),
           ("dry_run_script_s", med(bashes)), 1.10)
    RESULTS["memory"] = {"peak_rss_mb": round(max(hwms), 1), "median_rss_mb": round(med(hwms), 1),
                         "pack_mb": round(pack / 1e6, 1), "target_mb": 80, "ok": max(hwms) <= 80}
    row("memory: twostep peak RSS", f"{max(hwms):.1f} MB", f"pack {pack / 1e6:.1f} MB", None,
        "<= 80 MB", max(hwms) <= 80)


#: Twelve stdlib modules, one per task of the bench's plan.
TASK_FILES = ("abc.py", "bisect.py", "calendar.py", "colorsys.py", "copy.py", "csv.py",
              "difflib.py", "fnmatch.py", "glob.py", "heapq.py", "keyword.py", "shlex.py")
TASKS_PLAN = "# plan\n\n" + "".join(f"## Step {n}: Touch {f}\n"
                                    f"Add a comment at the end of `{f}`.\n\n"
                                    for n, f in enumerate(TASK_FILES, 1))
#: An instant executor that does the task its input names ("task N of 12: Touch FILE").
TASKS_CLAUDE = f"""#!/bin/sh
f=$(grep -o 'task [0-9]* of [0-9]*: Touch [^ ]*' | head -n 1 | awk '{{print $NF}}')
echo '# bench' >> "$f"
printf '%s\\n' '{CLAUDE_RESULT}'
"""


def bench_tasks(work: Path, repo: Path) -> None:
    """A 12-task plan over the stdlib copy (medium: each task packs its own file): twostep's own
    time per task (everything but the model call) and the whole run vs bash running its script."""
    tbin = work / "tasks-bin"
    tbin.mkdir(exist_ok=True)
    (tbin / "claude").write_text(TASKS_CLAUDE)
    (tbin / "claude").chmod(0o755)
    reply = shlex.quote(json.dumps({"session_id": "b", "response": TASKS_PLAN}))
    (tbin / "gemini").write_text(f"#!/bin/sh\ncat >/dev/null\nprintf '%s\\n' {reply}\n")
    (tbin / "gemini").chmod(0o755)
    saved = ENV["PATH"]
    ENV["PATH"] = os.pathsep.join([str(tbin), saved])
    try:
        run = [TWOSTEP, "run", str(work / "recipe.yaml"), "--spec", str(work / "spec.md"), "--yes",
               "--strategy", "medium", "--execute-by", "task"]
        script = work / "tasks-dry-run.sh"
        script.write_bytes(sh([*run, "--dry-run"], repo).stdout)

        def one(argv: list[str]) -> tuple[float, list[float]]:
            reset(repo)
            seconds, _ = timed(argv, repo)
            changed = sh(["git", "status", "--porcelain"], repo).stdout.decode()
            if sum(f in changed for f in TASK_FILES) != len(TASK_FILES):
                sys.exit(f"bench: {argv[1]} did not do all {len(TASK_FILES)} tasks:\n{changed}")
            return seconds, per_task(repo)

        got = interleave({"run": lambda: one(run), "bash": lambda: one(["bash", str(script)])},
                         REPS + 1)
    finally:
        ENV["PATH"] = saved
    runs, bashes = [r[0] for r in got["run"][1:]], [r[0] for r in got["bash"][1:]]
    per = [t for r in got["run"][1:] for t in r[1]]
    figure("tasks_overhead", "12 tasks: run / bash dry-run", ("run_s", med(runs)),
           ("dry_run_script_s", med(bashes)), 1.05)
    RESULTS["tasks_per_task"] = {"median_s": round(med(per), 3), "max_s": round(max(per), 3),
                                 "target_s": 1.0, "ok": med(per) <= 1.0}
    row("12 tasks: twostep's time per task", f"{med(per):.2f} s", f"max {max(per):.2f} s", None,
        "<= 1.00 s", med(per) <= 1.0)


def per_task(repo: Path) -> list[float]:
    """Seconds of each task's steps but the executor's, from the run's manifest."""
    runs = sorted((repo / ".twostep/runs").glob("*/manifest.json"))
    if not runs:
        return []
    steps = json.loads(runs[-1].read_text())["steps"]
    totals: dict[str, float] = {}
    for s in steps:
        m = re.match(r"task-(\d+)-", s["name"])
        if m and not s["name"].endswith(("-executor", "-tries")):
            totals[m.group(1)] = totals.get(m.group(1), 0.0) + s["seconds"]
    return list(totals.values())


def bench_startup(work: Path) -> None:
    got = interleave({"ours": lambda: timed([TWOSTEP, "--version"], work)[0],
                      "bare": lambda: timed([PY, "-c", "pass"], work)[0]}, 20)
    figure("startup", "start-up: --version / python -c pass",
           ("twostep_version_ms", med(got["ours"]) * 1000),
           ("python_pass_ms", med(got["bare"]) * 1000), unit="ms")


def bench_startup_baseline(work: Path) -> None:
    """`twostep --version` of this tree against BASELINE's (the last flat-layout commit by
    default), both as `python -m twostep` from an unpacked tree, interleaved."""
    trees = {}
    for name, ref in (("ours", None), ("baseline", BASELINE)):
        tree = work / f"tree-{name}"
        tree.mkdir()
        if ref is None:
            shutil.copytree(ROOT / "twostep", tree / "twostep", symlinks=True)
        else:
            archive = subprocess.run(["git", "archive", ref, "twostep"], cwd=ROOT, check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        trees[name] = tree

    def version(tree: Path) -> float:  # byte-compiled, as installed (ENV's cache prefix)
        env = {**ENV, "PYTHONPATH": str(tree)}
        started = time.perf_counter()
        subprocess.run([PY, "-m", "twostep", "--version"], cwd=work, env=env, check=True,
                       capture_output=True)
        return time.perf_counter() - started

    for tree in trees.values():
        version(tree)  # writes each tree's bytecode
    got = interleave({name: (lambda t=tree: version(t)) for name, tree in trees.items()}, 30)
    figure("startup_vs_baseline", f"start-up: --version, this tree / {BASELINE[:10]}",
           ("ours_ms", med(got["ours"]) * 1000), ("baseline_ms", med(got["baseline"]) * 1000),
           1.00, unit="ms")


def bench_doctor(work: Path) -> None:
    """`twostep doctor` warm (tool versions cached per user) against its 0.5 s budget."""
    env = {**os.environ, "XDG_CACHE_HOME": str(work / "doctor-cache")}

    def doctor() -> float:
        started = time.perf_counter()
        subprocess.run([TWOSTEP, "doctor"], cwd=work, env=env, capture_output=True, check=False)
        return time.perf_counter() - started

    doctor()  # the cold call fills the cache
    got = [doctor() for _ in range(10)]
    figure("doctor", "doctor warm / 0.5 s budget", ("doctor_ms", med(got) * 1000),
           ("budget_ms", 500.0), 1.00, unit="ms")


def bench_measure(work: Path, repo: Path) -> None:
    reset(repo)
    full = ["repomix", ".", "--no-gitignore", "--no-default-patterns", "-o", str(work / "full.xml")]
    measure = [TWOSTEP, "measure", str(work / "recipe.yaml"), "--json"]
    got = interleave({"measure": lambda: timed(measure, repo)[0],
                      "repomix": lambda: timed(full, repo)[0]}, REPS)
    (work / "full.xml").unlink()
    figure("measure", "measure: twostep measure / repomix .", ("measure_s", med(got["measure"])),
           ("repomix_full_s", med(got["repomix"])), 0.25)


def bench_agreement(work: Path) -> None:
    """Near the thresholds: does `twostep measure` pick the strategy repomix's exact count gives?"""
    RESULTS["agreement"] = {}
    for package in ("email", "asyncio"):
        repo = stdlib_repo(work / f"only-{package}", package)
        quick = json.loads(sh([TWOSTEP, "measure", "default", "--json"], repo).stdout)
        shutil.rmtree(repo / ".twostep/cache", ignore_errors=True)  # no help from the first count
        exact = json.loads(sh([TWOSTEP, "measure", "default", "--exact", "--json"], repo).stdout)
        agree = quick["strategy"] == exact["strategy"]
        RESULTS["agreement"][package] = {"measure": quick["strategy"], "method": quick["method"],
                                         "tokens": quick["tokens"], "exact": exact["strategy"],
                                         "exact_tokens": exact["tokens"], "agree": agree}
        row(f"strategy: {package} measure vs --exact",
            f"{quick['strategy']} ({quick['method']}, {quick['tokens']:,})",
            f"{exact['strategy']} ({exact['tokens']:,})", None, "agree", agree)
        shutil.rmtree(repo)


def bench_packing(work: Path, repo: Path, label: str) -> None:
    """twostep's pack path (pipeline/build.py's steps, as core/render.py prints them) vs
    `repomix .` vs the seed."""
    reset(repo)
    (cached,) = workflow.pack_steps("codebase", (".",), RunPath("codebase.xml"))
    script, out, run_dir = work / "pack.sh", str(work / "out.xml"), work / "packrun"
    lines = [line for step in (packstep.config_step(), cached) for line in render.step_lines(step)]
    script.write_text('set -euo pipefail\nRUN="$1"\n' + "\n".join(lines) + "\n")

    def ours() -> float:
        shutil.rmtree(run_dir, ignore_errors=True)  # the last pack stays for the file check
        run_dir.mkdir()
        return timed(["bash", str(script), str(run_dir)], repo)[0]

    seed = ["bash", "-c", 'set -o pipefail; git ls-files | repomix --stdin -o "$1"', "seed", out]
    got = interleave({"twostep": ours,
                      "repomix": lambda: timed(["repomix", ".", "-o", out], repo)[0],
                      "seed": lambda: timed(seed, repo)[0]}, REPS)
    Path(out).unlink()
    tw, rx, sd = med(got["twostep"]), med(got["repomix"]), med(got["seed"])
    check = check_files(repo, run_dir)
    shutil.rmtree(run_dir)
    figure(f"pack_{label}", f"pack {label}: twostep / repomix .", ("twostep_s", tw),
           ("repomix_dir_s", rx), 1.10, files=check)
    figure(f"pack_{label}_seed", f"pack {label}: seed / twostep (speed-up)", ("seed_s", sd),
           ("twostep_s", tw))
    row(f"pack {label}: files packed / expected", f"{check['packed']:,}",
        f"{check['expected']:,}", None, "same set", check["same_set"])


def check_files(repo: Path, run_dir: Path) -> dict:
    """The pack holds exactly the tracked files, less binaries (repomix's extension list, its NUL
    probe, its content check) and the files its secret scan excluded."""
    text = (run_dir / "codebase.xml").read_text(encoding="utf-8", errors="replace")
    packed = {html.unescape(p) for p in re.findall(r'^<file path="([^"]*)">$', text, re.M)}
    listing = sh(["git", "ls-files", "-z"], repo).stdout.decode("utf-8", "surrogateescape")
    tracked = set(listing.split("\0")) - {""}
    summary = parse_repomix_summary((run_dir / "codebase.log").read_text(errors="replace"))
    exts = set(json.loads(BINARY_EXTS.read_text()))
    binary = {p for p in tracked if os.path.splitext(p)[1][1:].lower() in exts}
    binary |= {p for p in tracked - binary
               if b"\0" in (data := (repo / p).read_bytes()) and not data.startswith(BOMS)}
    binary |= set(summary.binary_content)
    expected = tracked - binary - set(summary.suspicious)
    return {"tracked": len(tracked), "binary": len(binary), "secret_scan": len(summary.suspicious),
            "expected": len(expected), "packed": len(packed),
            "missing": sorted(expected - packed)[:5], "extra": sorted(packed - expected)[:5],
            "same_set": packed == expected}


def bench_reruns(work: Path, repo: Path) -> None:
    plan = [TWOSTEP, "plan", str(work / "recipe.yaml"), "--spec", str(work / "spec.md"),
            "--strategy", "small"]
    first, second = [], []
    for _ in range(max(3, REPS - 2)):
        reset(repo)
        first.append(timed(plan, repo)[0])
        second.append(timed(plan, repo)[0])
        if "reusing it" not in (Path(ENV["TMPDIR"]) / "last.log").read_text(errors="replace"):
            sys.exit("bench: the second `twostep plan` did not reuse the cached pack")
    figure("reruns", "re-run: plan 1st / 2nd (pack cache)", ("first_s", med(first)),
           ("second_s", med(second)))


def setup(work: Path) -> None:
    """Stand-ins first on PATH, the recipe, the spec, dummy keys; TMPDIR inside `work`."""
    (work / "bin").mkdir()
    (work / "tmp").mkdir()
    for name, text in (("gemini", GEMINI), ("claude", CLAUDE)):
        (work / "bin" / name).write_text(text)
        (work / "bin" / name).chmod(0o755)
    (work / "recipe.yaml").write_text(RECIPE)
    (work / "spec.md").write_text("Add a comment at the end of json/__init__.py.\n")
    path = [work / "bin", ROOT / ".venv/bin", ROOT / ".tools/node_modules/.bin",
            os.environ.get("PATH", "")]
    ENV.update(os.environ, PATH=os.pathsep.join(map(str, path)), GEMINI_API_KEY="bench-dummy",
               ANTHROPIC_API_KEY="bench-dummy", TWOSTEP_MAX_INPUT_CHARS="1000000000", NO_COLOR="1",
               TMPDIR=str(work / "tmp"), PYTHONPYCACHEPREFIX=str(work / "pycache"))
    # twostep as pip installs it: byte-compiled. The checkout is an editable install, and an
    # image that sets PYTHONDONTWRITEBYTECODE would have every `twostep STAGE` process of a
    # script compile the package again (about 70 ms each); the cache stays in `work`.
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    sh([PY, "-m", "compileall", "-q", str(ROOT / "twostep")], work)


def main() -> int:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="twostep-bench-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` cleans up
    try:
        setup(work)
        print(f"bench: building repositories in {work} …", file=sys.stderr)
        repos: dict[str, Path] = {}

        def std() -> Path:
            return repos.get("std") or repos.setdefault("std", stdlib_repo(work / "stdlib"))

        def many() -> Path:
            return repos.get("many") or repos.setdefault("many", many_repo(work / "many"))

        plan = [("start-up", bench_startup, ()), ("start-up baseline", bench_startup_baseline, ()),
                ("doctor", bench_doctor, ()),
                ("overhead", bench_overhead, (std,)), ("measure", bench_measure, (std,)),
                ("agreement", bench_agreement, ()), ("pack stdlib", bench_packing, (std, "stdlib")),
                ("pack 30k", bench_packing, (many, "30k")), ("re-runs", bench_reruns, (std,)),
                ("ranking", bench_ranking, (std,)), ("tiers", bench_tiers, (std,)),
                ("tasks", bench_tasks, (std,)), ("waves", bench_waves, ()),
                ("fleet", bench_fleet, ())]
        for name, bench, args in plan:
            if ONLY and name not in ONLY:
                continue
            print(f"bench: {name} ({time.monotonic() - started:.0f} s)", file=sys.stderr)
            bench(work, *[a() if callable(a) else a for a in args])
        report(started)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
