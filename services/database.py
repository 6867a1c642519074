"""Connecting to the database and keeping its schema current with aerich migrations.

One migrations folder serves SQLite and PostgreSQL (each migration keys its SQL by dialect).
The embedded SQLite database migrates itself at startup after a file backup; a PostgreSQL
database is migrated by hand (``aerich upgrade``) unless PITBOX_MIGRATE_ON_START is set.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aerich import Command
from tortoise import Tortoise
from tortoise.context import TortoiseContext
from tortoise.exceptions import DBConnectionError, OperationalError

import settings as settings_module

log = logging.getLogger("pitbox.database")

APP = "models"
MIGRATIONS_DIR = settings_module.PROJECT_DIR / "migrations"


class DatabaseError(RuntimeError):
    """The database cannot be used as it is; the message says what to do."""


def tortoise_config(database_url: str) -> dict:
    """The Tortoise configuration for one database URL (aerich's CLI uses it too)."""
    return {
        "connections": {"default": database_url},
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


def backup_sqlite_file(path: Path) -> Path:
    """Copy the database next to itself with a timestamp, using SQLite's online backup."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
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
    except (DBConnectionError, OSError, ConnectionError) as exc:
        raise DatabaseError(
            f"Cannot reach the database in DATABASE_URL ({_redacted(settings.database_url)}): "
            f"{exc}. Check that the server is running and the URL is right."
        ) from None
    log.info("Applied migrations: %s", ", ".join(report.applied))
    return report


def _redacted(url: str) -> str:
    """The URL without its password, safe to print."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else f"{scheme}://{user}@{host}"
