"""How long a racer waits between tapping "Save heat" and seeing the heat's numbers and chart.

Runs Pitbox (embedded SQLite) and a bare NiceGUI page (one button setting one label) as real
servers, drives both with headless Chromium at phone size, and prints the median times and their
ratio: the bare page is the floor of any tap-to-answer round trip on this machine.

    .venv/bin/python scripts/scoreboard_speed.py            # 15 heats of 20 laps
    .venv/bin/python scripts/scoreboard_speed.py --heats 30 --laps 40
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import PHONE, chromium_path  # noqa: E402
from tests.browser.test_scoreboard_phone import seed  # noqa: E402
from tests.servers import PitboxServer, Server, child_env, free_port  # noqa: E402

BARE_PAGE = """
from nicegui import ui
@ui.page('/')
def index():
    label = ui.label('0').classes('floor-label')
    ui.button('Tap', on_click=lambda: label.set_text(str(int(label.text) + 1)))
ui.run(port={port}, host='127.0.0.1', reload=False, show=False)
"""


# In the page: tap the button named ``name`` and return the milliseconds until the page shows a
# new card (or label) matching ``pattern`` with its chart drawn, checked at every frame.
TAP_UNTIL = """
async ([name, pattern]) => {
  const button = [...document.querySelectorAll('button')]
    .find(b => b.innerText.toLowerCase().includes(name.toLowerCase()));
  const shown = () => [...document.querySelectorAll('.q-card, .floor-label')].some(e =>
      new RegExp(pattern).test(e.innerText) && e.innerText.length < 4000
      && (!e.classList.contains('q-card') || e.innerText.includes('Consistency')))
    && (name !== 'Save heat' || document.querySelector('.nicegui-echart canvas'));
  const started = performance.now();
  button.click();
  while (!shown()) {
    if (performance.now() - started > 10000) throw new Error(`never shown: ${pattern}`);
    await new Promise(requestAnimationFrame);
  }
  return performance.now() - started;
}
"""


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples)


def measure(heats: int, laps: int) -> None:
    from playwright.sync_api import expect, sync_playwright

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        pitbox = PitboxServer(data)
        port = free_port()
        bare = Server(
            [sys.executable, "-c", BARE_PAGE.format(port=port)], child_env(), port, data / "b.log"
        )
        pitbox.start()
        bare.start()
        try:
            seed(data)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"]
                )
                page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)

                page.goto(bare.url)
                floor = []
                for count in range(1, heats + 1):
                    floor.append(page.evaluate(TAP_UNTIL, ["Tap", f"^{count}$"]))

                page.goto(pitbox.url)
                page.get_by_role("tab", name="Scoreboard").click()
                expect(page.get_by_text("Record a heat")).to_be_visible()
                saves = []
                for number in range(2, heats + 2):
                    pasted = "\n".join(f"{rng.uniform(23, 25):.3f}" for _ in range(laps))
                    page.get_by_label("Lap times").fill(pasted)
                    saves.append(page.evaluate(TAP_UNTIL, ["Save heat", f"Heat {number}"]))
                    # what the racer sees: the new heat's card with its numbers, in view
                    name = page.get_by_text(f"Heat {number}", exact=True)
                    card = page.locator(".q-card").filter(has=name).filter(has_text="Consistency")
                    expect(card).to_be_in_viewport()
                browser.close()
        finally:
            pitbox.stop()
            bare.stop()
    print(f"bare NiceGUI tap-to-label:          median {median_ms(floor):6.0f} ms")
    print(
        f"save heat to numbers and chart:     median {median_ms(saves):6.0f} ms, "
        f"slowest {max(saves):.0f} ms ({heats} heats of {laps} laps, session growing "
        f"to {heats + 1} heats)"
    )
    print(f"ratio to the floor:                 {median_ms(saves) / median_ms(floor):.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heats", type=int, default=15)
    parser.add_argument("--laps", type=int, default=20)
    arguments = parser.parse_args()
    measure(arguments.heats, arguments.laps)
