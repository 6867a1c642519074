"""`python main.py --native` opens a Pitbox window under Xvfb that shows the page, and stopping
it leaves no process behind (the webview child process can outlive the main process).

Needs Debian's xvfb and x11-utils (xwininfo) and the Qt libraries from
scripts/ensure-system-packages.sh, plus pywebview[qt] in the venv. Under CI=true anything
missing fails the test; elsewhere it skips. The screenshot is kept in screenshots/.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import unavailable
from tests.servers import child_env, free_port

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "screenshots" / "native-window.png"
TITLE = "Pitbox"
WINDOW_TIMEOUT = 30.0
PAINT_TIMEOUT = 20.0
PR_SET_CHILD_SUBREAPER = 36  # from <linux/prctl.h>
XVFB_OPTIONS = ["-screen", "0", "1280x900x24", "-nolisten", "tcp"]

# xwininfo -root -tree:   0x200018 "Pitbox": ("main.py" "main.py")  800x600+240+134  +240+134
WINDOW_LINE = re.compile(
    rf'^\s*0x[0-9a-f]+ "{TITLE}": .*?(\d+)x(\d+)[+-]\d+[+-]\d+\s+\+(-?\d+)\+(-?\d+)\s*$',
    re.MULTILINE,
)

# Runs in a child process on the Xvfb display: grab the whole screen, save it, and describe the
# window's rectangle (distinct colours, pixels not of the most common colour) as JSON.
GRAB = """
import hashlib, json, sys
from collections import Counter
from PyQt6.QtGui import QGuiApplication, QImage
app = QGuiApplication(sys.argv[:1])
out, x, y, w, h = sys.argv[1], *map(int, sys.argv[2:6])
screen = app.primaryScreen().grabWindow(0).toImage()
if not screen.save(out):
    sys.exit(f"could not save {out}")
window = screen.copy(x, y, w, h).convertToFormat(QImage.Format.Format_RGB32)
pixels = window.constBits().asstring(window.sizeInBytes())
counts = Counter(memoryview(pixels).cast("I"))
print(json.dumps({"colours": len(counts), "other_pixels": w * h - counts.most_common(1)[0][1],
                  "digest": hashlib.sha1(pixels).hexdigest(),
                  "size": [screen.width(), screen.height()]}))
"""


def _group_processes(group: int) -> list[tuple[int, int, str, str]]:
    """(pid, parent pid, state, name) of every process, zombies too, whose process group or
    session is ``group``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses.
        name, rest = stat.split("(", 1)[1].rsplit(")", 1)
        state, ppid, pgrp, session = rest.split()[:4]
        if group in (int(pgrp), int(session)):
            found.append((int(entry.name), int(ppid), state, name))
    return found


def group_members(group: int) -> list[str]:
    """Processes of the group still alive (zombies are dead, only not yet reaped)."""
    return [f"{pid} {name}" for pid, _, state, name in _group_processes(group) if state != "Z"]


def _reap_adopted(group: int, skip: int) -> None:
    """Reap zombies of the group that were re-parented to this process (see adopt_orphans)."""
    for pid, ppid, state, _ in _group_processes(group):
        if state == "Z" and ppid == os.getpid() and pid != skip:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


@contextlib.contextmanager
def adopt_orphans() -> Iterator[None]:
    """Make this process the reaper of its orphaned descendants while the block runs.

    QtWebEngine's helpers outlive their parent by a moment when the group is stopped; they are
    then re-parented to PID 1, which in some containers never reaps them. As a subreaper this
    process gets them instead, and stop_group reaps them.
    """
    prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)
    enabled = prctl is not None and prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    try:
        yield
    finally:
        if enabled:
            prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def stop_group(process: subprocess.Popen, grace: float = 10.0) -> list[str]:
    """Stop a process started with start_new_session=True and everything in its group; return
    whatever still runs afterwards (should be nothing)."""
    group = process.pid
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            _reap_adopted(group, skip=process.pid)
            if process.poll() is not None and not group_members(group):
                _reap_adopted(group, skip=process.pid)
                return []
            time.sleep(0.1)
    process.wait(timeout=5)
    _reap_adopted(group, skip=process.pid)
    return group_members(group)


def _listening_ports(group: int) -> set[int]:
    """TCP ports listened on by processes of the group (NiceGUI's server in native mode)."""
    inodes = set()
    for member in group_members(group):
        fd_dir = Path("/proc") / member.split()[0] / "fd"
        try:
            links = [os.readlink(fd) for fd in fd_dir.iterdir()]
        except OSError:
            continue
        inodes |= {link[len("socket:[") : -1] for link in links if link.startswith("socket:[")}
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _start_xvfb(log) -> tuple[subprocess.Popen, str]:
    """Xvfb on a display number it picks itself (-displayfd), so parallel runs do not clash."""
    read_end, write_end = os.pipe()
    try:
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_end), *XVFB_OPTIONS],
            pass_fds=(write_end,),
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        os.close(write_end)
        number = b""
        deadline = time.monotonic() + 15
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([read_end], [], [], 0.5)
            if ready:
                chunk = os.read(read_end, 16)
                if not chunk:
                    break
                number += chunk
            elif xvfb.poll() is not None:
                break
    finally:
        os.close(read_end)
    if not number.strip().isdigit():
        stop_group(xvfb)
        raise AssertionError(f"Xvfb did not start (exit code {xvfb.poll()})")
    return xvfb, f":{number.decode().strip()}"


