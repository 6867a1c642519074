"""Pitbox's browser benchmark.

Seeds a database, starts the real server (with the floor page beside it, see bench/server.py),
and drives Debian's Chromium at iPhone 13 size. Each round measures every interaction right
after the floor's own, so both see the same machine at the same moment. Prints one table per
database and writes the figures to a JSON file.

    ./bench.sh                                  # SQLite, 30 racers x 150 sessions each
    ./bench.sh --db sqlite postgres --large     # both databases, ten times the history
    ./bench.sh --db postgres --profile          # and where the server's time goes (py-spy)
    ./bench.sh --phones 50                      # and 50 phones at once (the default)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import profile  # noqa: E402
from bench.browser import CHROMIUM_ARGS, DEVICE, BenchError, Measurement, Phone, Server  # noqa: E402
from bench.figures import percentile  # noqa: E402
from bench.phones import PhonesResult, run_phones  # noqa: E402
from bench.scenarios import (  # noqa: E402
    FLOOR_LEAN_PATH,
    FLOOR_PATH,
    SHOWS_IN_HEADER,
    AppState,
    Floor,
    Racer,
    scenarios,
)
from bench.seed import Dataset  # noqa: E402
from tests.servers import Server as ServerProcess  # noqa: E402
from tests.servers import child_env, free_port  # noqa: E402

RESULTS = ROOT / "bench-results"
RECONNECT_TIMEOUT = 5  # seconds; see start_server


def describe(measurements: list[Measurement]) -> dict:
    ms = [m.ms for m in measurements]
    return {
        "samples": len(ms),
        "p50_ms": statistics.median(ms),
        "p95_ms": percentile(ms, 95),
        "max_ms": max(ms),
        "ws_bytes_received_median": statistics.median(m.bytes_received for m in measurements),
        "ws_bytes_sent_median": statistics.median(m.bytes_sent for m in measurements),
        "statements_median": statistics.median(m.statements for m in measurements),
        "statements_max": max(m.statements for m in measurements),
        "document_bytes_median": statistics.median(m.document_bytes for m in measurements),
        "all_ms": [round(x, 2) for x in ms],
    }


# --- the database ---------------------------------------------------------------------------


class Database:
    """A database of the benchmark's own: a SQLite file, or a PostgreSQL database it drops."""

    def __init__(self, dialect: str, workdir: Path, admin_url: str, keep: bool) -> None:
        self.dialect = dialect
        self.admin_url = admin_url
        self.keep = keep
        if dialect == "sqlite":
            self.url = f"sqlite://{workdir / 'pitbox.sqlite3'}"
            self.name = None
        else:
            self.name = f"pitbox_bench_{uuid.uuid4().hex[:8]}"
            parts = urlsplit(admin_url)
            self.url = urlunsplit((parts.scheme, parts.netloc, f"/{self.name}", "", ""))
            self._sql(f'CREATE DATABASE "{self.name}"')

    def _sql(self, statement: str) -> None:
        import asyncpg

        async def run() -> None:
            dsn = self.admin_url.replace("postgres://", "postgresql://", 1)
            connection = await asyncpg.connect(dsn)
            try:
                await connection.execute(statement)
            finally:
                await connection.close()

        asyncio.run(run())

    def drop(self) -> None:
        if self.name and not self.keep:
            self._sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def seed(url: str, dataset: Dataset) -> list[Racer]:
    argv = [sys.executable, "-m", "bench.seed", url, "--racers", str(dataset.racers),
            "--cars", str(dataset.cars), "--sessions", str(dataset.sessions),
            "--per-session", str(dataset.per_session)]  # fmt: skip
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"seeding failed:\n{done.stderr[-3000:]}")
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    return [Racer(r["id"], r["name"], r["in_session"]) for r in rows]


def start_server(url: str, workdir: Path) -> ServerProcess:
    port = free_port()
    server = ServerProcess(
        [sys.executable, "-m", "bench.server"],
        child_env(
            DATABASE_URL=url,
            PITBOX_DATA_DIR=str(workdir),
            PITBOX_HOST="127.0.0.1",
            PITBOX_PORT=str(port),
            NICEGUI_STORAGE_PATH=str(workdir / ".nicegui"),
            # Each first-render sample leaves the previous page's client waiting to be
            # reconnected; a short wait keeps those from piling up between samples.
            PITBOX_RECONNECT_TIMEOUT=str(RECONNECT_TIMEOUT),
        ),
        port,
        workdir / "server.log",
    )
    server.start(timeout=120)
    return server


def log_problems(log: Path, since: int = 0) -> list[str]:
    text = log.read_text(errors="replace")[since:]
    return [line for line in text.splitlines() if re.search(r"ERROR|Traceback|Exception", line)]


