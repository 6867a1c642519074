"""Races made visible: PostgreSQL with a warm pool of connections, and proof that calls overlapped.

A race that needs two connections cannot show through a pool that hands out one at a time, so
concurrency tests reconnect with a pool of several connections and open them all first. The
``pool_watch`` fixture (in conftest) counts the connections in use at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import asyncpg.pool
from tortoise.connection import get_connection

from services import database


def is_postgres(db_url: str) -> bool:
    return db_url.startswith("postgres")


@dataclass
class PoolWatch:
    """Connections that asyncpg's pools handed out while the watch was on."""

    in_use: int = 0
    peak: int = 0
    server_pids: set[int] = field(default_factory=set)

    def reset(self) -> None:
        self.in_use = self.peak = 0
        self.server_pids.clear()


POOL_SIZE = 20


async def use_warm_pool(db_url: str, watch: PoolWatch, size: int = POOL_SIZE) -> None:
    """On PostgreSQL: reconnect with ``size`` pooled connections and prove they are all open.

    The default pool (minsize 1) opens connections one by one, so concurrent calls can end up
    queued on a single connection and a race never shows. Tortoise reads ``minsize`` and
    ``maxsize`` from the URL's query string. On SQLite this does nothing.
    """
    if not is_postgres(db_url):
        return
    await database.disconnect()
    separator = "&" if "?" in db_url else "?"
    await database.connect(f"{db_url}{separator}minsize={size}&maxsize={size}")
    client = get_connection("default")
    rows = await asyncio.gather(
        *(
            client.execute_query_dict("SELECT pg_backend_pid() AS pid, pg_sleep(0.05)")
            for _ in range(size)
        )
    )
    assert len({row[0]["pid"] for row in rows}) == size, "the pool did not open every connection"
    watch.reset()


def watch_pools(monkeypatch) -> PoolWatch:
    """Count the connections checked out of any asyncpg pool at the same time (PostgreSQL)."""
    watch = PoolWatch()
    acquire, release = asyncpg.pool.Pool._acquire, asyncpg.pool.Pool.release

    # Pass asyncpg's arguments (a timeout) through untouched.
    async def watched_acquire(pool, *args, **kwargs):
        connection = await acquire(pool, *args, **kwargs)
        watch.in_use += 1
        watch.peak = max(watch.peak, watch.in_use)
        watch.server_pids.add(connection.get_server_pid())
        return connection

    async def watched_release(pool, connection, *args, **kwargs):
        watch.in_use -= 1
        return await release(pool, connection, *args, **kwargs)

    monkeypatch.setattr(asyncpg.pool.Pool, "_acquire", watched_acquire)
    monkeypatch.setattr(asyncpg.pool.Pool, "release", watched_release)
    return watch


def assert_ran_concurrently(db_url: str, watch: PoolWatch, at_least: int) -> None:
    """On PostgreSQL the calls really overlapped on separate connections."""
    if is_postgres(db_url):
        assert watch.peak >= at_least, f"only {watch.peak} connection(s) in use at once"
        assert len(watch.server_pids) >= at_least
