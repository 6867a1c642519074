"""Many racers at once: phones that open the selector, switch and type, all at the same time.

Each phone is a browser context of its own (its own cookies and tab), in one headless
Chromium, doing a bounded number of rounds with a racer's pause between them. The same loop
runs first with one phone, so the table compares like with like.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from bench.browser import BenchError, Phone, Server
from bench.scenarios import AppState, OpenSelector, Racer, SwitchRacer


@dataclass
class PhonesResult:
    phones: int
    rounds: int
    latencies: dict[str, list[float]] = field(default_factory=dict)
    edits: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    memory: dict[str, float] = field(default_factory=dict)


async def _edit(phone: Phone, n: int) -> bool:
    """Type into the Garage's "Add a car" form and clear it again (two draft saves)."""
    expansion = await phone.find("add-car")
    if not expansion or not await phone.find("garage.add_car.brand"):
        return False
    field_input = phone.page.locator(await phone.field("garage.add_car.brand"))
    if not await field_input.is_visible():
        await phone.page.tap(f"#{expansion[0]} .q-item")
    await field_input.fill(f"Tekno {n}")
    await phone.settle(quiet=0.1)
    await field_input.fill("")
    await phone.settle(quiet=0.1)
    return True


async def _phone_loop(
    phone: Phone, state: AppState, rounds: int, think: float, rng: random.Random,
    result: PhonesResult,
) -> None:  # fmt: skip
    selector, switch = OpenSelector(), SwitchRacer()
    for n in range(rounds):
        try:
            m = await selector.sample(phone, state, n)
            result.latencies["selector"].append(m.ms)
            m = await switch.sample(phone, state, n)
            result.latencies["switch"].append(m.ms)
            if await _edit(phone, n):
                result.edits += 1
        except (BenchError, TimeoutError, AssertionError) as exc:
            result.failures.append(f"{type(exc).__name__}: {exc}")
            return
        except Exception as exc:  # Playwright's errors, reported and counted, never hidden
            result.failures.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
            return
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))


async def _no_clients(server: Server, limit: float = 60.0) -> None:
    """Wait until the tabs of earlier phones are gone (after the reconnect timeout)."""
    deadline = time.monotonic() + limit
    while (await server.stats())["clients"] and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.5)


async def run_phones(
    browser, playwright, server: Server, racers: list[Racer], *, phones: int, rounds: int,
    think: float, seed: int = 11,
) -> PhonesResult:  # fmt: skip
    """Connect ``phones`` phones, run their loops together, and measure the server's memory."""
    result = PhonesResult(phones=phones, rounds=rounds, latencies={"selector": [], "switch": []})
    await _no_clients(server)
    before = await server.stats(collect=True)
    gate = asyncio.Semaphore(8)  # phones arrive a few at a time, as at a track

    async def connect(i: int) -> tuple[Phone, AppState] | None:
        async with gate:
            try:
                phone = await Phone.open(browser, playwright, server, "/", count_statements=False)
                await phone.page.wait_for_function(
                    "() => document.querySelector('.q-header')?.textContent.includes('Racer')"
                )
                await phone.settle()
            except Exception as exc:
                result.failures.append(f"phone {i} did not open: {exc}")
                return None
        name = await phone.page.locator(".q-header").text_content() or ""
        current = next((r for r in racers if r.name in name), racers[0])
        return phone, AppState(racers=racers, current=current, turn=i * 3)

    connected = [c for c in await asyncio.gather(*(connect(i) for i in range(phones))) if c]
    during = await server.stats(collect=True)
    start = time.monotonic()
    rng = random.Random(seed)
    await asyncio.gather(
        *(
            _phone_loop(phone, state, rounds, think, random.Random(rng.random()), result)
            for phone, state in connected
        )
    )
    result.seconds = time.monotonic() - start
    after = await server.stats(collect=True)
    tabs = max(1, len(connected))
    result.memory = {
        "rss_before_mib": before["rss_bytes"] / 2**20,
        "rss_connected_mib": during["rss_bytes"] / 2**20,
        "rss_after_loop_mib": after["rss_bytes"] / 2**20,
        "tabs": tabs,
        "mib_per_tab_connected": (during["rss_bytes"] - before["rss_bytes"]) / 2**20 / tabs,
        "mib_per_tab_after_loop": (after["rss_bytes"] - before["rss_bytes"]) / 2**20 / tabs,
    }
    await asyncio.gather(*(phone.close() for phone, _ in connected))
    return result