# --- one database's run ---------------------------------------------------------------------


async def measure(args, dialect: str, workdir: Path) -> dict:
    from playwright.async_api import async_playwright

    dataset = Dataset(args.racers, args.cars, args.sessions * (10 if args.large else 1),
                      args.per_session)  # fmt: skip
    # In threads: creating and dropping a PostgreSQL database runs a loop of its own.
    database = await asyncio.to_thread(Database, dialect, workdir, args.postgres_url, args.keep)
    report: dict = {
        "database": dialect,
        "dataset": asdict(dataset) | {"description": dataset.describe()},
        "skipped": {},
    }
    try:
        t0 = time.perf_counter()
        racers = await asyncio.to_thread(seed, database.url, dataset)
        report["seed_seconds"] = round(time.perf_counter() - t0, 1)
        print(f"[{dialect}] seeded {dataset.describe()} in {report['seed_seconds']} s", flush=True)
        clock = time.perf_counter()
        server = start_server(database.url, workdir)
        report["phase_seconds"] = {"server_start": round(time.perf_counter() - clock, 1)}
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=args.chromium, args=CHROMIUM_ARGS
                )
                report["chromium"] = browser.version
                clock = time.perf_counter()
                await _rounds(args, playwright, browser, server, racers, report)
                report["phase_seconds"]["rounds"] = round(time.perf_counter() - clock, 1)
                await browser.close()
            if args.phones:
                # A fresh process, so that memory per tab is not hidden in what earlier
                # samples freed.
                clock = time.perf_counter()
                server.restart()
                report["phase_seconds"]["restart"] = round(time.perf_counter() - clock, 1)
                await _phones(args, server, racers, report)
                report["phase_seconds"]["phones"] = round(time.perf_counter() - clock, 1)
            report["server_log_problems"] = log_problems(server.log)
        finally:
            server.stop()
            if args.keep_logs:
                shutil.copy(server.log, args.json.with_suffix(f".{dialect}.log"))
    finally:
        await asyncio.to_thread(database.drop)
    return report


async def _rounds(args, playwright, browser, server_process, racers, report) -> None:
    server = Server(server_process.url)
    floor = Floor(await Phone.open(browser, playwright, server, FLOOR_PATH))
    lean_floor = Floor(
        await Phone.open(browser, playwright, server, FLOOR_LEAN_PATH), FLOOR_LEAN_PATH
    )
    tabs: dict[str, tuple[Phone, AppState]] = {}

    async def app_tab() -> tuple[Phone, AppState]:
        phone = await Phone.open(browser, playwright, server, "/")
        await phone.page.wait_for_function(SHOWS_IN_HEADER, arg=racers[0].name)
        await phone.settle()
        return phone, AppState(racers=racers, current=racers[0])

    shared = await app_tab()
    active = []
    for scenario in scenarios():
        if args.only and scenario.key not in args.only:
            continue
        tab = await app_tab() if scenario.own_tab else shared
        reason = await scenario.prepare(*tab)
        if reason:
            report["skipped"][scenario.key] = f"{scenario.title}: skipped, {reason}"
            print(f"[{report['database']}] {report['skipped'][scenario.key]}", flush=True)
            if scenario.own_tab:
                await tab[0].close()
            continue
        active.append(scenario)
        tabs[scenario.key] = tab

    floors: dict[str, list[Measurement]] = {
        "click": [], "first_render": [], "first_render_lean": [],
    }  # fmt: skip
    samples: dict[str, list[Measurement]] = {s.key: [] for s in active}
    total = args.warmup + args.samples
    for i in range(total):
        for scenario in active:
            lean = None
            if scenario.floor == "click":
                floor_sample = await floor.click()
            else:
                lean = await lean_floor.first_render()
                floor_sample = await floor.first_render()
            sample = await scenario.sample(*tabs[scenario.key], i)
            if i >= args.warmup:
                floors[scenario.floor].append(floor_sample)
                if lean is not None:
                    floors["first_render_lean"].append(lean)
                samples[scenario.key].append(sample)
        print(f"\r[{report['database']}] round {i + 1}/{total}", end="", flush=True)
    print(flush=True)

    report["floor"] = {k: describe(v) for k, v in floors.items() if v}
    report["interactions"] = {}
    for scenario in active:
        figures = describe(samples[scenario.key])
        base = report["floor"][scenario.floor]
        figures |= {
            "title": scenario.title,
            "floor": scenario.floor,
            "ratio_p50": figures["p50_ms"] / base["p50_ms"],
            "ratio_p95": figures["p95_ms"] / base["p95_ms"],
        }
        if lean := report["floor"].get(f"{scenario.floor}_lean"):
            figures |= {
                "ratio_p50_lean": figures["p50_ms"] / lean["p50_ms"],
                "ratio_p95_lean": figures["p95_ms"] / lean["p95_ms"],
            }
        report["interactions"][scenario.key] = figures

    if args.profile:
        report["profile"] = await _profile(args, *shared, server_process, active, report)
    await floor.phone.close()
    await lean_floor.phone.close()
    for phone, _ in {id(t[0]): t for t in tabs.values()}.values():
        await phone.close()
    if shared not in tabs.values():
        await shared[0].close()


