"""One chart from the command line, as a user types it: ``soundcharts-assets cascade SLUG --wait`` (issue 22).

``python -m benchmarks.cli_cascade_benchmark [--slug global-28] [--repeats 1] [--json-out F]
[--dagster-yaml F]``. On demand, never a test.

In a fresh temporary DAGSTER_HOME (the shipped ``dagster.yaml``) and SQLite warehouse, against the emulator in
its own process (50 ± 10 ms, 6,000 calls/min): ``charts add SLUG``, then

- **cold**: ``cascade SLUG --wait`` timed from the command's start to its exit (insight included);
- **refresh day**: the emulator's clock (and ``SOUNDCHARTS_TODAY``) one day on, the same command again.

While the command runs, the emulator's counters are read every 0.1 s: the first and the last API call split
the wall into the head (before the first call), the API phase and the tail (after the last call). The bound is
the calls at the rate limit. Memory: the peak resident set (VmHWM) of the command and every process it starts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from benchmarks.emulator_process import EmulatorProcess
from benchmarks.fleet_benchmark import VENV_BIN, ProcessSampler, cli, loadavg, make_env

TARGET_RATIO = 1.2


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slug", default="global-28")
    parser.add_argument("--repeats", type=int, default=1, help="cold + refresh-day pairs, each in a fresh home")
    parser.add_argument("--today", default=datetime.now(timezone.utc).date().isoformat(), help="emulator day")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--latency-jitter-ms", type=float, default=10.0)
    parser.add_argument("--rate-limit-per-minute", type=int, default=6000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, instance)")
    parser.add_argument(
        "--dagster-yaml", type=Path, help="the instance's dagster.yaml instead of the shipped one (A/B of settings)"
    )
    parser.add_argument("--json-out", type=Path)
    return parser.parse_args()


def timed_cascade(slug: str, env: dict[str, str], server: EmulatorProcess, rate: int, log: Path) -> dict[str, Any]:
    """Run ``cascade SLUG --wait`` and split its wall by the emulator's first and last call."""
    server.reset_stats()
    first_call = last_call = None
    calls = 0
    with log.open("ab") as out, ProcessSampler(interval=0.2) as sampler:
        started = time.monotonic()
        process = subprocess.Popen(
            [str(VENV_BIN / "soundcharts-assets"), "cascade", slug, "--wait"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        sampler.track(process.pid)
        while process.poll() is None:
            seen = server.stats()["requests_total"]
            now = time.monotonic() - started
            if seen and first_call is None:
                first_call = now
            if seen != calls:
                calls, last_call = seen, now
            time.sleep(0.1)
        wall = time.monotonic() - started
    calls = server.stats()["requests_total"]
    bound = calls * 60.0 / rate
    memory = sampler.report()
    return {
        "exit_code": process.returncode,
        "wall_s": round(wall, 2),
        "calls": calls,
        "bound_s": round(bound, 2),
        "ratio": round(wall / bound, 3) if bound else None,
        "head_s": round(first_call, 2) if first_call is not None else None,
        "tail_s": round(wall - last_call, 2) if last_call is not None else None,
        "peak_rss_mb": memory["peak_rss_mb"],
        "top_processes": memory["top_processes"][:4],
        "load": loadavg(),
    }


def one_pair(args: argparse.Namespace) -> dict[str, Any]:
    emulator = EmulatorProcess(
        seed=7,
        latency_ms=args.latency_ms,
        latency_jitter_ms=args.latency_jitter_ms,
        rate_limit_per_minute=args.rate_limit_per_minute,
        extra_args=("--today", args.today),
    )
    workdir = Path(tempfile.mkdtemp(prefix="sca-cli-cascade-"))
    try:
        with emulator as server:
            return _cold_then_refresh(args, workdir, server)
    finally:
        if args.keep:
            print(f"kept {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _cold_then_refresh(args: argparse.Namespace, workdir: Path, server: EmulatorProcess) -> dict[str, Any]:
    env = make_env(workdir, server.url, None)
    env["SOUNDCHARTS_TODAY"] = args.today
    if args.dagster_yaml:
        (Path(env["DAGSTER_HOME"]) / "dagster.yaml").write_text(args.dagster_yaml.read_text())
    cli([str(VENV_BIN / "soundcharts-assets"), "charts", "add", args.slug], env, workdir, "charts-add")
    server.warm([args.slug])
    result = {"cold": timed_cascade(args.slug, env, server, args.rate_limit_per_minute, workdir / "cold.log")}
    next_day = (date.fromisoformat(args.today) + timedelta(days=1)).isoformat()
    server.set_today(next_day)
    env["SOUNDCHARTS_TODAY"] = next_day
    server.warm([args.slug])
    result["refresh_day"] = timed_cascade(args.slug, env, server, args.rate_limit_per_minute, workdir / "refresh.log")
    for name in ("cold", "refresh_day"):
        if result[name]["exit_code"] != 0:
            print((workdir / f"{'cold' if name == 'cold' else 'refresh'}.log").read_text()[-3000:])
    return result


def main() -> None:
    args = parse_args()
    report: dict[str, Any] = {"settings": {k: str(v) for k, v in vars(args).items()}, "runs": []}
    for _ in range(args.repeats):
        pair = one_pair(args)
        report["runs"].append(pair)
        for name, run in pair.items():
            met = run["ratio"] is not None and run["ratio"] <= TARGET_RATIO and run["exit_code"] == 0
            print(
                f"{name}: wall {run['wall_s']} s, {run['calls']} calls, bound {run['bound_s']} s, "
                f"x{run['ratio']} ({'MET' if met else 'NOT MET'}), head {run['head_s']} s, tail {run['tail_s']} s, "
                f"peak RSS {run['peak_rss_mb']} MB, load {run['load']}",
                flush=True,
            )
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
