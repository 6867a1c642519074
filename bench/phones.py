"""Many racers at once: phones that open the selector, switch racers and type, all together.

Fifty browsers would need fifty renderers, and on the benchmark's own machine they would take
the CPU from the server they are meant to load. So each phone here speaks NiceGUI's page
protocol the way nicegui.js does (load the page, connect its socket.io websocket, send the
same events a tap or a keystroke sends, apply the updates that come back), without painting.
A phone's interaction lasts from the event it sends until the update that shows the result has
arrived. The same loop runs first with one phone, so the comparison is like with like.
"""

from __future__ import annotations

import asyncio
import html
import json
import random
import re
import time
import uuid
from dataclasses import dataclass, field

import aiohttp
import socketio

from bench.browser import BenchError, Server
from bench.scenarios import Racer

_ELEMENTS = re.compile(r"parseElements\(String\.raw`(.*?)`\)", re.S)
_CLIENT_ID = re.compile(r"""['"]client_id['"]:\s*['"]([^'"]+)['"]""")
_UNESCAPE = (("&#36;", "$"), ("&#96;", "`"), ("&gt;", ">"), ("&lt;", "<"), ("&amp;", "&"))


class SocketPhone:
    """One tab of the app, driven over NiceGUI's websocket."""

    def __init__(self, server: Server, http: aiohttp.ClientSession) -> None:
        self.server = server
        self.http = http
        self.sio = socketio.AsyncClient(reconnection=False)
        self.elements: dict[str, dict] = {}
        self._ids: dict[str, str] = {}  # marker -> element id, while that element exists
        self.client_id = ""
        self.next_message_id = 0
        self.changed = asyncio.Event()
        self.sio.on("update", self._update)
        self.sio.on("run_javascript", self._javascript)
        self.sio.on("*", self._other)

    @classmethod
    async def open(cls, server: Server) -> SocketPhone:
        http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        phone = cls(server, http)
        try:
            async with http.get(server.base_url + "/") as response:
                html = await response.text()
            raw = _ELEMENTS.search(html)
            client = _CLIENT_ID.search(html)
            if not raw or not client:
                raise BenchError("the page does not look like a NiceGUI page")
            text = raw.group(1)
            for escaped, plain in _UNESCAPE:
                text = text.replace(escaped, plain)
            phone.elements = json.loads(text)
            phone.client_id = client.group(1)
            query = {
                "client_id": phone.client_id, "next_message_id": "0",
                "implicit_handshake": "true", "tab_id": str(uuid.uuid4()),
                "document_id": str(uuid.uuid4()),
            }  # fmt: skip
            cookies = "; ".join(f"{c.key}={c.value}" for c in http.cookie_jar)
            await phone.sio.connect(
                f"{server.base_url}/?{'&'.join(f'{k}={v}' for k, v in query.items())}",
                socketio_path="/_nicegui_ws/socket.io", transports=["websocket"],
                headers={"Cookie": cookies} if cookies else {}, wait_timeout=30,
            )  # fmt: skip
        except BaseException:
            await phone.close()
            raise
        return phone

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
        await self.http.close()

    async def _update(self, message: dict) -> None:
        self._count(message)
        for element_id, element in message.items():
            if element is None:
                self.elements.pop(element_id, None)
            elif element_id != "_id":
                self.elements[element_id] = element
        self.changed.set()
        await self.sio.emit("ack", {"client_id": self.client_id,
                                    "next_message_id": self.next_message_id})  # fmt: skip

    async def _javascript(self, message: dict) -> None:
        """Answer as a new browser tab would: its own storage holds nothing yet."""
        self._count(message)
        if message.get("request_id"):
            await self.sio.emit("javascript_response", {
                "request_id": message["request_id"], "client_id": self.client_id, "result": None,
            })  # fmt: skip

    async def _other(self, event: str, message=None) -> None:
        if isinstance(message, dict):
            self._count(message)

    def _count(self, message: dict) -> None:
        if isinstance(message.get("_id"), int):
            self.next_message_id = message["_id"] + 1

    # --- reading the page -----------------------------------------------------------------

    def text(self, tag: str) -> str:
        """The text under every element with this tag; ``DIALOGS`` for what is open over the
        page (Quasar's open dialogs and sheets that are not hidden, see ui/components.py)."""
        roots = [key for key, e in self.elements.items() if _matches(e, tag)]
        parts: list[str] = []
        stack = list(roots)
        while stack:
            element = self.elements.get(str(stack.pop()))
            if element is None:
                continue
            parts.append(str(element.get("text", "")))
            parts.append(str(element.get("props", {}).get("label", "")))
            if inner := element.get("props", {}).get("innerHTML"):  # ui.html: its text
                parts.append(html.unescape(re.sub(r"<[^>]*>", " ", str(inner))))
            stack.extend(element.get("children", []))
        return " ".join(parts)

    async def until(self, condition, limit: float = 30.0) -> float:
        """Wait for the updates that make ``condition()`` true; the moment it became true."""
        async with asyncio.timeout(limit):
            while not condition():
                self.changed.clear()
                await self.changed.wait()
        return time.perf_counter()

    # --- acting -----------------------------------------------------------------------------

    async def element_id(self, marker: str) -> str:
        """The id of the element marked ``marker``: asked of the server once, and again only
        once that element is gone (ids are never reused within a page), so that the server's
        load is the phones' taps and keystrokes, not the benchmark looking for what to tap."""
        known = self._ids.get(marker)
        if known is not None and known in self.elements:
            return known
        ids = await self.server.find(self.client_id, marker)
        if not ids:
            raise BenchError(f"no element marked {marker!r} on the page")
        self._ids[marker] = ids[0].removeprefix("c")
        return self._ids[marker]

    async def has(self, marker: str) -> bool:
        try:
            await self.element_id(marker)
        except BenchError:
            return False
        return True

    async def emit(self, element_id: str, event_type: str, *args) -> float:
        """Send the event a browser would send for this element; the moment it was sent."""
        element = self.elements.get(element_id)
        listeners = [e for e in (element or {}).get("events", []) if e["type"] == event_type]
        if not listeners:
            raise BenchError(f"element {element_id} has no {event_type!r} listener")
        started = time.perf_counter()
        await self.sio.emit("event", {
            "id": int(element_id), "client_id": self.client_id,
            "listener_id": listeners[0]["listener_id"], "args": [json.dumps(a) for a in args],
        })  # fmt: skip
        return started


