"""Open many Pitbox tabs against a running server, hold them, close them, and report the server's
memory (resident set size) at each step.

A "tab" here is what a browser does without the browser: it loads the page, then connects
NiceGUI's socket with the page's client id, so that the server builds the whole app for it.

    .venv/bin/python scripts/load_tabs.py --port 8080 --pid SERVER_PID --tabs 50

With ``--signal`` it also sends SIGUSR1 to the server after each step, which
``scripts/memory_profile.py`` answers with a tracemalloc snapshot.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import os
import re
import signal
import time
import uuid
from pathlib import Path

import httpx
import socketio

QUERY = re.compile(r"query: (\{.*?\}),")


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """The process's resident memory (or another field of /proc/PID/status, e.g. VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field}")


async def open_tab(http: httpx.AsyncClient, base: str) -> socketio.AsyncClient:
    page = await http.get(base, headers={"Accept": "text/html"})
    page.raise_for_status()
    match = QUERY.search(page.text)
    assert match, "no socket query in the page"
    query = ast.literal_eval(match.group(1))  # written as a Python dict
    query.update(tab_id=str(uuid.uuid4()), document_id=str(uuid.uuid4()))
    client = socketio.AsyncClient(reconnection=False)
    built = asyncio.Event()
    client.on("update", lambda *_: built.set())
    params = {k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()}
    url = f"{base}?{httpx.QueryParams(params)}"
    await client.connect(url, socketio_path="/_nicegui_ws/socket.io", transports=["websocket"])
    await asyncio.wait_for(built.wait(), 30)  # the page was built for this tab
    return client


async def run(args: argparse.Namespace) -> dict:
    base = f"http://127.0.0.1:{args.port}/"
    report: dict[str, float] = {}

    def step(name: str) -> None:
        if args.signal:
            os.kill(args.pid, signal.SIGUSR1)
            time.sleep(args.signal_wait)  # the snapshot pauses the server
        report[name] = round(rss_mb(args.pid), 1)
        print(f"{name:>28}: {report[name]:7.1f} MB", flush=True)

    async with httpx.AsyncClient(timeout=60) as http:
        warm = await open_tab(http, base)  # first page: imports, caches, database pool
        await asyncio.sleep(1)
        await warm.disconnect()
        await asyncio.sleep(args.settle)
        step("baseline (after one tab)")
        if args.together:  # all at once, like a paddock's phones after the Wi-Fi comes back
            tabs = list(await asyncio.gather(*(open_tab(http, base) for _ in range(args.tabs))))
        else:
            tabs = [await open_tab(http, base) for _ in range(args.tabs)]
        await asyncio.sleep(2)
        step(f"{args.tabs} tabs open")
        for tab in tabs:
            await tab.disconnect()
        await asyncio.sleep(1)
        step("tabs closed")
        await asyncio.sleep(args.settle)
        step(f"{args.settle:.0f} s after closing")
    report["per_tab_mb"] = round(
        (report[f"{args.tabs} tabs open"] - report["baseline (after one tab)"]) / args.tabs, 2
    )
    report["kept_after_closing_mb"] = round(
        report[f"{args.settle:.0f} s after closing"] - report["baseline (after one tab)"], 1
    )
    report["peak_rss_mb"] = round(rss_mb(args.pid, "VmHWM"), 1)
    print(json.dumps(report), flush=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="the server's process id")
    parser.add_argument("--tabs", type=int, default=50)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds to wait after closing")
    parser.add_argument("--together", action="store_true", help="open the tabs all at once")
    parser.add_argument("--signal", action="store_true", help="ask for tracemalloc snapshots")
    parser.add_argument("--signal-wait", type=float, default=20.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
