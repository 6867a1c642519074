"""The access gate in front of the real app (main.py), from addresses other than loopback.

The requests go through the whole ASGI stack in this process, with the client address set to
a phone's; tests/browser/test_access_network.py does the same over a real network.
"""

from __future__ import annotations

import httpx
import pytest
from nicegui import Client, __version__, app
from nicegui.testing import User

from ui import access

PHONE = ("192.168.1.20", 50123)
HEADERS = [
    "x-frame-options",
    "content-security-policy",
    "referrer-policy",
    "x-content-type-options",
]


def client_from(address: tuple[str, int]) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app, client=address)
    return httpx.AsyncClient(transport=transport, base_url="http://pitbox.local")


@pytest.fixture
async def phone(user: User):
    """A client at a phone's address, against the app ``user`` started."""
    async with client_from(PHONE) as client:
        yield client


async def test_a_phone_without_the_password_gets_the_login_page_and_no_page(phone):
    clients_before = len(Client.instances)

    page = await phone.get("/", headers={"Accept": "text/html"})
    login = await phone.get(page.headers["location"])

    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2F"
    assert login.status_code == 200 and "Pitbox password" in login.text
    # No page was built for it: a stranger cannot make the server hold tabs for him.
    assert len(Client.instances) == clients_before


@pytest.mark.parametrize(
    "path",
    [
        f"/_nicegui/{__version__}/static/nicegui.js",
        "/_nicegui_ws/socket.io/?EIO=4&transport=polling",
        "/anything/else",
    ],
)
async def test_assets_and_the_socket_need_the_password(phone, path):
    response = await phone.get(path)

    assert response.status_code == 401


async def test_the_devices_page_is_for_this_machine_only_even_when_logged_in(phone):
    await phone.post("/login", data={"password": access.control().shown_password})

    response = await phone.get("/devices", headers={"Accept": "text/html"})

    assert response.status_code == 403
    assert access.control().shown_password not in response.text


async def test_with_the_password_the_phone_gets_in(phone):
    response = await phone.post(
        "/login", data={"password": access.control().shown_password, "next": "/?tab=garage"}
    )

    assert response.status_code == 303 and response.headers["location"] == "/?tab=garage"
    cookie = response.headers["set-cookie"]
    assert "pitbox_access=" in cookie and "HttpOnly" in cookie and "Secure" not in cookie
    assert (await phone.get("/", headers={"Accept": "text/html"})).status_code == 200


async def test_the_cookie_is_secure_over_https(user: User):
    transport = httpx.ASGITransport(app, client=PHONE)
    async with httpx.AsyncClient(transport=transport, base_url="https://pitbox.local") as phone:
        response = await phone.post("/login", data={"password": access.control().shown_password})

    assert "Secure" in response.headers["set-cookie"]


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "https://evil.example"])
async def test_login_never_sends_a_device_to_another_site(phone, target):
    response = await phone.post(
        "/login", data={"password": access.control().shown_password, "next": target}
    )

    assert response.headers["location"] == "/"


async def test_a_proxied_request_from_loopback_is_not_trusted(user: User):
    async with client_from(("127.0.0.1", 40000)) as proxied:
        response = await proxied.get(
            "/", headers={"Accept": "text/html", "X-Forwarded-For": "203.0.113.9"}
        )

    assert response.status_code == 303


async def test_health_stays_open_and_every_answer_has_the_security_headers(phone):
    health = await phone.get("/healthz")
    refused = await phone.get("/")

    assert health.status_code == 200 and health.json() == {"status": "ok"}
    for response in (health, refused):
        for header in HEADERS:
            assert header in response.headers
    assert health.headers["x-frame-options"] == "DENY"
    assert health.headers["referrer-policy"] == "no-referrer"
