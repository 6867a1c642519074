"""PostgreSQL going away while Pitbox runs, and coming back: pages say so and retry, the health
check answers 503, and everything works again afterwards (a real server, a real browser).

The app reaches PostgreSQL through a TCP proxy that the test cuts, so the shared server keeps
running for everyone else.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from playwright.sync_api import expect

from services import database
from tests.browser.conftest import PHONE, shot
from tests.browser.test_phone_flows import chip, open_app
from tests.servers import PitboxServer
from tests.tcp_proxy import TcpProxy


def run_sql(url: str, sql: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    # In a thread of its own: Playwright's sync API owns this thread's event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result(timeout=60)


@pytest.fixture
def postgres_schema_url(postgres_test_database) -> Iterator[str]:
    schema = f"outage_{uuid.uuid4().hex[:12]}"
    run_sql(postgres_test_database, f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{postgres_test_database}?schema={schema}"
    finally:
        run_sql(postgres_test_database, f'DROP SCHEMA "{schema}" CASCADE')


def health(server: PitboxServer) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(server.url + "healthz", timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_postgres_going_away_and_coming_back(tmp_path, postgres_schema_url, browser, phone):
    parts = urlsplit(postgres_schema_url)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    through_proxy = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    (tmp_path / "data").mkdir()
    server = PitboxServer(
        tmp_path / "data", DATABASE_URL=through_proxy, PITBOX_MIGRATE_ON_START="true"
    )
    server.start()
    try:
        assert health(server) == (200, {"status": "ok"})
        open_app(phone, server.url)
        expect(chip(phone)).to_contain_text("Default Racer")
        expect(phone.get_by_label("Brand")).to_be_visible()  # the page is fully built

        proxy.cut()
        # The health check queries the database, so a container platform sees the outage.
        assert health(server) == (503, {"status": "database unreachable"})
        # Saving on an open page says why nothing was saved.
        phone.get_by_label("Brand").fill("Tekno")
        phone.get_by_label("Model", exact=True).fill("NB48 2.2")
        phone.get_by_role("button", name="Add car").click()
        expect(phone.get_by_text(database.UNREACHABLE_MESSAGE)).to_be_visible(timeout=15000)
        # A page opened now says the database cannot be reached, instead of coming up blank.
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        fresh = context.new_page()
        fresh.goto(server.url)
        expect(fresh.get_by_text("The database cannot be reached")).to_be_visible(timeout=15000)
        shot(fresh, "phone-database-unreachable")

        proxy.hang()  # a server that accepts and never answers: still a prompt 503
        assert health(server) == (503, {"status": "database unreachable"})

        proxy.restore()
        # The waiting page opens by itself once the database answers again.
        expect(chip(fresh)).to_contain_text("Default Racer", timeout=30000)
        assert health(server) == (200, {"status": "ok"})
        phone.get_by_role("button", name="Add car").click()
        expect(phone.get_by_text("Added Tekno NB48 2.2")).to_be_visible(timeout=15000)
        context.close()
    finally:
        server.stop()
        proxy.close()
    log = server.log.read_text()
    assert "Traceback" in log  # the failures were logged with their tracebacks