@dataclass
class PhonesResult:
    phones: int
    rounds: int
    latencies: dict[str, list[float]] = field(default_factory=dict)
    first_render: list[float] = field(default_factory=list)
    edits: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    memory: dict[str, float] = field(default_factory=dict)


DIALOGS = "open dialogs"


def _matches(element: dict, tag: str) -> bool:
    if tag != DIALOGS:
        return element.get("tag") == tag
    if element.get("tag") == "nicegui-dialog":
        return bool(element.get("props", {}).get("model-value"))
    classes = element.get("class", [])
    return "pit-sheet" in classes and "hidden" not in classes


def _shows(phone: SocketPhone, name: str) -> bool:
    return name in phone.text("nicegui-header") and name in phone.text("q-page-container")


async def _loop(phone: SocketPhone, racers: list[Racer], rounds: int, think: float,
                rng: random.Random, result: PhonesResult) -> None:  # fmt: skip
    names = [r.name for r in racers]
    current = next((r for r in racers if r.name in phone.text("nicegui-header")), racers[0])
    step = "start"
    # Racers at a track are never in step: each phone starts somewhere in its first pause,
    # instead of all fifty tapping the same millisecond (a burst no pit lane produces).
    await asyncio.sleep(think * rng.uniform(0, 1.5))
    for n in range(rounds):
        try:
            step = "open the selector"
            started = await phone.emit(await phone.element_id("racer-chip"), "click", {})
            done = await phone.until(lambda: all(x in phone.text(DIALOGS) for x in names))
            result.latencies["selector"].append((done - started) * 1000)
            step = "switch"
            quiet = [r for r in racers if not r.in_session and r.id != current.id]
            target = rng.choice(quiet or [r for r in racers if r.id != current.id])
            card = await phone.element_id(f"switch-to-{target.id}")
            started = await phone.emit(card, "click", {})
            done = await phone.until(lambda t=target: _shows(phone, t.name))
            result.latencies["switch"].append((done - started) * 1000)
            current = target
            step = "selector closes"
            await phone.until(lambda: not phone.text(DIALOGS).strip())
            step = "unfold Add a car"  # folded once the racer has a car, built when unfolded
            if not await phone.has("garage.add_car.brand") and await phone.has("add-car"):
                await phone.emit(await phone.element_id("add-car"), "update:modelValue", True)
                await phone.until(lambda: "Brand" in phone.text("q-page-container"))
            step = "type a brand"  # letter by letter, leave the field, then clear it
            if await phone.has("garage.add_car.brand"):
                brand = await phone.element_id("garage.add_car.brand")
                typed = ""
                for letter in f"Tekno {n}":
                    typed += letter
                    await phone.emit(brand, "update:value", typed)
                    await asyncio.sleep(0.05)
                await phone.emit(brand, "blur", {})
                await phone.emit(brand, "update:value", "")
                result.edits += 1
        except Exception as exc:  # counted and reported, never hidden
            reason = (str(exc).splitlines() or ["timed out"])[0]
            result.failures.append(f"round {n}, {step}: {type(exc).__name__}: {reason}")
            return
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))