async def _profile(args, app, state, server_process, active, report) -> dict:
    """py-spy on the server while the phone switches and opens the selector, nothing else."""
    chosen = [s for s in active if s.key in {"selector", "switch"}]
    raw = args.json.with_suffix(f".{report['database']}.pyspy.txt")
    profiler = profile.Profiler(server_process.process.pid, raw)
    await asyncio.sleep(1.0)  # py-spy attaches
    t0 = time.perf_counter()
    for i in range(args.profile_rounds):
        for scenario in chosen:
            await scenario.sample(app, state, i)
    seconds = time.perf_counter() - t0
    profiler.stop()
    summary = profile.summarise(raw, seconds)
    summary["raw_file"] = raw.name
    print(profile.format_summary(summary), flush=True)
    return summary


async def _phones(args, server_process, racers, report) -> None:
    server = Server(server_process.url)
    offset = len(server_process.log.read_text(errors="replace"))
    results: dict[str, PhonesResult] = {}
    for run, count in enumerate(dict.fromkeys((1, args.phones))):
        if run:  # the previous phones' tabs are gone once their reconnect time is over
            await asyncio.sleep(RECONNECT_TIMEOUT + 1)
        print(f"[{report['database']}] {count} phone(s) at once...", flush=True)
        # The single phone is the reference the others' p95 is held to: at least 15 rounds
        # give it 30 samples (a p95 of fewer would be little more than their maximum).
        rounds = args.phone_rounds if count > 1 else max(args.phone_rounds, 15)
        results[str(count)] = await run_phones(
            server, racers, phones=count, rounds=rounds, think=args.think
        )
    report["phones"] = {}
    for count, result in results.items():
        everything = result.latencies["selector"] + result.latencies["switch"]
        report["phones"][count] = {
            "phones": result.phones,
            "rounds": result.rounds,
            "interactions": len(everything),
            "edits": result.edits,
            "seconds": round(result.seconds, 1),
            "p50_ms": statistics.median(everything) if everything else None,
            "p95_ms": percentile(everything, 95) if everything else None,
            "by_interaction": {
                k: {"p50_ms": statistics.median(v), "p95_ms": percentile(v, 95), "samples": len(v)}
                for k, v in result.latencies.items()
                if v
            },
            "first_render_p50_ms": statistics.median(result.first_render)
            if result.first_render
            else None,
            "failures": result.failures,
            "memory": result.memory,
        }
    report["phones_log_problems"] = log_problems(server_process.log, offset)


# --- the table ------------------------------------------------------------------------------


