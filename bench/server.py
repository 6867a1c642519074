"""The real Pitbox server, plus what the benchmark reads beside it.

``python -m bench.server`` runs ``main.main()`` unchanged (same settings, pages, database and
NiceGUI configuration) and adds three routes that only the benchmark uses:

- ``/bench/floor``: a bare NiceGUI page whose button changes one label. Served by the same
  process as Pitbox, it is the framework's floor at the same moment on the same machine.
- ``/bench/stats``: SQL statements issued so far, connected clients and resident memory.
- ``/bench/find``: the DOM ids of a client's elements that carry a marker. Markers live only
  on the server (NiceGUI does not render them), and the benchmark taps by marker.

SQL statements are counted from Tortoise's own statement log (``tortoise.db_client`` at DEBUG):
it reports every statement the ORM sends, the same way on SQLite and PostgreSQL, needs nothing
configured in the database server, and counting in the server process attributes statements
to an interaction exactly because the benchmark drives one interaction at a time.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nicegui  # noqa: E402
from nicegui import Client, app, ui  # noqa: E402
from nicegui.element_filter import ElementFilter  # noqa: E402

import main  # noqa: E402

_VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


class StatementCounter(logging.Handler):
    """Counts the SQL statements Tortoise logs, by their first word."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        # Tortoise logs ("%s: %s", query, values) or the bare query; skip pool messages.
        query = record.args[0] if record.msg == "%s: %s" and record.args else record.msg
        verb = str(query).lstrip()[:6].upper()
        for known in _VERBS:
            if verb.startswith(known):
                self.counts[known] += 1
                return
        if verb and not verb.startswith(("CREATE", "CLOSED")):
            self.counts["OTHER"] += 1


def resident_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


# What NiceGUI's page template adds when ui.run(tailwind=True), its default.
TAILWIND_RUNTIME = f"""
<style type="text/tailwindcss">
  @custom-variant dark (&:where(body.body--dark, body.body--dark *));
</style>
<script defer src="/_nicegui/{nicegui.__version__}/static/tailwindcss.min.js"></script>
"""


def install(counter: StatementCounter) -> None:
    sql_log = logging.getLogger("tortoise.db_client")
    sql_log.setLevel(logging.DEBUG)
    sql_log.propagate = False  # count, don't print
    sql_log.addHandler(counter)

    @ui.page("/bench/floor", title="Floor")
    def floor() -> None:
        """NiceGUI's default page: Pitbox runs without NiceGUI's Tailwind runtime (its classes
        are compiled at build time), so the floor loads that runtime as NiceGUI does by default.
        """
        ui.add_head_html(TAILWIND_RUNTIME)
        floor_content()

    @ui.page("/bench/floor-lean", title="Floor")
    def floor_lean() -> None:
        """The same page in Pitbox's configuration, without the Tailwind runtime."""
        floor_content()

    def floor_content() -> None:
        taps = {"count": 0}
        label = ui.label("0").classes("floor-label text-2xl")

        def tap() -> None:
            taps["count"] += 1
            label.set_text(str(taps["count"]))

        ui.button("Tap", on_click=tap).classes("floor-button")

    # Both routes are coroutines so that they run on the event loop, beside the pages they
    # read; a plain function would run in a worker thread, racing NiceGUI's slot stacks.
    @app.get("/bench/stats", include_in_schema=False)
    async def stats(collect: bool = False) -> dict:
        if collect:
            gc.collect()
        return {
            "statements": dict(counter.counts),
            "statements_total": sum(counter.counts.values()),
            "clients": len(Client.instances),
            "rss_bytes": resident_bytes(),
        }

    @app.get("/bench/find", include_in_schema=False)
    async def find(client: str, marker: str) -> list[str]:
        target = Client.instances.get(client)
        if target is None:
            return []
        with target:
            return [f"c{element.id}" for element in ElementFilter(marker=marker)]


if __name__ in {"__main__", "__mp_main__"}:
    install(StatementCounter())
    main.main(sys.argv[1:])