async def run_phones(server: Server, racers: list[Racer], *, phones: int, rounds: int,
                     think: float, seed: int = 11) -> PhonesResult:  # fmt: skip
    """Connect ``phones`` phones, run their loops together, and measure the server's memory."""
    result = PhonesResult(phones=phones, rounds=rounds, latencies={"selector": [], "switch": []})
    before = await server.stats(collect=True)
    rng = random.Random(seed)
    gate = asyncio.Semaphore(5)  # phones arrive a few at a time, as at a track

    async def connect(i: int) -> SocketPhone | None:
        async with gate:
            started = time.perf_counter()
            phone = None
            try:
                phone = await SocketPhone.open(server)
                done = await phone.until(lambda: "Racer" in phone.text("nicegui-header"))
            except Exception as exc:
                result.failures.append(f"phone {i} did not open: {type(exc).__name__}: {exc}")
                if phone is not None:
                    await phone.close()
                return None
            result.first_render.append((done - started) * 1000)
            return phone

    connected = [p for p in await asyncio.gather(*(connect(i) for i in range(phones))) if p]
    await asyncio.sleep(1.0)
    during = await server.stats(collect=True)
    start = time.monotonic()
    await asyncio.gather(*(
        _loop(phone, racers, rounds, think, random.Random(rng.random()), result)
        for phone in connected
    ))  # fmt: skip
    result.seconds = time.monotonic() - start
    await asyncio.sleep(1.0)
    after = await server.stats(collect=True)
    tabs = max(1, len(connected))
    result.memory = {
        "rss_before_mib": before["rss_bytes"] / 2**20,
        "rss_connected_mib": during["rss_bytes"] / 2**20,
        "rss_after_loop_mib": after["rss_bytes"] / 2**20,
        "tabs": len(connected),
        "mib_per_tab_connected": (during["rss_bytes"] - before["rss_bytes"]) / 2**20 / tabs,
        "mib_per_tab_after_loop": (after["rss_bytes"] - before["rss_bytes"]) / 2**20 / tabs,
    }
    await asyncio.gather(*(phone.close() for phone in connected))
    return result
