"""Fixtures: every database test runs on SQLite and on PostgreSQL, on a freshly migrated schema.

PostgreSQL comes from TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres. Each
test run creates its own database and each test its own schema inside it; both are dropped at
the end. With CI=true an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from tortoise.backends.base import executor as tortoise_executor

from services import database
from tests.concurrency import PoolWatch, watch_pools

DIALECTS = ("sqlite", "postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _admin_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    return url.replace("postgresql://", "postgres://", 1)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def unavailable(what: str, reason: str) -> None:
    """Fail under CI (a skipped suite hides breakage), skip with the reason elsewhere."""
    message = f"{what} is not available: {reason}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_test_database() -> Iterator[str]:
    """A database of its own for this test run; yields its URL."""
    admin = _admin_url()
    name = f"pitbox_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    async def run(sql: str) -> None:
        connection = await asyncpg.connect(admin.replace("postgres://", "postgresql://", 1))
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    def run_sync(sql: str) -> None:
        # In a thread of its own: this fixture may be first requested from a running loop.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, run(sql)).result(timeout=60)

    try:
        run_sync(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable("PostgreSQL", f"{exc} (set TEST_DATABASE_URL)")
    yield _with_database(admin, name)
    run_sync(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def empty_database_url(request, tmp_path) -> AsyncIterator[str]:
    """An empty database of the dialect in ``request.param`` (default: both, see below)."""
    dialect = getattr(request, "param", "sqlite")
    # Tortoise caches built SQL per connection name, not per dialect: tests alternate
    # dialects in one process, so start each test from an empty cache.
    tortoise_executor.EXECUTOR_CACHE.clear()
    if dialect == "sqlite":
        yield f"sqlite://{tmp_path / 'pitbox.sqlite3'}"
        return
    base = request.getfixturevalue("postgres_test_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        yield f"{base}?schema={schema}"
    finally:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()


@pytest.fixture
async def migrated_database_url(empty_database_url) -> str:
    """A database brought to the current schema by the real migrations."""
    await database.apply_migrations(empty_database_url)
    return empty_database_url


@pytest.fixture
async def db(migrated_database_url) -> AsyncIterator[str]:
    """Connected to a freshly migrated database; yields its URL."""
    await database.connect(migrated_database_url)
    try:
        yield migrated_database_url
    finally:
        await database.disconnect()


@pytest.fixture
def pool_watch(monkeypatch) -> PoolWatch:
    """Count the connections checked out of any asyncpg pool at the same time (PostgreSQL)."""
    return watch_pools(monkeypatch)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Every test that touches a database runs once per dialect.
    if "empty_database_url" in metafunc.fixturenames and not any(
        m.name == "parametrize" and "empty_database_url" in m.args[0]
        for m in metafunc.definition.iter_markers()
    ):
        metafunc.parametrize("empty_database_url", DIALECTS, indirect=True)
