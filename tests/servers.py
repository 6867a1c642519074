"""Real Pitbox server processes for tests: a clean environment, a free port, start, stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would change how Pitbox or NiceGUI
    starts (pytest's variables make NiceGUI's ui.run act as under a screen test)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "NICEGUI_", "PITBOX_", "QT_", "PYWEBVIEW"))
        and key not in {"DATABASE_URL", "DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY"}
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


class Server:
    """A server command in its own process group, logging to a file, until ``stop()``."""

    def __init__(self, argv: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.argv = argv
        self.env = env
        self.port = port
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 60.0) -> None:
        """Start and wait until ``/`` answers 200; fail with the server's log otherwise."""
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=log, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited early:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"no 200 from {self.url} in {timeout:.0f} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL if it lingers."""
        if self.process is None:
            return
        for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


class PitboxServer(Server):
    """``python main.py`` on a free port with its own embedded database in ``data_dir``."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        port = free_port()
        self.database_url = f"sqlite://{data_dir / 'pitbox.sqlite3'}"
        settings = {
            "PITBOX_DATA_DIR": str(data_dir),
            "PITBOX_PORT": str(port),
            "PITBOX_HOST": "127.0.0.1",
            "NICEGUI_STORAGE_PATH": str(data_dir / ".nicegui"),
        }
        settings.update(env)  # a test may listen elsewhere, for example
        super().__init__([sys.executable, "main.py"], child_env(**settings), port,
                         data_dir / "server.log")  # fmt: skip
