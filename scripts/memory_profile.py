"""Run Pitbox (``main.py``) under tracemalloc and write a snapshot on each SIGUSR1; compare two
snapshots by the lines that allocated what grew (the profiler's view of memory).

    PITBOX_PORT=8090 PITBOX_PROFILE_DIR=/tmp/prof .venv/bin/python scripts/memory_profile.py &
    .venv/bin/python scripts/load_tabs.py --port 8090 --pid $! --tabs 50 --signal
    .venv/bin/python scripts/memory_profile.py compare /tmp/prof/snapshot-1.pickle \
        /tmp/prof/snapshot-2.pickle

tracemalloc slows the server down several times; its figures are Python allocations only.
"""

from __future__ import annotations

import gc
import os
import runpy
import signal
import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRAMES = 8
TOP = 30


def serve() -> None:
    out = Path(os.environ.get("PITBOX_PROFILE_DIR") or tempfile.mkdtemp(prefix="pitbox-memory-"))
    out.mkdir(parents=True, exist_ok=True)
    tracemalloc.start(FRAMES)
    count = 0

    def snapshot(*_: object) -> None:
        # In the signal handler, on the event loop's thread: the server pauses meanwhile,
        # so that the snapshot is of one moment.
        nonlocal count
        gc.collect()
        count += 1
        path = out / f"snapshot-{count}.pickle"
        tracemalloc.take_snapshot().dump(str(path))
        traced = tracemalloc.get_traced_memory()[0] / 2**20
        print(f"snapshot {count}: {traced:.1f} MB traced -> {path}", file=sys.stderr, flush=True)

    signal.signal(signal.SIGUSR1, snapshot)
    sys.argv = [str(ROOT / "main.py")]
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    runpy.run_path(str(ROOT / "main.py"), run_name="__main__")


def compare(before: str, after: str, key: str = "traceback") -> None:
    old = tracemalloc.Snapshot.load(before)
    new = tracemalloc.Snapshot.load(after)
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = new.filter_traces(ignore).compare_to(old.filter_traces(ignore), key)
    total = sum(stat.size_diff for stat in stats)
    print(f"total growth: {total / 2**20:.2f} MB")
    for stat in stats[:TOP]:
        print(f"{stat.size_diff / 2**10:10.1f} KiB {stat.count_diff:+8d} blocks")
        for line in stat.traceback.format()[-2 * FRAMES :]:
            print("      " + line)


if __name__ == "__main__":
    if sys.argv[1:2] == ["compare"]:
        compare(*sys.argv[2:])
    else:
        serve()
