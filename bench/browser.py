"""Phones in headless Chromium: taps and navigations timed inside the page, bytes counted.

A measurement starts when the page dispatches the tap's click event (or at navigation start)
and ends at the first frame painted after the page shows what the racer waits for: a
MutationObserver checks a condition after every DOM change, and when it holds the time is taken
in a ``setTimeout`` queued from the next ``requestAnimationFrame`` callback, that is, once that
frame has been painted. Timing inside the page keeps Playwright's own round trips out.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
DEVICE = "iPhone 13"
TIMEOUT_MS = 20_000

# Armed before a tap: resolves with the time from the click to the painted frame.
_ARM_TAP = """({predicate, arg, timeout}) => {
  const done = eval('(' + predicate + ')');
  window.__bench = new Promise((resolve) => {
    let t0 = null, finished = false;
    const finish = (result) => {
      if (!finished) { finished = true; observer.disconnect(); resolve(result); }
    };
    const check = () => {
      if (t0 === null || finished) return;
      let ok = false;
      try { ok = done(arg); } catch (e) {}
      if (ok) requestAnimationFrame(() => setTimeout(() => {
        finish({ms: performance.now() - t0});
      }, 0));
    };
    document.addEventListener('click', (event) => { t0 = event.timeStamp; check(); },
                              {capture: true, once: true});
    const observer = new MutationObserver(check);
    observer.observe(document,
                     {subtree: true, childList: true, characterData: true, attributes: true});
    setTimeout(() => finish({error: 'the page never showed the expected result'}), timeout);
  });
}"""

# Runs at the start of every document: when a navigation was armed, resolves with the time from
# navigation start to the painted frame.
_ARM_NAVIGATION = """(() => {
  const spec = sessionStorage.getItem('__benchNavigation');
  if (!spec) return;
  sessionStorage.removeItem('__benchNavigation');
  const {predicate, arg, timeout} = JSON.parse(spec);
  const done = eval('(' + predicate + ')');
  window.__bench = new Promise((resolve) => {
    let finished = false;
    const finish = (result) => {
      if (!finished) { finished = true; observer.disconnect(); resolve(result); }
    };
    const check = () => {
      if (finished) return;
      let ok = false;
      try { ok = done(arg); } catch (e) {}
      if (ok) requestAnimationFrame(() => setTimeout(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        finish({ms: performance.now(), document_bytes: nav ? nav.decodedBodySize : 0});
      }, 0));
    };
    const observer = new MutationObserver(check);
    observer.observe(document,
                     {subtree: true, childList: true, characterData: true, attributes: true});
    setTimeout(() => finish({error: 'the page never showed the expected result'}), timeout);
  });
})();"""


class BenchError(RuntimeError):
    """The page did not do what the benchmark expected; the message says what."""


@dataclass
class Measurement:
    ms: float
    bytes_received: int  # websocket payload the server sent to the phone
    bytes_sent: int  # websocket payload the phone sent
    statements: int  # SQL statements the server issued
    document_bytes: int = 0


class Server:
    """The benchmark's view of the server: its stats and marker lookups, over HTTP."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        # One browser session for every request: without its cookie each one would make the
        # server set up another user's storage.
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def _get(self, path: str, **query: str) -> object:
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(query)}"
        with self._opener.open(url, timeout=30) as response:
            return json.load(response)

    async def stats(self, collect: bool = False) -> dict:
        query = {"collect": "true"} if collect else {}
        return await asyncio.to_thread(self._get, "/bench/stats", **query)

    async def statements(self) -> int:
        return (await self.stats())["statements_total"]

    async def find(self, client_id: str, marker: str) -> list[str]:
        return await asyncio.to_thread(self._get, "/bench/find", client=client_id, marker=marker)


