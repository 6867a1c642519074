"""A "phone" on another address: run inside a network namespace by test_access_network.py.

    python tests/netns_phone.py BASE_URL STEP [ARGUMENT]

Prints what it saw as one JSON object. Steps: ``anonymous`` (plain requests without a cookie),
``browser PASSWORD`` (Chromium: a wrong password, then the right one), ``join PATH`` (Chromium:
the one-time join link, twice), ``brute PASSWORD`` (many wrong passwords, then the right one).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from nicegui import __version__ as nicegui_version
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

PHONE = {"width": 390, "height": 844}
RACER_CHIP = ".q-header button"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def request(url: str, data: dict | None = None, accept: str = "text/html") -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Accept": accept})
    try:
        with _opener.open(req, timeout=20) as response:
            status, headers, text = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, text = error.code, error.headers, error.read()
    return {
        "status": status,
        "location": headers.get("Location"),
        "retry_after": headers.get("Retry-After"),
        "set_cookie": headers.get("Set-Cookie"),
        "frame_options": headers.get("X-Frame-Options"),
        "body": text.decode("utf-8", "replace")[:20000],
    }


def websocket_status(base: str, cookie: str | None = None) -> int:
    url = base.replace("http://", "ws://") + "_nicegui_ws/socket.io/?EIO=4&transport=websocket"
    headers = {"Cookie": cookie} if cookie else {}
    try:
        with connect(url, additional_headers=headers, open_timeout=10) as socket:
            socket.recv(timeout=10)  # engine.io's "open" packet
            return 101
    except InvalidStatus as error:
        return error.response.status_code


def anonymous(base: str) -> dict:
    return {
        "page": request(base),
        "login": request(base + "login"),
        "script": request(f"{base}_nicegui/{nicegui_version}/static/nicegui.js", accept="*/*"),
        "polling": request(base + "_nicegui_ws/socket.io/?EIO=4&transport=polling", accept="*/*"),
        "websocket": websocket_status(base),
        "devices": request(base + "devices"),
        "health": request(base + "healthz", accept="application/json"),
    }


def _browser():
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
    )
    return playwright, browser


def in_browser(base: str, password: str) -> dict:
    playwright, browser = _browser()
    try:
        page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        page.goto(base)
        seen = {"first_url": page.url, "first_text": page.inner_text("body")}
        page.fill("#password", "not-the-password")
        page.click("#log-in")
        seen["wrong_text"] = page.inner_text("body")
        page.fill("#password", password)
        page.click("#log-in")
        page.wait_for_selector(f"{RACER_CHIP} >> text=Sam", timeout=30000)
        seen["in_url"] = page.url
        seen["chip"] = page.inner_text(RACER_CHIP)
        cookies = page.context.cookies()
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
        seen["websocket_with_cookie"] = websocket_status(base, cookie)
        seen["devices_with_cookie"] = request(base + "devices")["status"]
        return seen
    finally:
        browser.close()
        playwright.stop()


def join(base: str, path: str) -> dict:
    playwright, browser = _browser()
    try:
        first = browser.new_context(viewport=PHONE).new_page()
        first.goto(base + path.lstrip("/"))
        first.wait_for_selector(f"{RACER_CHIP} >> text=Sam", timeout=30000)
        second = browser.new_context(viewport=PHONE).new_page()
        second.goto(base + path.lstrip("/"))
        return {
            "first_chip": first.inner_text(RACER_CHIP),
            "second_url": second.url,
            "second_text": second.inner_text("body"),
        }
    finally:
        browser.close()
        playwright.stop()


def brute(base: str, password: str) -> dict:
    statuses = [
        request(base + "login", {"password": f"guess-{i:04d}", "next": "/"})["status"]
        for i in range(40)
    ]
    right = request(base + "login", {"password": password, "next": "/"})
    return {"statuses": statuses, "right_status": right["status"], "right": right["retry_after"]}


if __name__ == "__main__":
    base_url, step, *rest = sys.argv[1:]
    steps = {"anonymous": anonymous, "browser": in_browser, "join": join, "brute": brute}
    print(json.dumps(steps[step](base_url, *rest)))
