"""Issue 23's benchmark: an 8-item fleet (`twostep batch`) whose stand-in model CLIs take 4 s
per call, --jobs 4 against --jobs 1; twostep's own time per item around its two calls; and
how many times the items' shared pack was packed (a repomix shim counts the packs)."""

import json
import os
import shutil
from pathlib import Path

from benchkit import ENV, RESULTS, TWOSTEP, figure, row, sh, stdlib_repo, timed

ITEMS, CALL_S = 8, 4.0
#: The model calls of one item: the planner's and one executor session (a one-task plan).
CALLS = 2
PLAN = "# plan\\n\\n1. Add a comment at the end of `json/__init__.py`.\\n"
#: `--version` answers at once (preflight asks once per binary); a call takes CALL_S.
VERSION = 'if [ "${1:-}" = --version ]; then echo "0.0 (bench stand-in)"; exit 0; fi'
GEMINI = f"""#!/bin/sh
{VERSION}
cat >/dev/null
sleep {CALL_S}
printf '%s\\n' '{{"session_id":"b","response":"{PLAN}"}}'
"""
RESULT = json.dumps({"type": "result", "subtype": "success", "is_error": False, "num_turns": 1,
                     "duration_ms": 1, "result": "ok", "permission_denials": []})
CLAUDE = f"""#!/bin/sh
{VERSION}
cat >/dev/null
sleep {CALL_S}
echo '# bench' >> json/__init__.py
printf '%s\\n' '{RESULT}'
"""
#: Counts each pack, then is repomix (the cache key names this shim, consistently).
REPOMIX = """#!/bin/sh
echo x >> "{log}"
exec "{real}" "$@"
"""


def _bin(work: Path) -> Path:
    bin_dir = work / "fleet-bin"
    bin_dir.mkdir()
    real = shutil.which("repomix", path=ENV["PATH"])
    for name, text in (("gemini", GEMINI), ("claude", CLAUDE),
                       ("repomix", REPOMIX.format(log=work / "packs.log", real=real))):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return bin_dir


def _fleet(repo: Path, work: Path, jobs: int) -> tuple[float, dict, int]:
    """Wall seconds of one fleet from a clean state, its --json result, and its packs."""
    for sub in ("cache", "runs", "fleets"):
        shutil.rmtree(repo / ".twostep" / sub, ignore_errors=True)
    for branch in sh(["git", "branch", "--format=%(refname:short)", "--list", "twostep/*"],
                     repo).stdout.decode().split():
        sh(["git", "branch", "-q", "-D", branch], repo)
    sh(["git", "worktree", "prune"], repo)
    (work / "packs.log").write_text("")
    out = Path(ENV["TMPDIR"]) / "fleet.json"
    argv = [TWOSTEP, "batch", str(work / "fleet.yaml"), "--jobs", str(jobs), "--yes",
            "--json"]
    seconds, _ = timed(["sh", "-c", '"$@" > "$0"', str(out), *argv], repo)
    result = json.loads(out.read_text())
    if result["counts"] != {"done": ITEMS}:
        raise SystemExit(f"bench: the fleet did not finish: {result['counts']}")
    return seconds, result, len((work / "packs.log").read_text().split())


def bench_fleet(work: Path) -> None:
    repo = stdlib_repo(work / "fleet-repo", "json")
    specs = work / "fleet-specs"
    specs.mkdir()
    for n in range(ITEMS):
        (specs / f"s{n}.md").write_text(f"Item {n}: add a comment to json/__init__.py.\n")
    (work / "fleet.yaml").write_text("".join(
        f"- {{spec: fleet-specs/s{n}.md, recipe: recipe.yaml, id: s{n}}}\n"
        for n in range(ITEMS)))
    saved = dict(ENV)
    ENV["PATH"] = f"{_bin(work)}{os.pathsep}{ENV['PATH']}"
    try:
        one, serial, _ = _fleet(repo, work, 1)
        four, result, packs = _fleet(repo, work, 4)
    finally:
        ENV.clear()
        ENV.update(saved)
    model = ITEMS * CALLS * CALL_S
    own = (one - model) / ITEMS
    # Of which: inside each item's `twostep run` (its steps but the calls), and around it
    # (the item's process start-up and the fleet's own work).
    inside = sum(i["seconds"] for i in serial["items"]) / ITEMS - CALLS * CALL_S
    figure("fleet", f"fleet of {ITEMS}: --jobs 4 / --jobs 1", ("jobs4_s", four), ("jobs1_s", one),
           0.35, own_s_per_item=round(own, 3), packs=packs,
           p50_s=result["seconds"]["p50"], p90_s=result["seconds"]["p90"])
    RESULTS["fleet_own"] = {"seconds_per_item": round(own, 3), "in_run_s": round(inside, 3),
                            "around_run_s": round(own - inside, 3), "target": 1.5,
                            "ok": own <= 1.5, "load_average": os.getloadavg()[0]}
    row("fleet: twostep's own time per item", f"{own:.2f} s",
        f"in run {inside:.2f} s + around {own - inside:.2f} s", None, "<= 1.50", own <= 1.5)
    RESULTS["fleet_packs"] = {"packs": packs, "target": 1, "ok": packs == 1}
    row("fleet: packs of the shared pack", str(packs), "", None, "== 1", packs == 1)
