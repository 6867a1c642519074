"""Starting Pitbox: settings, migrate-or-refuse at startup, and ``python main.py`` for real.

The embedded SQLite database migrates itself after a file backup; a PostgreSQL database with
pending migrations is refused (one clear line naming ``aerich upgrade``) unless
PITBOX_MIGRATE_ON_START is set. Startup errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from aerich import Command
from tortoise import Tortoise, connections
from tortoise.backends.base import executor as tortoise_executor
from tortoise.context import TortoiseContext

import settings as settings_module
from services import database
from tests.servers import PitboxServer, child_env

REPO = Path(__file__).resolve().parents[1]
MIGRATION_FILES = sorted(
    (p.name for p in (Path(database.MIGRATIONS_DIR) / database.APP).glob("[0-9]*_*.py")),
    key=lambda name: int(name.split("_", 1)[0]),
)
BACKUP_NAME = re.compile(r"pitbox\.backup-\d{8}-\d{6}\.sqlite3")
SUBPROCESS_TIMEOUT = 60


@pytest.fixture(autouse=True)
def _clear_tortoise_sql_cache():
    # Tortoise caches built SQL per connection name, not per dialect (see stack notes). The
    # SQLite tests here do not go through the conftest fixture that clears it.
    tortoise_executor.EXECUTOR_CACHE.clear()


def load(tmp_path: Path, **env: str) -> settings_module.Settings:
    """Settings from an explicit environment whose data folder is under tmp_path."""
    return settings_module.load_settings({"PITBOX_DATA_DIR": str(tmp_path), **env})


async def isolated(call, *args):
    """Run one ``services.database`` call in a Tortoise context of its own.

    A second aerich-backed call in the same Tortoise context fails (the context stays marked
    initialised after aerich closed it); see test_migrations.py.
    """
    with TortoiseContext():
        return await call(*args)


async def migrate_sqlite_file_to_0(url: str, tmp_path: Path) -> None:
    """Bring a database to migration 0 only, through a copy of the folder holding just it."""
    location = tmp_path / "migrations-0"
    (location / database.APP).mkdir(parents=True)
    source = Path(database.MIGRATIONS_DIR) / database.APP / MIGRATION_FILES[0]
    shutil.copy(source, location / database.APP)
    with TortoiseContext():
        async with Command(
            tortoise_config=database.tortoise_config(url), app=database.APP, location=str(location)
        ) as command:
            assert await command.upgrade(run_in_transaction=True) == MIGRATION_FILES[:1]


def sqlite_rows(path: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql).fetchall()


def sqlite_columns(path: Path, table: str) -> set[str]:
    return {row[1] for row in sqlite_rows(path, f'PRAGMA table_info("{table}")')}


async def table_names(url: str) -> set[str]:
    """The tables in the database (PostgreSQL: in the URL's schema)."""
    with TortoiseContext():
        await Tortoise.init(config=database.tortoise_config(url))
        try:
            connection = connections.get("default")
            if connection.capabilities.dialect == "sqlite":
                sql = "SELECT name AS t FROM sqlite_master WHERE type = 'table'"
            else:
                sql = "SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema()"
            return {row["t"] for row in await connection.execute_query_dict(sql)}
        finally:
            await Tortoise.close_connections()


# --- migrate_for_startup -------------------------------------------------------------------


async def test_startup_backs_up_an_old_sqlite_file_then_migrates_it(tmp_path):
    settings = load(tmp_path)
    database_file = tmp_path / settings_module.SQLITE_FILE_NAME
    assert settings.sqlite_path == database_file
    await migrate_sqlite_file_to_0(settings.database_url, tmp_path)
    with closing(sqlite3.connect(database_file)) as connection, connection:
        connection.execute(
            'INSERT INTO "racer_profiles" ("name", "sponsors", "created_at", "updated_at") '
            "VALUES (?, '[]', ?, ?)",
            ("Alice", "2024-03-01T09:00:00+00:00", "2024-03-01T09:00:00+00:00"),
        )
    old_rows = sqlite_rows(database_file, 'SELECT * FROM "racer_profiles"')

    report = await isolated(database.migrate_for_startup, settings)

    assert report.applied == MIGRATION_FILES[1:]
    # The backup sits next to the database, holds the old data and the old schema.
    assert report.backup is not None and report.backup.parent == tmp_path
    assert BACKUP_NAME.fullmatch(report.backup.name)
    assert sqlite_rows(report.backup, 'SELECT * FROM "racer_profiles"') == old_rows
    assert "is_default" not in sqlite_columns(report.backup, "racer_profiles")
    assert sqlite_rows(report.backup, 'SELECT "version" FROM "aerich"') == [(MIGRATION_FILES[0],)]
    # The database itself is migrated, with the data kept.
    assert "is_default" in sqlite_columns(database_file, "racer_profiles")
    assert sqlite_rows(database_file, 'SELECT "name", "is_default" FROM "racer_profiles"') == [
        ("Alice", 1)
    ]
    assert await isolated(database.pending_migrations, settings.database_url) == []


async def test_startup_creates_a_new_sqlite_file_without_a_backup(tmp_path):
    settings = load(tmp_path)
    assert not settings.sqlite_path.exists()

    report = await isolated(database.migrate_for_startup, settings)

    assert report.applied == MIGRATION_FILES
    assert report.backup is None
    assert settings.sqlite_path.exists()
    assert list(tmp_path.glob("*.backup-*")) == []
    assert await isolated(database.pending_migrations, settings.database_url) == []


async def test_startup_leaves_an_up_to_date_sqlite_file_alone(tmp_path):
    settings = load(tmp_path)
    await isolated(database.migrate_for_startup, settings)

    report = await isolated(database.migrate_for_startup, settings)

    assert report.applied == []
    assert report.backup is None  # no backup on every start, only before migrating
    assert list(tmp_path.glob("*.backup-*")) == []


@pytest.mark.parametrize("empty_database_url", ["postgres"], indirect=True)
async def test_startup_refuses_postgres_with_pending_migrations(empty_database_url, tmp_path):
    settings = load(tmp_path, DATABASE_URL=empty_database_url)
    assert not settings.migrate_on_start

    with pytest.raises(database.DatabaseError) as raised:
        await isolated(database.migrate_for_startup, settings)

    message = str(raised.value)
    assert "`aerich upgrade`" in message
    assert all(name in message for name in MIGRATION_FILES)
    assert "\n" not in message
    assert await table_names(empty_database_url) == set()  # nothing applied


@pytest.mark.parametrize("empty_database_url", ["postgres"], indirect=True)
async def test_startup_migrates_postgres_when_migrate_on_start_is_set(empty_database_url, tmp_path):
    settings = load(tmp_path, DATABASE_URL=empty_database_url, PITBOX_MIGRATE_ON_START="true")

    report = await isolated(database.migrate_for_startup, settings)

    assert report.applied == MIGRATION_FILES
    assert report.backup is None
    assert await isolated(database.pending_migrations, empty_database_url) == []
    assert {"racer_profiles", "form_drafts", "aerich"} <= await table_names(empty_database_url)


# --- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "mysql://x",
        "postgres://",
        "nonsense",
        "postgres://u@h:notaport/db",
        "postgres://u@h:5432",  # no database name
        "sqlite://",  # no file
    ],
)
def test_malformed_database_url_is_a_settings_error_naming_it(tmp_path, url):
    with pytest.raises(settings_module.SettingsError) as raised:
        load(tmp_path, DATABASE_URL=url)

    assert "DATABASE_URL" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_postgresql_scheme_is_accepted_as_postgres(tmp_path):
    settings = load(tmp_path, DATABASE_URL="postgresql://u:pw@db.example:5433/pitbox")

    assert settings.database_url == "postgres://u:pw@db.example:5433/pitbox"
    assert settings.dialect == "postgres"
    assert settings.sqlite_path is None


