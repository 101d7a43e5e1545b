"""What the benchmarks of scripts/bench.py share: the environment they run in, timing one
command (wall time and peak RSS), the test repositories, and the table of figures."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPS = int(os.environ.get("BENCH_REPS", "5"))
PY, TWOSTEP = str(ROOT / ".venv/bin/python"), str(ROOT / ".venv/bin/twostep")
#: The environment of every timed command (bench.setup fills it).
ENV: dict[str, str] = {}
RESULTS: dict[str, dict] = {}
ROWS: list[tuple] = []


def sh(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True)
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace")[-2000:]
        sys.exit(f"bench: {' '.join(argv)} failed ({proc.returncode}):\n{err}")
    return proc


def _poll_hwm(pid: int, stop: threading.Event, out: list[int]) -> None:
    """Keep the last VmHWM (peak RSS, kB) of process `pid` alone, read every ~20 ms."""
    while not stop.is_set():
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
                out[0] = next((int(ln.split()[1]) for ln in status if ln.startswith("VmHWM:")),
                              out[0])
        except OSError:
            return
        stop.wait(0.02)


def timed(argv: list[str], cwd: Path, poll: bool = False) -> tuple[float, int]:
    """Wall seconds of one command (output to a log; a failure aborts), and its own VmHWM in kB."""
    log = Path(ENV["TMPDIR"]) / "last.log"
    hwm, stop = [0], threading.Event()
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=ENV, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=out)
        poller = threading.Thread(target=_poll_hwm, args=(proc.pid, stop, hwm))
        poller.start() if poll else None
        try:
            code = proc.wait(timeout=600)
        finally:
            if proc.poll() is None:
                proc.kill()
            stop.set()
        seconds = time.perf_counter() - start
        poller.join() if poll else None
    if code != 0:
        tail = log.read_text(errors="replace")[-3000:]
        sys.exit(f"bench: {' '.join(argv)} exited {code} in {cwd}:\n{tail}")
    return seconds, hwm[0]


def commit(repo: Path) -> Path:
    for argv in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.name=b", "-c", "user.email=b@b.invalid", "commit", "-qm", "i"]):
        sh(["git", *argv], repo)
    return repo


def stdlib_repo(dest: Path, package: str = "") -> Path:
    """A git repository of the stdlib (or one package of it), without site-packages and
    __pycache__."""
    src = Path(sysconfig.get_paths()["stdlib"])
    shutil.copytree(src / package, dest / package, symlinks=True,
                    ignore=shutil.ignore_patterns("site-packages", "__pycache__"))
    return commit(dest)


def many_repo(dest: Path, count: int = 30_000) -> Path:
    """`count` small deterministic text files, 40 per directory, two levels deep."""
    for n in range(count):
        d = dest / f"pkg{n // 1000:02d}" / f"mod{n // 40 % 25:02d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"f{n % 40:02d}.py").write_text(f"# generated file {n}\n\ndef f{n}(x):\n"
                                             f"    return x * {n % 97} + {n % 40}\n")
    return commit(dest)


def reset(repo: Path) -> None:
    """A clean tree with no pack cache and no earlier runs."""
    sh(["git", "checkout", "--", "."], repo)
    sh(["git", "clean", "-fdxq", "-e", ".twostep"], repo)
    for sub in ("cache", "runs"):
        shutil.rmtree(repo / ".twostep" / sub, ignore_errors=True)


def row(name: str, a: str, b: str, ratio: float | None = None, target: str = "",
        ok: bool | None = None) -> None:
    ROWS.append((name, a, b, "" if ratio is None else f"{ratio:.3f}", target,
                 "" if ok is None else ("ok" if ok else "MISSED")))


def figure(key: str, label: str, a: tuple[str, float], b: tuple[str, float],
           target: float | None = None, unit: str = "s", **extra) -> None:
    """One A/B figure: a table row, and RESULTS[key] with both medians, the ratio and the
    verdict."""
    ratio, ok = a[1] / b[1], None if target is None else a[1] / b[1] <= target
    RESULTS[key] = {a[0]: round(a[1], 3), b[0]: round(b[1], 3), "ratio": round(ratio, 3),
                    "target": target, "ok": ok, **extra}
    row(label, f"{a[1]:.2f} {unit}", f"{b[1]:.2f} {unit}", ratio,
        "" if target is None else f"<= {target:.2f}", ok)


def interleave(variants: dict, reps: int) -> dict[str, list]:
    """Call each variant `reps` times, rotating which goes first; {name: [results]}."""
    names, out = list(variants), {name: [] for name in variants}
    for i in range(reps):
        for name in names[i % len(names):] + names[:i % len(names)]:
            out[name].append(variants[name]())
    return out


def report(started: float) -> None:
    heads = ("measurement", "A", "B", "A/B", "target", "")
    widths = [max(len(str(r[i])) for r in [heads, *ROWS]) for i in range(len(heads))]
    for r in [heads, *ROWS]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    RESULTS["meta"] = {"reps": REPS, "cpus": os.cpu_count(),
                       "seconds": round(time.monotonic() - started, 1),
                       "python": sys.version.split()[0]}
    print(json.dumps(RESULTS, sort_keys=True))