def _wait_for_window(display: str, app: subprocess.Popen, app_log: Path) -> tuple[int, ...]:
    """Poll the X window tree until a window titled Pitbox is mapped; return x, y, w, h."""
    deadline = time.monotonic() + WINDOW_TIMEOUT
    while time.monotonic() < deadline:
        assert app.poll() is None, f"main.py --native exited:\n{app_log.read_text()[-3000:]}"
        tree = subprocess.run(
            ["xwininfo", "-root", "-tree"],
            env=child_env(DISPLAY=display),
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
        if match := WINDOW_LINE.search(tree):
            width, height, x, y = map(int, match.groups())
            if width > 100 and height > 100:
                return x, y, width, height
        time.sleep(0.25)
    raise AssertionError(f"no window titled {TITLE!r} after {WINDOW_TIMEOUT:.0f} s:\n{tree}")


def _fetch_page(group: int) -> str:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for port in _listening_ports(group):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    if response.status == 200:
                        return response.read().decode()
            except OSError:
                pass
        time.sleep(0.25)
    raise AssertionError("the native app's server did not answer 200 on /")


def _screenshot_shows_page(display: str, window: tuple[int, ...]) -> dict:
    """Screenshots until the window's area shows a painted page (text, not one flat colour)
    that has stopped changing (or, if it keeps changing, until the time is up)."""
    SCREENSHOT.parent.mkdir(exist_ok=True)
    deadline = time.monotonic() + PAINT_TIMEOUT
    painted = None
    while True:
        grab = subprocess.run(
            [sys.executable, "-c", GRAB, str(SCREENSHOT), *map(str, window)],
            env=child_env(DISPLAY=display, QT_QPA_PLATFORM="xcb"),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert grab.returncode == 0, f"screen grab failed:\n{grab.stderr[-2000:]}"
        stats = json.loads(grab.stdout.strip().splitlines()[-1])
        # A rendered page has anti-aliased text: dozens of colours over hundreds of pixels (the
        # "Pitbox" heading alone is about a thousand). A blank or unpainted window is one colour.
        if stats["colours"] >= 16 and stats["other_pixels"] >= 300:
            if painted is not None and painted["digest"] == stats["digest"]:
                return stats
            painted = stats
        if time.monotonic() > deadline:
            assert painted is not None, f"the window looks blank (see {SCREENSHOT}): {stats}"
            return painted
        time.sleep(1.0)


def test_native_window_shows_the_page_and_stops_cleanly(tmp_path):
    for tool, package in (("Xvfb", "xvfb"), ("xwininfo", "x11-utils")):
        if shutil.which(tool) is None:
            unavailable(tool, f"install the Debian package {package}")
    for module, what in (("webview", "pywebview"), ("PyQt6.QtWebEngineWidgets", "PyQt6-WebEngine")):
        top = module.split(".")[0]
        if importlib.util.find_spec(top) is None or importlib.util.find_spec(module) is None:
            unavailable(what, "install the test extra: pip install -e '.[test]'")

    app_log = tmp_path / "app.log"
    leftovers: list[str] = []
    with (
        adopt_orphans(),
        (tmp_path / "xvfb.log").open("wb") as xvfb_out,
        app_log.open("wb") as app_out,
    ):
        xvfb, display = _start_xvfb(xvfb_out)
        app = None
        try:
            env = child_env(
                DISPLAY=display,
                PYWEBVIEW_GUI="qt",
                QT_QPA_PLATFORM="xcb",
                PITBOX_DATA_DIR=str(tmp_path / "data"),
                PITBOX_HOST="127.0.0.1",
                PITBOX_PORT=str(free_port()),
                NICEGUI_STORAGE_PATH=str(tmp_path / ".nicegui"),
            )
            if os.geteuid() == 0:  # QtWebEngine's Chromium refuses to run as root sandboxed
                env["QTWEBENGINE_CHROMIUM_FLAGS"] = "--no-sandbox"
            app = subprocess.Popen(
                [sys.executable, "main.py", "--native"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=app_out,
                stderr=app_out,
                start_new_session=True,
            )
            window = _wait_for_window(display, app, app_log)
            page = _fetch_page(app.pid)
            assert f"<title>{TITLE}</title>" in page
            stats = _screenshot_shows_page(display, window)
            assert stats["size"] == [1280, 900]
            assert (tmp_path / "data" / "pitbox.sqlite3").stat().st_size > 0
        finally:
            if app is not None:
                leftovers += stop_group(app)
            leftovers += stop_group(xvfb)
    assert not leftovers, f"processes survived the stop: {leftovers}"
