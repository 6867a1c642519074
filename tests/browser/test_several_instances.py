"""Two Pitbox instances behind HAProxy, on one PostgreSQL, with tab state in Redis.

This runs what docs/deployment.md ("Several instances") describes: the database migrated once
with ``aerich upgrade``, instances sharing ``PITBOX_STORAGE_SECRET`` and ``NICEGUI_REDIS_URL``,
and ``deploy/haproxy.cfg`` in front with sticky sessions. A phone's tab must not notice that
its instance went away, and what one instance saves the other shows.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE
from tests.browser.test_phone_flows import (
    chip,
    create_racer,
    manage_racers,
    open_app,
    open_selector,
)
from tests.conftest import _admin_url, _with_database, unavailable
from tests.servers import ROOT, PitboxServer, Server, child_env, free_port
from ui.components import OPEN_DIALOGS

COOKIE = "pitbox_instance"  # deploy/haproxy.cfg
INSTANCES = ("pitbox1", "pitbox2")


def _postgres(sql: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(_admin_url().replace("postgres://", "postgresql://", 1))
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    # A thread of its own: sync Playwright keeps an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result(timeout=60)


@dataclass
class Cluster:
    proxy: Server
    instances: dict[str, PitboxServer]
    redis: object
    prefix: str

    @property
    def url(self) -> str:
        return self.proxy.url

    def serves(self, instance: str) -> bool:
        """Whether the proxy sends a browser pinned to ``instance`` to that instance."""
        request = urllib.request.Request(
            self.url + "healthz", headers={"Cookie": f"{COOKIE}={instance}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                # With "indirect" cookies HAProxy sets one only when it picked another server.
                return response.status == 200 and COOKIE not in (
                    response.headers.get("Set-Cookie") or ""
                )
        except OSError:
            return False

    def wait_until_serving(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not all(self.serves(name) for name in INSTANCES):
            if time.monotonic() > deadline:
                raise AssertionError(f"the proxy does not reach every instance:\n{self.logs()}")
            time.sleep(0.25)

    def tab_storage_holds(self, text: str) -> bool:
        return any(
            text.encode() in (self.redis.get(key) or b"")
            for key in self.redis.scan_iter(f"{self.prefix}tab-*")
        )

    def logs(self) -> str:
        return "\n".join(
            f"--- {server.log.name}\n{server.log.read_text()[-2000:]}"
            for server in (*self.instances.values(), self.proxy)
            if server.log.exists()
        )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    haproxy = shutil.which("haproxy")
    if not haproxy:
        unavailable("HAProxy", "install Debian's haproxy package (./test.sh does as root)")
    try:
        import redis
    except ImportError:
        unavailable("The Redis client", "install the redis extra (./test.sh does)")
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(redis_url)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable("Redis", f"{exc} (set TEST_REDIS_URL)")
    prefix = f"pitbox-test-{uuid.uuid4().hex[:8]}:"  # keys of this run only

    name = f"pitbox_instances_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        _postgres(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable("PostgreSQL", f"{exc} (set TEST_DATABASE_URL)")
    database_url = _with_database(_admin_url(), name)
    tmp = tmp_path_factory.mktemp("instances")
    started: list[Server] = []
    try:
        # Migrate once, by hand, as the deployment guide says.
        subprocess.run(
            [str(Path(sys.executable).with_name("aerich")), "upgrade"], cwd=ROOT,
            env=child_env(DATABASE_URL=database_url), check=True, capture_output=True,
            timeout=120,
        )  # fmt: skip
        shared = {
            "DATABASE_URL": database_url,
            "NICEGUI_REDIS_URL": redis_url,
            "NICEGUI_REDIS_KEY_PREFIX": prefix,
            "PITBOX_STORAGE_SECRET": secrets.token_urlsafe(32),
        }
        instances = {}
        for instance in INSTANCES:
            (tmp / instance).mkdir()
            instances[instance] = PitboxServer(tmp / instance, **shared)
        proxy_port = free_port()
        proxy = Server(
            [haproxy, "-db", "-f", str(ROOT / "deploy" / "haproxy.cfg")],
            child_env(
                PITBOX_PROXY_BIND=f"127.0.0.1:{proxy_port}",
                PITBOX_INSTANCE_1=f"127.0.0.1:{instances['pitbox1'].port}",
                PITBOX_INSTANCE_2=f"127.0.0.1:{instances['pitbox2'].port}",
            ),
            proxy_port,
            tmp / "haproxy.log",
        )
        for server in (*instances.values(), proxy):
            server.start()
            started.append(server)
        cluster = Cluster(proxy, instances, client, prefix)
        cluster.wait_until_serving()
        yield cluster
    finally:
        for server in reversed(started):
            server.stop()
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def new_phone(browser):
    contexts = []

    def open_phone() -> Page:
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


def instance_of(page: Page, cluster: Cluster) -> str:
    cookies = {c["name"]: c["value"] for c in page.context.cookies(cluster.url)}
    return cookies[COOKIE]


def pin(page: Page, cluster: Cluster, instance: str) -> None:
    page.context.add_cookies([{"name": COOKIE, "value": instance, "url": cluster.url}])


def test_a_tab_keeps_its_racer_and_typed_car_when_its_instance_restarts(cluster, new_phone):
    phone = new_phone()
    open_app(phone, cluster.url)
    open_selector(phone)
    create_racer(phone, "Lena")
    phone.locator(OPEN_DIALOGS).get_by_text("Lena", exact=True).click()
    expect(phone.get_by_text("Now working as Lena")).to_be_visible()
    phone.get_by_label("Brand").fill("Tekno")  # "Add a car" is open: Lena has no cars yet
    deadline = time.monotonic() + 10
    while not cluster.tab_storage_holds("Tekno"):  # the draft has reached the shared storage
        assert time.monotonic() < deadline, "the typed brand never reached Redis"
        time.sleep(0.1)

    first = instance_of(phone, cluster)
    phone.evaluate("window.servedBefore = true")
    cluster.instances[first].stop()

    # The proxy moves the tab to the other instance; the page reloads there.
    phone.wait_for_function("() => !window.servedBefore && !!document.querySelector('.q-header')",
                            timeout=30_000)  # fmt: skip
    expect(chip(phone)).to_contain_text("Lena")
    expect(phone.get_by_label("Brand")).to_have_value("Tekno")
    assert instance_of(phone, cluster) != first

    cluster.instances[first].start()
    cluster.wait_until_serving()
    phone.reload()
    expect(chip(phone)).to_contain_text("Lena")
    expect(phone.get_by_label("Brand")).to_have_value("Tekno")
    for server in cluster.instances.values():
        assert "Traceback" not in server.log.read_text(), cluster.logs()


def test_a_default_set_through_one_instance_shows_through_the_other(cluster, new_phone):
    phone = new_phone()
    pin(phone, cluster, "pitbox1")
    open_app(phone, cluster.url)
    open_selector(phone)
    create_racer(phone, "Mika")
    manage_racers(phone)
    phone.get_by_role("button", name="Make default: Mika").click()
    expect(phone.get_by_text("Mika is now the default racer")).to_be_visible()
    assert instance_of(phone, cluster) == "pitbox1"

    other = new_phone()
    pin(other, cluster, "pitbox2")
    open_app(other, cluster.url)
    expect(chip(other)).to_contain_text("Mika")
    assert instance_of(other, cluster) == "pitbox2"