def test_default_database_is_sqlite_in_the_data_dir_which_is_created(tmp_path):
    data_dir = tmp_path / "not" / "there" / "yet"

    settings = settings_module.load_settings({"PITBOX_DATA_DIR": str(data_dir)})

    assert data_dir.is_dir()
    assert settings.data_dir == data_dir
    assert settings.dialect == "sqlite"
    assert settings.sqlite_path == data_dir / settings_module.SQLITE_FILE_NAME
    assert settings.database_url == f"sqlite://{data_dir / settings_module.SQLITE_FILE_NAME}"


# --- python main.py ------------------------------------------------------------------------


def main_env(tmp_path: Path, **env: str) -> dict[str, str]:
    """A clean environment with data and NiceGUI storage in tmp_path."""
    return child_env(
        PITBOX_DATA_DIR=str(tmp_path / "data"),
        NICEGUI_STORAGE_PATH=str(tmp_path / ".nicegui"),
        **env,
    )


def run_main(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0]


def test_main_with_malformed_database_url_fails_with_one_line(tmp_path):
    result = run_main(main_env(tmp_path, DATABASE_URL="postgres://u@h:notaport/db"))

    assert_one_clear_line(result, "DATABASE_URL")


def test_main_with_unreachable_postgres_fails_with_one_line(tmp_path):
    result = run_main(
        main_env(tmp_path, DATABASE_URL="postgres://pitbox:secret@127.0.0.1:1/pitbox")
    )

    assert_one_clear_line(result, "DATABASE_URL", "127.0.0.1:1")
    assert "secret" not in result.stderr  # the password is not printed


@pytest.mark.parametrize("empty_database_url", ["postgres"], indirect=True)
async def test_main_refuses_postgres_with_pending_migrations(empty_database_url, tmp_path):
    result = run_main(main_env(tmp_path, DATABASE_URL=empty_database_url))

    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    # One error line (INFO log lines may precede it).
    errors = [line for line in result.stderr.splitlines() if line.startswith("pitbox:")]
    assert len(errors) == 1, result.stderr
    assert "`aerich upgrade`" in errors[0]
    assert all(name in errors[0] for name in MIGRATION_FILES)
    assert await table_names(empty_database_url) == set()


def test_main_serves_the_app_on_a_new_embedded_database(tmp_path):
    server = PitboxServer(tmp_path / "data")
    (tmp_path / "data").mkdir()
    database_file = tmp_path / "data" / settings_module.SQLITE_FILE_NAME
    try:
        server.start(timeout=30)
        # Created and migrated before serving.
        assert database_file.exists()
        versions = sqlite_rows(database_file, 'SELECT "version" FROM "aerich" ORDER BY "id"')
        assert [version for (version,) in versions] == MIGRATION_FILES
        assert "is_default" in sqlite_columns(database_file, "racer_profiles")
    finally:
        server.stop()
