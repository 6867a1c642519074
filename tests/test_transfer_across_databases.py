"""A racer's notebook moves between SQLite and PostgreSQL and comes back unchanged."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from tortoise import connections
from tortoise.backends.base import executor as tortoise_executor

from services import database, transfer
from tests.notebook import seed_racer
from tests.test_transfer import without_stamp


@pytest.fixture
async def postgres_schema_url(postgres_test_database) -> AsyncIterator[str]:
    """An empty PostgreSQL schema of its own (the conftest fixtures give one dialect a test)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(
        postgres_test_database.replace("postgres://", "postgresql://", 1)
    )
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        yield f"{postgres_test_database}?schema={schema}"
    finally:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[str]:
    """A freshly migrated database of either dialect, connected for the block; yields the
    dialect it is really talking to."""
    # Tortoise caches built SQL per connection name, not per dialect (see stack notes).
    tortoise_executor.EXECUTOR_CACHE.clear()
    await database.apply_migrations(url)
    await database.connect(url)
    try:
        yield connections.get("default").capabilities.dialect
    finally:
        await database.disconnect()
        tortoise_executor.EXECUTOR_CACHE.clear()


def sqlite_url(tmp_path: Path, name: str) -> str:
    return f"sqlite://{tmp_path / name}"


async def test_a_racer_goes_from_sqlite_to_postgres_and_back_unchanged(
    tmp_path, postgres_schema_url
):
    async with connected(sqlite_url(tmp_path, "laptop.sqlite3")) as dialect:
        assert dialect == "sqlite"
        lena = await seed_racer("Lena", sessions=4)
        from_laptop = await transfer.export_racer(lena.id)
    async with connected(postgres_schema_url) as dialect:
        assert dialect == "postgres"
        cloud = await transfer.import_racer(transfer.read_racer_file(transfer.dumps(from_laptop)))
        from_cloud = await transfer.export_racer(cloud.id)
    async with connected(sqlite_url(tmp_path, "new-laptop.sqlite3")):
        back = await transfer.import_racer(transfer.read_racer_file(transfer.dumps(from_cloud)))
        from_new_laptop = await transfer.export_racer(back.id)
    assert without_stamp(from_cloud) == without_stamp(from_laptop)
    assert without_stamp(from_new_laptop) == without_stamp(from_laptop)
    assert transfer.racer_counts(from_laptop).rows == 2 + 4 + 12 + 8 + 8


async def test_a_whole_install_goes_to_the_cloud_and_back_unchanged(tmp_path, postgres_schema_url):
    async with connected(sqlite_url(tmp_path, "laptop.sqlite3")):
        await seed_racer("Lena", sessions=3)
        await seed_racer("Dad", sessions=2, active=False)
        laptop = await transfer.export_backup()
    async with connected(postgres_schema_url) as dialect:
        assert dialect == "postgres"
        await transfer.restore_backup(transfer.read_backup_file(transfer.dumps(laptop)))
        cloud = await transfer.export_backup()
    async with connected(sqlite_url(tmp_path, "laptop-again.sqlite3")):
        await transfer.restore_backup(transfer.read_backup_file(transfer.dumps(cloud)))
        back = await transfer.export_backup()
    assert without_stamp(cloud) == without_stamp(laptop)
    assert without_stamp(back) == without_stamp(laptop)