def table(report: dict) -> str:
    lines = [
        f"Pitbox browser benchmark: {report['database']}, {report['dataset']['description']}",
        f"Chromium {report.get('chromium', '?')} as {DEVICE}; p50/p95 of "
        f"{next(iter(report['interactions'].values()))['samples']} samples each; ws KiB = "
        "websocket payload the server sent per interaction, SQL = statements (medians)",
        "",
        f"{'interaction':<58}{'p50 ms':>8}{'p95 ms':>8}{'floor p50':>10}"
        f"{'x p50':>7}{'x p95':>7}{'ws KiB':>8}{'SQL':>5}",
    ]
    for figures in report["interactions"].values():
        base = report["floor"][figures["floor"]]
        lines.append(
            f"{figures['title']:<58}{figures['p50_ms']:>8.1f}{figures['p95_ms']:>8.1f}"
            f"{base['p50_ms']:>10.1f}{figures['ratio_p50']:>6.2f}x{figures['ratio_p95']:>6.2f}x"
            f"{figures['ws_bytes_received_median'] / 1024:>8.1f}"
            f"{figures['statements_median']:>5.0f}"
        )
        if "ratio_p50_lean" in figures:
            lines.append(
                f"{'  against the floor without the Tailwind runtime':<84}"
                f"{figures['ratio_p50_lean']:>6.2f}x{figures['ratio_p95_lean']:>6.2f}x"
            )
    for key, figures in report["floor"].items():
        title = {
            "click": "floor: tap changes one label",
            "first_render": "floor: first render (NiceGUI's default page)",
            "first_render_lean": "floor: first render without the Tailwind runtime",
        }
        lines.append(
            f"{title[key]:<58}{figures['p50_ms']:>8.1f}{figures['p95_ms']:>8.1f}{'':>10}"
            f"{'':>7}{'':>7}{figures['ws_bytes_received_median'] / 1024:>8.1f}"
            f"{figures['statements_median']:>5.0f}"
        )
    for note in report["skipped"].values():
        lines.append(f"  {note}")
    for count, phones in report.get("phones", {}).items():
        memory = phones["memory"]
        lines.append(
            f"{count:>3} phone(s): {phones['interactions']} interactions (selector + switch) in "
            f"{phones['seconds']} s, p50 {phones['p50_ms'] or 0:.1f} ms, "
            f"p95 {phones['p95_ms'] or 0:.1f} ms, {len(phones['failures'])} failures; "
            f"server memory {memory['mib_per_tab_connected']:.2f} MiB per tab connected, "
            f"{memory['mib_per_tab_after_loop']:.2f} after the loop"
        )
    if "phones" in report and len(report["phones"]) > 1:
        one, many = (report["phones"][k] for k in list(report["phones"])[:2])
        if one["p95_ms"] and many["p95_ms"]:
            lines.append(f"    p95 with {many['phones']} phones = "
                         f"{many['p95_ms'] / one['p95_ms']:.2f}x the single phone's")  # fmt: skip
    problems = report.get("server_log_problems", [])
    first = f", first: {problems[0]}" if problems else ""
    lines.append(f"server log: {len(problems)} error line(s){first}")
    return "\n".join(lines)


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "system": platform.platform(terse=True),
        "load_average": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--db", nargs="+", choices=["sqlite", "postgres"], default=["sqlite"])
    parser.add_argument("--racers", type=int, default=Dataset.racers)
    parser.add_argument("--sessions", type=int, default=Dataset.sessions, help="per racer")
    parser.add_argument("--cars", type=int, default=Dataset.cars, help="per racer")
    parser.add_argument("--per-session", type=int, default=Dataset.per_session,
                        help="setup changes and messages per session")  # fmt: skip
    parser.add_argument("--large", action="store_true", help="ten times the sessions per racer")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=[s.key for s in scenarios()],
        help="measure only these interactions (a quicker loop while working)",
    )
    parser.add_argument("--samples", type=int, default=40, help="measured rounds (p95 needs 30+)")
    parser.add_argument("--warmup", type=int, default=3, help="rounds measured but not counted")
    parser.add_argument("--phones", type=int, default=50, help="phones at once (0: skip)")
    parser.add_argument("--phone-rounds", type=int, default=10, help="rounds per phone")
    parser.add_argument("--think", type=float, default=2.0,
                        help="a phone's pause between rounds, on average (seconds)")  # fmt: skip
    parser.add_argument("--profile", action="store_true",
                        help="profile the server with py-spy (switch, selector)")  # fmt: skip
    parser.add_argument("--profile-rounds", type=int, default=40)
    parser.add_argument("--json", type=Path, help="where to write the figures")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--keep-logs", action="store_true",
                        help="copy the server log beside the JSON")  # fmt: skip
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="an account that may create databases (the benchmark creates and drops its own)",
    )
    parser.add_argument(
        "--chromium", default=os.environ.get("PITBOX_CHROMIUM") or shutil.which("chromium")
    )
    args = parser.parse_args(argv)
    if not args.chromium:
        parser.error("Chromium not found: install Debian's chromium (./bench.sh does as root)")
    args.postgres_url = args.postgres_url.replace("postgresql://", "postgres://", 1)
    if args.json is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        size = f"{args.racers}x{args.sessions * (10 if args.large else 1)}"
        args.json = RESULTS / f"bench-{size}-{stamp}.json"
    args.json.parent.mkdir(parents=True, exist_ok=True)

    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "arguments": {
            k: v.name if isinstance(v, Path) else v
            for k, v in vars(args).items()
            if k not in {"postgres_url", "chromium"}
        },
        "runs": [],
    }
    failed = False
    for dialect in args.db:
        with tempfile.TemporaryDirectory(prefix=f"pitbox-bench-{dialect}-") as tmp:
            try:
                report = asyncio.run(measure(args, dialect, Path(tmp)))
            except BenchError as exc:
                print(f"\n[{dialect}] the benchmark could not finish: {exc}", file=sys.stderr)
                failed = True
                continue
        results["runs"].append(report)
        print("\n" + table(report) + "\n", flush=True)
        results["machine"]["load_average_after"] = os.getloadavg()
        args.json.write_text(json.dumps(results, indent=2))  # after each database
    print(f"figures written to {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
