"""Where the server's time goes: py-spy samples the running server from outside.

py-spy needs no change to the server and adds little to it; ``./bench.sh --profile`` installs
the version pinned in pyproject.toml (the ``bench`` extra). Only samples where a thread was
working count, and each sample goes to the first bucket that one of its frames belongs to.
"""

from __future__ import annotations

import linecache
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RATE = 250  # samples per second
_FRAME = re.compile(r"^(?P<func>.*) \((?P<path>.*):(?P<line>\d+)\)$")
_PITBOX = ("ui", "services", "models")

_DRIVER = ("asyncpg/", "aiosqlite/", "sqlite3/")
_ORM = ("tortoise/", "pypika")
_NICEGUI_ELEMENTS = (
    "nicegui/element.py",
    "nicegui/elements/",
    "nicegui/observables.py",
    "nicegui/classes.py",
    "nicegui/props.py",
    "nicegui/style.py",
    "nicegui/slot.py",
)
_TRANSPORT = (
    "socketio/", "engineio/", "uvicorn/", "starlette/", "fastapi/", "wsproto/", "h11/",
    "httptools/", "anyio/",
)  # fmt: skip
# A thread whose innermost Python frame is on one of these lines is waiting, not working
# (py-spy cannot always tell: the wait happens in C, e.g. uvloop's select or a queue's get).
_WAITING = re.compile(r"\.(get|wait|acquire|join|select|poll)\(|run_until_complete|run_forever")


def py_spy() -> str | None:
    return shutil.which("py-spy") or (
        str(Path(sys.executable).with_name("py-spy"))
        if Path(sys.executable).with_name("py-spy").exists()
        else None
    )


class Profiler:
    """``py-spy record`` on a process until ``stop()``."""

    def __init__(self, pid: int, output: Path) -> None:
        executable = py_spy()
        if executable is None:
            raise RuntimeError("py-spy is not installed: run the benchmark with ./bench.sh")
        self.output = output
        self.process = subprocess.Popen(
            [executable, "record", "--pid", str(pid), "--rate", str(RATE), "--format", "raw",
             "--threads", "--full-filenames", "--output", str(output)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        _, err = self.process.communicate(timeout=60)
        if not self.output.exists():
            raise RuntimeError(f"py-spy wrote no profile: {err.decode(errors='replace')}")


def _short(path: str) -> str:
    """A path without this machine's prefixes: the package path or the project path."""
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        match = re.search(r"python3\.\d+/(.*)", path)
        return match.group(1) if match else Path(path).name


def _frames(stack: str) -> tuple[list[tuple[str, str]], bool]:
    """The stack's (function, short path) frames, and whether its thread was waiting."""
    frames, waiting = [], False
    for raw in stack.split(";"):
        match = _FRAME.match(raw)
        if match:
            frames.append((match["func"], _short(match["path"])))
            source = linecache.getline(match["path"], int(match["line"]))
            waiting = bool(_WAITING.search(source))
    return frames, waiting


def _bucket(frames: list[tuple[str, str]]) -> str:
    """The bucket of one sample: what its stack was doing, looked at from the inside out."""
    paths = [path for _, path in frames]

    def anywhere(prefixes: tuple[str, ...]) -> bool:
        return any(path.startswith(prefixes) for path in paths)

    if anywhere(_DRIVER):
        return "database driver (asyncpg, aiosqlite)"
    if anywhere(_ORM):
        return "ORM (Tortoise, PyPika: building queries, making objects)"
    if anywhere(("uvicorn/protocols/http/",)):
        return "HTTP requests (here mostly the benchmark's own /bench routes)"
    if anywhere(("nicegui/outbox.py",)):
        return "NiceGUI: sending updates (outbox, JSON, websocket)"
    pitbox = [i for i, path in enumerate(paths) if path.split("/", 1)[0] in _PITBOX]
    if pitbox:
        inner = paths[pitbox[-1] + 1 :]
        if not inner:
            return "Pitbox's own code"
        if any(path.startswith("nicegui/") for path in inner):
            return "NiceGUI: building and updating elements for Pitbox's UI"
        return "standard library called by Pitbox's code"
    if anywhere(_NICEGUI_ELEMENTS):
        return "NiceGUI: elements (deleting, outside Pitbox's code)"
    if anywhere(("nicegui/storage.py", "nicegui/persistence/")):
        return "NiceGUI: tab and user storage"
    if anywhere(_TRANSPORT):
        return "socket.io, engine.io, websocket (receiving events, sending frames)"
    if anywhere(("nicegui/",)):
        return "NiceGUI: other"
    if anywhere(("asyncio/", "selectors.py")):
        return "asyncio event loop"
    return "other (standard library, garbage collection...)"


def summarise(raw: Path, seconds: float, top: int = 15) -> dict:
    """Buckets, the Pitbox entry points and the hottest functions, as shares of CPU samples."""
    threads: Counter[str] = Counter()
    buckets: Counter[str] = Counter()
    entry: Counter[str] = Counter()
    inner: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = idle = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        head, _, rest = stack.partition(";")
        thread = head.split(": ", 1)[1] if ": " in head else head
        frames, waiting = _frames(rest)
        if not frames:
            continue
        if waiting:
            idle += count
            continue
        total += count
        threads["event loop (main thread)" if thread == "MainThread" else "other threads"] += count
        buckets[_bucket(frames)] += count
        func, path = frames[-1]
        leaves[f"{func} ({path})"] += count
        pitbox = [f"{f} ({p})" for f, p in frames if p.split("/", 1)[0] in _PITBOX]
        entry[pitbox[0] if pitbox else "outside Pitbox's code"] += count
        inner[pitbox[-1] if pitbox else "outside Pitbox's code"] += count

    def shares(counter: Counter[str], n: int | None = None) -> list[tuple[str, float]]:
        return [(k, 100 * v / total) for k, v in counter.most_common(n)] if total else []

    return {
        "samples": total,
        "waiting_samples": idle,
        "seconds": seconds,
        "busy_percent_of_one_core": 100 * total / (RATE * seconds) if seconds else 0,
        "threads": shares(threads),
        "buckets": shares(buckets),
        "entry_points": shares(entry, top),
        "innermost_pitbox": shares(inner, top),
        "hottest_functions": shares(leaves, top),
    }


def format_summary(summary: dict) -> str:
    lines = [
        f"CPU samples: {summary['samples']} over {summary['seconds']:.1f} s "
        f"(the server was busy {summary['busy_percent_of_one_core']:.0f}% of one core)"
    ]
    for title, key in (
        ("By thread", "threads"),
        ("Where the CPU time goes", "buckets"),
        ("Under which Pitbox handler (outermost Pitbox frame)", "entry_points"),
        ("For which Pitbox function (innermost Pitbox frame)", "innermost_pitbox"),
        ("Hottest functions (self time)", "hottest_functions"),
    ):
        lines.append(f"  {title}:")
        lines += [f"    {share:5.1f}%  {name}" for name, share in summary[key]]
    return "\n".join(lines)


def main() -> None:
    """``python -m bench.profile RAW SECONDS``: summarise a py-spy file written earlier."""
    summary = summarise(Path(sys.argv[1]), float(sys.argv[2]))
    print(format_summary(summary))


if __name__ == "__main__":
    main()
