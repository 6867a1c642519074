"""Access from a real other address: a "phone" in a network namespace of its own, joined to this
machine by a veth pair, reaches Pitbox at the host side's address.

Without the password it gets the login page and nothing else (no pages, no scripts, no
socket); with the password, or the one-time join link from the laptop's Devices page, it gets
in; wrong passwords are slowed down; a new password signs other devices out.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, shot
from tests.browser.test_phone_flows import chip
from tests.conftest import unavailable
from tests.servers import ROOT, PitboxServer, child_env

RACER = "Sam Secret"


@dataclass
class Namespace:
    name: str
    host_address: str  # this machine's side of the veth pair
    phone_address: str


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=20)


@pytest.fixture(scope="module")
def namespace() -> Iterator[Namespace]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        unavailable("a network namespace", "needs root and iproute2's ip")
    suffix = secrets.token_hex(3)
    name, host_link, phone_link = f"pitbox-{suffix}", f"pbh{suffix}", f"pbp{suffix}"
    # 198.18.0.0/15 is set aside for network tests; the pair is a /30 of its own.
    third = int(suffix[:2], 16)
    host_address, phone_address = f"198.18.{third}.1", f"198.18.{third}.2"
    try:
        ip("netns", "add", name)
        ip("link", "add", host_link, "type", "veth", "peer", "name", phone_link)
        ip("link", "set", phone_link, "netns", name)
        ip("addr", "add", f"{host_address}/30", "dev", host_link)
        ip("link", "set", host_link, "up")
        ip("-n", name, "addr", "add", f"{phone_address}/30", "dev", phone_link)
        ip("-n", name, "link", "set", phone_link, "up")
        ip("-n", name, "link", "set", "lo", "up")
    except subprocess.CalledProcessError as error:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=20)
        unavailable("a network namespace", error.stderr.strip())
    try:
        yield Namespace(name, host_address, phone_address)
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=20)
        subprocess.run(["ip", "link", "del", host_link], capture_output=True, timeout=20)


@pytest.fixture
def server(tmp_path) -> Iterator[PitboxServer]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = PitboxServer(data_dir, PITBOX_HOST="0.0.0.0")
    server.start()
    with closing(sqlite3.connect(data_dir / "pitbox.sqlite3")) as connection, connection:
        connection.execute(
            "INSERT INTO racer_profiles (name, sponsors, is_default, created_at, updated_at) "
            "VALUES (?, '[]', 1, '2026-05-01T09:00:00+00:00', '2026-05-01T09:00:00+00:00')",
            (RACER,),
        )
    try:
        yield server
    finally:
        server.stop()


def password(server: PitboxServer) -> str:
    return json.loads((Path(server.env["PITBOX_DATA_DIR"]) / "access.json").read_text())["password"]


def from_phone(namespace: Namespace, server: PitboxServer, step: str, *args: str) -> dict:
    """Run a step of tests/netns_phone.py inside the namespace; return what it saw."""
    base = f"http://{namespace.host_address}:{server.port}/"
    result = subprocess.run(
        ["ip", "netns", "exec", namespace.name, sys.executable, "tests/netns_phone.py", base,
         step, *args],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_another_address_gets_the_login_page_and_nothing_else(namespace, server):
    seen = from_phone(namespace, server, "anonymous")

    assert seen["page"]["status"] == 303 and seen["page"]["location"] == "/login?next=%2F"
    assert seen["login"]["status"] == 200 and "Pitbox password" in seen["login"]["body"]
    assert seen["script"]["status"] == 401  # not even NiceGUI's own scripts
    assert seen["polling"]["status"] == 401  # nor its socket, over either transport
    assert seen["websocket"] == 403
    assert seen["devices"]["status"] == 403  # the password page is for the laptop only
    assert seen["health"]["status"] == 200
    for name, response in seen.items():
        if isinstance(response, dict):
            assert RACER not in response["body"], name
            assert response["frame_options"] == "DENY", name


def test_with_the_password_another_address_gets_in(namespace, server):
    seen = from_phone(namespace, server, "browser", password(server))

    assert "/login" in seen["first_url"] and RACER not in seen["first_text"]
    assert "That is not the password" in seen["wrong_text"]
    assert RACER in seen["chip"]
    assert seen["websocket_with_cookie"] == 101
    assert seen["devices_with_cookie"] == 403  # logged in, still not the laptop


def test_a_join_link_lets_one_phone_in_once(namespace, server, browser):
    laptop = browser.new_context(viewport=PHONE).new_page()
    laptop.goto(server.url + "devices")
    qr = laptop.locator("[data-join-link]")
    link = qr.get_attribute("data-join-link")
    shot(laptop, "phone-devices")
    path = urllib.parse.urlsplit(link).path

    seen = from_phone(namespace, server, "join", path)

    assert RACER in seen["first_chip"]
    assert "already used or has expired" in seen["second_text"]
    assert RACER not in seen["second_text"]
    # The laptop shows a fresh code for the next phone.
    expect(qr).not_to_have_attribute("data-join-link", link, timeout=10000)
    laptop.context.close()


def test_login_brute_force_is_slowed_down(namespace, server):
    right = password(server)

    seen = from_phone(namespace, server, "brute", right)

    # Four wrong passwords are answered; from the fifth on, the address must wait, and the
    # tries made while waiting are not even checked.
    assert seen["statuses"][:4] == [401] * 4
    assert seen["statuses"][4:] == [429] * 36
    assert seen["right_status"] == 429 and int(seen["right"]) >= 1
    # Another device is not held up by the first one's failures.
    data = urllib.parse.urlencode({"password": right, "next": "/"}).encode()
    request = urllib.request.Request(f"http://{namespace.host_address}:{server.port}/login", data)
    try:
        urllib.request.build_opener(NoRedirect).open(request, timeout=20)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 303


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_new_password_signs_other_devices_out(namespace, server, browser):
    # This machine's own network address is "another address" too: no trust by address.
    other = browser.new_context(viewport=PHONE).new_page()
    other.goto(f"http://{namespace.host_address}:{server.port}/")
    shot(other, "phone-login")
    other.fill("#password", password(server))
    other.click("#log-in")
    expect(chip(other)).to_contain_text(RACER)

    laptop = browser.new_context(viewport=PHONE).new_page()
    laptop.goto(server.url + "devices")
    old = password(server)
    laptop.get_by_role("button", name="New password").click()
    laptop.get_by_role("dialog").get_by_role("button", name="New password").click()
    expect(laptop.get_by_text("Password changed")).to_be_visible()

    expect(other.locator("#password")).to_be_visible(timeout=15000)  # sent to the login page
    other.goto(f"http://{namespace.host_address}:{server.port}/")
    assert "/login" in other.url  # its cookie no longer works
    other.fill("#password", old)
    other.click("#log-in")
    expect(other.get_by_text("That is not the password")).to_be_visible()
    new = password(server)
    assert new != old
    expect(laptop.get_by_text(new)).to_be_visible()
    other.fill("#password", new)
    other.click("#log-in")
    expect(chip(other)).to_contain_text(RACER)
    laptop.context.close()
    other.context.close()