class Phone:
    """One browser tab at iPhone 13 size, with the websocket traffic it saw."""

    def __init__(self, context, page, server: Server, count_statements: bool = True) -> None:
        self.context = context
        self.page = page
        self.server = server
        # With many phones at once the server's count cannot be attributed to one of them.
        self.count_statements = count_statements
        self.received = 0
        self.sent = 0
        self.last_frame = time.monotonic()
        page.on("websocket", self._watch)

    @classmethod
    async def open(
        cls, browser, playwright, server: Server, path: str, *, count_statements: bool = True
    ) -> Phone:
        device = dict(playwright.devices[DEVICE])
        device.pop("default_browser_type", None)
        context = await browser.new_context(**device)
        await context.add_init_script(_ARM_NAVIGATION)
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        phone = cls(context, page, server, count_statements)
        await page.goto(server.base_url + path)
        return phone

    async def close(self) -> None:
        await self.context.close()

    def _watch(self, websocket) -> None:
        def received(payload) -> None:
            self.received += len(payload.encode() if isinstance(payload, str) else payload)
            self.last_frame = time.monotonic()

        def sent(payload) -> None:
            self.sent += len(payload.encode() if isinstance(payload, str) else payload)
            self.last_frame = time.monotonic()

        websocket.on("framereceived", received)
        websocket.on("framesent", sent)

    async def settle(self, quiet: float = 0.25, limit: float = 5.0) -> None:
        """Wait until the websocket has been quiet for ``quiet`` seconds."""
        deadline = time.monotonic() + limit
        # Polling: frames arrive as Playwright events, and quiet is the absence of one.
        while time.monotonic() < deadline and time.monotonic() - self.last_frame < quiet:  # noqa: ASYNC110
            await asyncio.sleep(0.02)

    async def client_id(self) -> str:
        await self.page.wait_for_function("window.clientId && window.did_handshake")
        return await self.page.evaluate("window.clientId")

    async def find(self, marker: str) -> list[str]:
        """DOM ids of this tab's elements with ``marker`` (empty if there are none)."""
        return await self.server.find(await self.client_id(), marker)

    async def selector(self, marker: str) -> str:
        ids = await self.find(marker)
        if not ids:
            raise BenchError(f"no element marked {marker!r} on the page")
        return f"#{ids[0]}"

    async def holds(self, predicate: str, arg: object) -> bool:
        return bool(await self.page.evaluate(predicate, arg))

    async def field(self, marker: str) -> str:
        """CSS for the text field of the input marked ``marker`` (its id sits on the field
        itself or on a wrapper, depending on the element)."""
        target = await self.selector(marker)
        return f"{target} :is(input, textarea), :is(input, textarea){target}"

    async def tap(self, marker: str) -> None:
        await self.page.tap(await self.selector(marker))

    async def measure_tap(self, marker: str, predicate: str, arg: object) -> Measurement:
        """Tap the element marked ``marker``; time it until ``predicate(arg)`` is painted."""
        return await self.measure_tap_at(await self.selector(marker), predicate, arg, marker)

    async def measure_tap_at(
        self, target: str, predicate: str, arg: object, what: str = ""
    ) -> Measurement:
        """Tap the element at CSS ``target``; time it until ``predicate(arg)`` is painted."""
        what = f"tap on {what or target!r}"
        if await self.holds(predicate, arg):
            raise BenchError(f"{what}: the expected result ({arg!r}) shows before the tap")
        await self.page.locator(target).wait_for(state="visible")
        return await self._measure(
            lambda: self.page.tap(target),
            lambda: self.page.evaluate(
                _ARM_TAP, {"predicate": predicate, "arg": arg, "timeout": TIMEOUT_MS}
            ),
            what=what,
        )

    async def measure_navigation(self, path: str, predicate: str, arg: object) -> Measurement:
        """Navigate this tab to ``path``; time it until ``predicate(arg)`` is painted."""
        spec = json.dumps({"predicate": predicate, "arg": arg, "timeout": TIMEOUT_MS})

        async def navigate() -> None:
            await self.page.goto(self.server.base_url + path, wait_until="commit")
            await self.page.wait_for_function("window.__bench !== undefined")

        return await self._measure(
            navigate,
            lambda: self.page.evaluate(
                "(spec) => sessionStorage.setItem('__benchNavigation', spec)", spec
            ),
            what=f"navigation to {path}",
        )

    async def _statements(self) -> int:
        return await self.server.statements() if self.count_statements else 0

    async def _measure(self, act, arm, *, what: str) -> Measurement:
        await self.settle()
        statements = await self._statements()
        received, sent = self.received, self.sent
        await arm()
        await act()
        result = await self.page.evaluate("window.__bench")
        if "error" in result:
            raise BenchError(f"{what}: {result['error']}")
        await self.settle()
        return Measurement(
            ms=result["ms"],
            bytes_received=self.received - received,
            bytes_sent=self.sent - sent,
            statements=await self._statements() - statements,
            document_bytes=result.get("document_bytes", 0),
        )
