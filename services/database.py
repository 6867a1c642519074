"""Connecting to the database and keeping its schema current with aerich migrations.

One migrations folder serves SQLite and PostgreSQL (each migration keys its SQL by dialect).
The embedded SQLite database migrates itself at startup after a file backup; a PostgreSQL
database is migrated by hand (``aerich upgrade``) unless PITBOX_MIGRATE_ON_START is set.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aerich import Command
from tortoise import Tortoise, connections
from tortoise.context import TortoiseContext
from tortoise.exceptions import DBConnectionError, OperationalError

import settings as settings_module

log = logging.getLogger("pitbox.database")

APP = "models"
MIGRATIONS_DIR = settings_module.PROJECT_DIR / "migrations"
# Seconds to wait for PostgreSQL to answer a new connection (asyncpg waits 60 by default, and a
# server that accepts but never answers then looks like a hang). ``?timeout=N`` in the URL wins.
CONNECT_TIMEOUT = 5
PING_TIMEOUT = 2.0

UNREACHABLE_MESSAGE = "The database cannot be reached right now; nothing was saved. Try again soon."
READ_ONLY_MESSAGE = (
    "The database is read-only, so nothing was saved. Whoever runs Pitbox must make it writable."
)
SOMETHING_WRONG_MESSAGE = "Something went wrong; nothing was saved."


class DatabaseError(RuntimeError):
    """The database cannot be used as it is; the message says what to do."""


def with_connect_timeout(database_url: str) -> str:
    """A PostgreSQL URL with a connect timeout (unless it names one); others unchanged."""
    parts = urlsplit(database_url)
    if parts.scheme != "postgres":
        return database_url
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key == "timeout" for key, _ in query):
        return database_url
    query.append(("timeout", str(CONNECT_TIMEOUT)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def connect_timeout(database_url: str) -> str:
    """The connect timeout in effect for this URL, as written in it (for messages)."""
    query = dict(parse_qsl(urlsplit(with_connect_timeout(database_url)).query))
    return query.get("timeout", str(CONNECT_TIMEOUT))


def tortoise_config(database_url: str) -> dict:
    """The Tortoise configuration for one database URL (aerich's CLI uses it too)."""
    return {
        "connections": {"default": with_connect_timeout(database_url)},
        "apps": {APP: {"models": ["models", "aerich.models"], "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


def _cli_config() -> dict:
    return tortoise_config(settings_module.database_url_from(os.environ))


def __getattr__(name: str) -> dict:
    # ``TORTOISE_ORM`` is read by the aerich command line (``[tool.aerich]`` in pyproject.toml).
    # It is computed on access so that importing this module never fails on a bad URL.
    if name == "TORTOISE_ORM":
        return _cli_config()
    raise AttributeError(name)


@asynccontextmanager
async def _command(database_url: str) -> AsyncIterator[Command]:
    # A Tortoise context of its own: aerich initialises Tortoise only when the current context
    # is not initialised, and a context whose connections it closed still counts as one.
    with TortoiseContext():
        async with Command(
            tortoise_config=tortoise_config(database_url), app=APP, location=str(MIGRATIONS_DIR)
        ) as command:
            yield command


async def _pending(command: Command) -> list[str]:
    try:
        return await command.heads()
    except OperationalError:  # no aerich table yet: a new, empty database
        return await command.history()


async def pending_migrations(database_url: str) -> list[str]:
    """Names of the migrations not yet applied (all of them on an empty database)."""
    async with _command(database_url) as command:
        return await _pending(command)


async def apply_migrations(database_url: str) -> list[str]:
    """Apply every pending migration, each in its own transaction; return their names."""
    async with _command(database_url) as command:
        return await command.upgrade(run_in_transaction=True)


async def downgrade_to(database_url: str, version: int) -> list[str]:
    """Undo migrations down to and including ``version``; return what was undone."""
    async with _command(database_url) as command:
        return await command.downgrade(version=version, delete=False)


async def connect(database_url: str) -> None:
    # The global fallback lets page handlers, which run in tasks Tortoise did not create,
    # find the connection.
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def disconnect() -> None:
    await Tortoise.close_connections()


async def ping() -> bool:
    """Whether the database answers a trivial query within ``PING_TIMEOUT`` seconds."""
    try:
        connection = connections.get("default")
        async with asyncio.timeout(PING_TIMEOUT):
            await connection.execute_query("SELECT 1")
    except Exception:  # any failure means "not reachable"; the caller says so
        return False
    return True


async def explain_failure(error: BaseException) -> str:
    """What to tell a racer after an unexpected error while using the database."""
    text = str(error).lower()
    if "readonly" in text or "read-only" in text:
        return READ_ONLY_MESSAGE
    if not await ping():
        return UNREACHABLE_MESSAGE
    return SOMETHING_WRONG_MESSAGE


def _create_private(path: Path) -> None:
    """Create an empty file only its owner can read (SQLite treats it as an empty database)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def prepare_sqlite_file(path: Path) -> None:
    """Make sure the SQLite file can be written, and is readable by its owner only.

    A read-only file would let the server start and then fail every save; say so now instead.
    SQLite gives its journal files the database file's permissions.
    """
    if not path.exists():
        _create_private(path)
        return
    try:
        with path.open("r+b"):
            pass
    except OSError as exc:
        raise DatabaseError(
            f"The database file {str(path)!r} cannot be written by this user ({exc.strerror}): "
            "make it writable (chmod u+w) for the user running Pitbox"
        ) from None
    if path.stat().st_mode & 0o077:
        try:
            path.chmod(0o600)
        except OSError:  # not ours to change; the data folder's permissions still apply
            log.warning("Could not make %s readable by its owner only", path)


def backup_sqlite_file(path: Path) -> Path:
    """Copy the database next to itself with a timestamp, using SQLite's online backup.

    The copy is readable by its owner only, like the database.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
    _create_private(backup)
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(backup)) as target:
        source.backup(target)
    return backup


@dataclass
class StartupReport:
    applied: list[str] = field(default_factory=list)
    backup: Path | None = None


async def migrate_for_startup(settings: settings_module.Settings) -> StartupReport:
    """Bring the database to the current schema, or refuse with a message that says what to run.

    Embedded SQLite: back up the file (unless it is new), then apply what is pending.
    PostgreSQL: apply only when PITBOX_MIGRATE_ON_START is set; otherwise raise DatabaseError
    naming the pending migrations and the command to run.
    """
    report = StartupReport()
    sqlite_file = settings.sqlite_path
    had_data = sqlite_file is not None and sqlite_file.exists() and sqlite_file.stat().st_size > 0
    if sqlite_file is not None:
        prepare_sqlite_file(sqlite_file)
    try:
        async with _command(settings.database_url) as command:
            pending = await _pending(command)
            if not pending:
                return report
            if settings.dialect == "postgres" and not settings.migrate_on_start:
                raise DatabaseError(
                    f"The database needs {len(pending)} migration(s): {', '.join(pending)}. "
                    "Back it up, then run `aerich upgrade` (see docs/deployment.md), "
                    "or set PITBOX_MIGRATE_ON_START=true to apply them at startup."
                )
            if had_data:
                report.backup = backup_sqlite_file(sqlite_file)
                log.info("Backed up the database to %s", report.backup)
            report.applied = await command.upgrade(run_in_transaction=True)
    except TimeoutError:
        raise DatabaseError(
            f"The database in DATABASE_URL ({_redacted(settings.database_url)}) did not answer "
            f"within {connect_timeout(settings.database_url)} s. Check that the server is running "
            "and the URL is right (a slow server may need ?timeout=30 in the URL)."
        ) from None
    except (DBConnectionError, OSError, ConnectionError) as exc:
        reason = str(exc).replace(settings.database_url, _redacted(settings.database_url))
        raise DatabaseError(
            f"Cannot reach the database in DATABASE_URL ({_redacted(settings.database_url)}): "
            f"{reason or type(exc).__name__}. Check that the server is running and the URL is "
            "right."
        ) from None
    log.info("Applied migrations: %s", ", ".join(report.applied))
    return report


def _redacted(url: str) -> str:
    """The URL without its password, safe to print."""
    return settings_module.redacted_url(url)
