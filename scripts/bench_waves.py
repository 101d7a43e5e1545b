"""The bench of tasks side by side: a 4-task plan of two strands (1 → 3, 2 → 4) whose
stand-in executor takes 8 s per session. `--jobs 2` against `--jobs 1` wall time, and
twostep's own added time per task (its task steps but the session, and the merges' share).

It runs on a repository of 20 stdlib modules: on the whole stdlib copy, packing and planning
(about 12 s, the same for both) would cap the ratio near 0.64 whatever the waves do."""

import json
import os
import re
import shlex
import shutil
import sys
import sysconfig
from pathlib import Path
from statistics import median as med

from benchkit import (
    ENV,
    REPS,
    RESULTS,
    TWOSTEP,
    commit,
    figure,
    interleave,
    reset,
    row,
    sh,
    timed,
)

SECONDS = 8
FILES = ("abc.py", "bisect.py", "calendar.py", "colorsys.py")
AFTER = {3: 1, 4: 2}
PLAN = "# plan\n\nTwo independent strands.\n\n```twostep-files\n" + "".join(
    f"task {n}: Touch {f}\n" + (f"after: {AFTER[n]}\n" if n in AFTER else "") + f"modify: {f}\n"
    for n, f in enumerate(FILES, 1)) + "```\n"
RESULT = json.dumps({"type": "result", "subtype": "success", "is_error": False, "num_turns": 1,
                     "duration_ms": SECONDS * 1000, "result": "ok", "permission_denials": []})
#: The executor: sleeps, then does the task its input names ("task N of 4: Touch FILE").
CLAUDE = f"""#!/bin/sh
[ "$1" = --version ] && {{ echo '2.1.197 (Claude Code)'; exit 0; }}
f=$(grep -o 'task [0-9]* of [0-9]*: Touch [^ ]*' | head -n 1 | awk '{{print $NF}}')
sleep {SECONDS}
echo '# bench' >> "$f"
printf '%s\\n' {shlex.quote(RESULT)}
"""


def _stand_ins(work: Path) -> Path:
    tbin = work / "waves-bin"
    tbin.mkdir(exist_ok=True)
    reply = shlex.quote(json.dumps({"session_id": "b", "response": PLAN}))
    for name, text in (("claude", CLAUDE),
                       ("gemini", "#!/bin/sh\n[ \"$1\" = --version ] && { echo 0.61.0; exit 0; }\n"
                                  f"cat >/dev/null\nprintf '%s\\n' {reply}\n")):
        (tbin / name).write_text(text)
        (tbin / name).chmod(0o755)
    return tbin


def _added(repo: Path) -> float:
    """Seconds per task of twostep's own work in the last run: each task's steps but its
    session, plus its share of the merges."""
    steps = json.loads(sorted((repo / ".twostep/runs").glob("*/manifest.json"))[-1]
                       .read_text())["steps"]
    own = sum(s["seconds"] for s in steps if re.match(r"(task-\d+-|wave-\d+-merge)", s["name"])
              and not s["name"].endswith(("-executor", "-tries")))
    return own / len(FILES)


def small_repo(dest: Path) -> Path:
    """The plan's four modules and sixteen more of the stdlib's top level."""
    src = Path(sysconfig.get_paths()["stdlib"])
    more = sorted(p.name for p in src.glob("[d-t]*.py"))[:16]
    dest.mkdir(parents=True, exist_ok=True)
    for name in (*FILES, *more):
        shutil.copy2(src / name, dest / name)
    return commit(dest)


def bench_waves(work: Path) -> None:
    repo = small_repo(work / "waves-repo")
    saved = ENV["PATH"]
    ENV["PATH"] = os.pathsep.join([str(_stand_ins(work)), saved])
    run = [TWOSTEP, "run", str(work / "recipe.yaml"), "--spec", str(work / "spec.md"), "--yes",
           "--strategy", "medium"]

    def one(jobs: str) -> tuple[float, float]:
        reset(repo)
        seconds, _ = timed([*run, "--jobs", jobs], repo)
        changed = sh(["git", "status", "--porcelain"], repo).stdout.decode()
        if sum(f in changed for f in FILES) != len(FILES):
            sys.exit(f"bench: --jobs {jobs} did not do all {len(FILES)} tasks:\n{changed}")
        return seconds, _added(repo)

    try:
        got = interleave({"2": lambda: one("2"), "1": lambda: one("1")}, REPS)
    finally:
        ENV["PATH"] = saved
    side, serial = [r[0] for r in got["2"]], [r[0] for r in got["1"]]
    added = [r[1] for r in got["2"]]
    figure("waves", "4 tasks, 2 strands, 8 s sessions: --jobs 2 / --jobs 1",
           ("jobs2_s", med(side)), ("jobs1_s", med(serial)), 0.6)
    RESULTS["waves_added_per_task"] = {"median_s": round(med(added), 3),
                                       "max_s": round(max(added), 3), "target_s": 1.0,
                                       "ok": med(added) <= 1.0}
    row("--jobs 2: twostep's added time per task", f"{med(added):.2f} s",
        f"max {max(added):.2f} s", None, "<= 1.00 s", med(added) <= 1.0)
