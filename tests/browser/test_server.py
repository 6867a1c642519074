"""The real server outside a browser: health check and requests that never open a socket."""

import json
import time
import urllib.request

from tests.servers import PitboxServer


def test_health_check_and_plain_page_requests_log_no_errors(tmp_path):
    # A page request that never connects a websocket (a link preview, a script) is dropped
    # once the reconnect timeout passes; shorten it so the test sees that happen quietly.
    server = PitboxServer(tmp_path, PITBOX_RECONNECT_TIMEOUT="1")
    server.start()
    try:
        with urllib.request.urlopen(server.url + "healthz", timeout=5) as response:
            assert json.load(response) == {"status": "ok"}
        for _ in range(3):
            with urllib.request.urlopen(server.url, timeout=5) as response:
                assert response.status == 200
        time.sleep(3)
    finally:
        server.stop()
    log = server.log.read_text()
    assert "Traceback" not in log and "ERROR" not in log, log


def test_pages_load_the_compiled_stylesheet_not_the_tailwind_runtime(tmp_path):
    server = PitboxServer(tmp_path, PITBOX_RECONNECT_TIMEOUT="1")
    server.start()
    try:
        with urllib.request.urlopen(server.url, timeout=5) as response:
            page = response.read().decode()
        assert "tailwindcss.min.js" not in page  # NiceGUI's runtime compiler is off
        link = page.split('<link rel="stylesheet" href="/tailwind.css?v=', 1)[1].split('"')[0]
        with urllib.request.urlopen(f"{server.url}tailwind.css?v={link}", timeout=5) as response:
            assert response.headers["Content-Type"].startswith("text/css")
            assert b".bg-slate-900{" in response.read()
    finally:
        server.stop()
