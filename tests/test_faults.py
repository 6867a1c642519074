"""Faults at startup say what happened in one line, quickly, and never print a password.

The read-only cases run ``python main.py`` as another user (nobody, uid 65534): root ignores
file permissions, so a test run as root would prove nothing.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

import settings as settings_module
from services import database
from tests.conftest import unavailable
from tests.test_startup import assert_one_clear_line, isolated, main_env, run_main

REPO = Path(__file__).resolve().parents[1]
NOBODY = 65534


# --- PostgreSQL that never answers, URLs with passwords ----------------------------------------


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections (the kernel completes them) but never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def test_a_postgres_that_never_answers_fails_startup_in_one_line(tmp_path, silent_server):
    url = f"postgres://pitbox:s3cret-pw@127.0.0.1:{silent_server}/pitbox"

    # Without a connect timeout this waited about a minute; the subprocess limit catches a hang.
    result = subprocess.run(
        [sys.executable, "main.py"], cwd=REPO, env=main_env(tmp_path, DATABASE_URL=url),
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip

    assert_one_clear_line(result, "did not answer within 5 s", f"127.0.0.1:{silent_server}")
    assert "s3cret-pw" not in result.stderr + result.stdout


def test_the_url_can_set_a_longer_connect_timeout():
    url = database.with_connect_timeout("postgres://u@h:5432/db?timeout=30")

    assert url == "postgres://u@h:5432/db?timeout=30"
    assert database.connect_timeout(url) == "30"
    assert database.with_connect_timeout("postgres://u@h/db?schema=x").endswith(
        "schema=x&timeout=5"
    )
    assert database.with_connect_timeout("sqlite:///a/b.sqlite3") == "sqlite:///a/b.sqlite3"


@pytest.mark.parametrize(
    "url",
    [
        "postgres://pitbox:s3cret-pw@db:notaport/pitbox",
        "postgres://pitbox:s3cret-pw@db:5432",
        "mysql://pitbox:s3cret-pw@db/pitbox",
        "pitbox:s3cret-pw@db/pitbox",
        "postgres://pitbox:s3cret@pw@db:x/pitbox",
    ],
)
def test_a_malformed_database_url_never_prints_its_password(tmp_path, url):
    with pytest.raises(settings_module.SettingsError) as raised:
        settings_module.load_settings({"PITBOX_DATA_DIR": str(tmp_path), "DATABASE_URL": url})

    assert "DATABASE_URL" in str(raised.value)
    assert "s3cret" not in str(raised.value)
    assert "pw@" not in str(raised.value)


def test_main_with_a_malformed_url_prints_no_password(tmp_path):
    result = run_main(main_env(tmp_path, DATABASE_URL="postgres://pitbox:s3cret-pw@db:x/pitbox"))

    assert_one_clear_line(result, "DATABASE_URL", "pitbox:***@db:x")
    assert "s3cret-pw" not in result.stderr + result.stdout


# --- folders and files that cannot be written ---------------------------------------------------


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can reach (pytest's own tmp folders are root's only)."""
    path = Path(tempfile.mkdtemp(prefix="pitbox-faults-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run_main_as_nobody(shared_dir: Path, data_dir: Path) -> subprocess.CompletedProcess:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        unavailable("running as another user", "needs root and setpriv (util-linux)")
    env = main_env(shared_dir, PYTHONDONTWRITEBYTECODE="1", HOME=str(shared_dir))
    env["PITBOX_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
         sys.executable, "main.py"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


async def migrated_sqlite_file(folder: Path) -> Path:
    settings = settings_module.load_settings({"PITBOX_DATA_DIR": str(folder)})
    await isolated(database.migrate_for_startup, settings)
    return settings.sqlite_path


def give_to_nobody(*paths: Path) -> None:
    for path in paths:
        os.chown(path, NOBODY, NOBODY)


def test_a_data_folder_that_cannot_be_written_is_one_clear_line(shared_dir):
    data_dir = shared_dir / "data"
    data_dir.mkdir(mode=0o755)  # root's, so nobody cannot write in it

    result = run_main_as_nobody(shared_dir, data_dir)

    assert_one_clear_line(result, "data folder", "cannot be written", str(data_dir))


def test_a_data_folder_that_cannot_be_created_is_one_clear_line(shared_dir):
    result = run_main_as_nobody(shared_dir, shared_dir / "new" / "data")

    assert_one_clear_line(result, "PITBOX_DATA_DIR", "cannot be created")


async def test_a_read_only_data_folder_with_a_writable_database_is_one_clear_line(shared_dir):
    data_dir = shared_dir / "data"
    data_dir.mkdir(mode=0o755)
    database_file = await migrated_sqlite_file(data_dir)
    for leftover in data_dir.glob("pitbox.sqlite3-*"):
        leftover.unlink()
    give_to_nobody(database_file, data_dir / ".storage_secret")  # the folder stays root's

    # This used to hang for ever with no output: SQLite could not create its journal.
    result = run_main_as_nobody(shared_dir, data_dir)

    assert_one_clear_line(result, "data folder", "cannot be written")


async def test_a_read_only_database_file_is_one_clear_line(shared_dir):
    data_dir = shared_dir / "data"
    data_dir.mkdir(mode=0o700)
    database_file = await migrated_sqlite_file(data_dir)
    give_to_nobody(data_dir, *data_dir.iterdir())
    database_file.chmod(0o400)

    # This used to start, and then every save silently did nothing.
    result = run_main_as_nobody(shared_dir, data_dir)

    assert_one_clear_line(result, "database file", "cannot be written", "chmod u+w")


# --- files readable by their owner only ---------------------------------------------------------


async def test_database_backups_and_secrets_are_readable_by_their_owner_only(tmp_path):
    old_umask = os.umask(0o022)  # a permissive umask: the modes must not depend on it
    try:
        database_file = await migrated_sqlite_file(tmp_path)
        backup = database.backup_sqlite_file(database_file)
    finally:
        os.umask(old_umask)

    for path in (database_file, backup, tmp_path / ".storage_secret"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


async def test_an_existing_database_readable_by_others_is_tightened(tmp_path):
    database_file = await migrated_sqlite_file(tmp_path)
    database_file.chmod(0o644)

    database.prepare_sqlite_file(database_file)

    assert stat.S_IMODE(database_file.stat().st_mode) == 0o600
    with closing(sqlite3.connect(database_file)) as connection:  # still the same database
        assert connection.execute("SELECT COUNT(*) FROM aerich").fetchone()[0] > 0


def test_main_creates_everything_for_its_owner_only(tmp_path):
    from tests.servers import PitboxServer

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = PitboxServer(data_dir)
    try:
        server.start()
    finally:
        server.stop()

    created = [p for p in data_dir.rglob("*") if p.is_file() and p.name != "server.log"]
    assert {"pitbox.sqlite3", ".storage_secret", "access.json"} <= {p.name for p in created}
    for path in created:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


async def test_a_backup_from_the_command_line_is_readable_by_its_owner_only(db, tmp_path):
    from services import profile_service
    from tests.test_commands import pitbox

    await profile_service.create_profile("Lena")
    file = tmp_path / "install.json"
    old_umask = os.umask(0o022)  # inherited by the command: its own setting must win
    try:
        done = pitbox(db, tmp_path, "backup", str(file))
    finally:
        os.umask(old_umask)

    assert done.returncode == 0, done.stderr.decode()
    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # it holds every racer's data
