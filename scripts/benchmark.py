"""The quick server-side check: how long the server takes to build what a racer waits for.

Uses NiceGUI's simulated user against the real app (main.py) and the real migrations, on the
same seeded dataset as the browser benchmark (bench/seed.py). It sees only the Python side:
no websocket, no browser, no paint. So its figures are lower than what a racer waits for, by
design; they are for a fast loop while changing the UI (seconds, no browser). What a racer
waits for is measured by the browser benchmark, ``./bench.sh`` (docs/performance.md).

    .venv/bin/python scripts/benchmark.py                      # embedded SQLite in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python scripts/benchmark.py
    .venv/bin/python scripts/benchmark.py --racers 50 --sessions 200 --rounds 60
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import percentile  # noqa: E402
from bench.seed import Dataset, seed  # noqa: E402
from models import RacerProfile  # noqa: E402


class QueryCounter(logging.Handler):
    """Counts the SQL statements Tortoise logs at DEBUG."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def summary(label: str, samples: list[float], unit: str = "ms") -> str:
    p95 = percentile(samples, 95)
    return (f"{label:<32} median {statistics.median(samples):8.1f} {unit}   "
            f"p95 {p95:8.1f} {unit}   max {max(samples):8.1f} {unit}")  # fmt: skip


async def measure(rounds: int, tab: str) -> None:
    from nicegui.testing.user_simulation import user_simulation

    counter = QueryCounter()
    sql_log = logging.getLogger("tortoise.db_client")
    async with user_simulation(main_file=ROOT / "main.py") as user:
        # A browser tab's own storage is empty in a new tab: answer for it at once.
        user.javascript_rules[re.compile(r"sessionStorage\.getItem")] = lambda _: None
        sql_log.setLevel(logging.DEBUG)
        sql_log.propagate = False
        sql_log.addHandler(counter)
        profiles = await RacerProfile.all().order_by("id").values_list("id", flat=True)
        names = dict(await RacerProfile.all().values_list("id", "name"))
        builds, switches, queries, selector = [], [], [], []
        for i in range(rounds):
            counter.count = 0
            t0 = time.perf_counter()
            await user.open("/")
            await wait_until(lambda: _sees(user, "racer-chip"))
            builds.append((time.perf_counter() - t0) * 1000)
            if tab != "garage":  # switch while looking at another tab, e.g. the Setup tab
                user.find(marker=f"tab-{tab}").click()
                await wait_until(lambda: _sees(user, f"panel-{tab}"))

            t0 = time.perf_counter()
            user.find(marker="racer-chip").click()
            await wait_until(lambda: _sees(user, "new-racer"))
            selector.append((time.perf_counter() - t0) * 1000)

            target = profiles[(i * 7 + 1) % len(profiles)]
            counter.count = 0
            t0 = time.perf_counter()
            user.find(marker=f"switch-to-{target}").click()
            for _ in range(400):
                if _sees(user, "confirm-switch"):  # the racer had a session: confirm the warning
                    user.find(marker="confirm-switch").click()
                if _text(user, "current-racer-name") == names[target] and _built(user, tab):
                    break
                await asyncio.sleep(0.002)
            else:
                raise RuntimeError("the switch did not finish")
            switches.append((time.perf_counter() - t0) * 1000)
            queries.append(counter.count)
        sql_log.removeHandler(counter)

    print(f"-- switching with the {tab} tab open")
    print(summary("page build (open / until built)", builds))
    print(summary("selector open (list racers)", selector))
    print(summary("profile switch (tap to rebuilt)", switches))
    print(f"{'queries per switch':<32} median {statistics.median(queries):8.0f}      "
          f"min {min(queries):5d}   max {max(queries):5d}")  # fmt: skip


async def wait_until(condition) -> None:
    # Polls every 2 ms: NiceGUI's should_see sleeps 100 ms between tries, too coarse to time.
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 (the page offers no event to wait on)
            await asyncio.sleep(0.002)


def _text(user, marker: str) -> str | None:
    try:
        return next(iter(user.find(marker=marker).elements)).text
    except (AssertionError, StopIteration):
        return None


def _built(user, tab: str) -> bool:
    """The visible tab's panel has content again after the switch."""
    try:
        panel = next(iter(user.find(marker=f"panel-{tab}").elements))
    except (AssertionError, StopIteration):
        return False
    return bool(panel.default_slot.children)


def _sees(user, marker: str) -> bool:
    try:
        return bool(user.find(marker=marker).elements)
    except AssertionError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--racers", type=int, default=30)
    parser.add_argument("--cars", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=150, help="per racer")
    parser.add_argument("--per-session", type=int, default=10, help="changes and messages")
    parser.add_argument("--rounds", type=int, default=40, help="samples (p95 needs 30+)")
    parser.add_argument("--tabs", nargs="+", default=["garage", "setup"],
                        help="the tab open while switching")  # fmt: skip
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
        os.environ["DATABASE_URL"] = url
        os.environ["PITBOX_DATA_DIR"] = tmp
        os.environ["NICEGUI_STORAGE_PATH"] = str(Path(tmp) / "nicegui")
        # NiceGUI's simulated user is a pytest tool and checks for this variable.
        os.environ.setdefault("PYTEST_CURRENT_TEST", "scripts/benchmark.py")
        t0 = time.perf_counter()
        dataset = Dataset(args.racers, args.cars, args.sessions, args.per_session)
        asyncio.run(seed(url, dataset))
        print(
            f"seeded {dataset.describe()} on {url.split(':')[0]} "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        for tab in args.tabs:
            asyncio.run(measure(args.rounds, tab))


if __name__ == "__main__":
    main()
