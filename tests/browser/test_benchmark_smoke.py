"""The browser benchmark still runs end to end: a tiny dataset, a few samples, two phones.

Nothing here judges speed (the benchmark does that, as ratios to its floor); this only keeps
the benchmark from rotting as the app changes under it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.browser.conftest import chromium_path
from tests.conftest import _admin_url
from tests.servers import ROOT, child_env

MEASURED = {"selector", "switch", "first_render"}
PLUGGED_IN = {"setup_edit", "heat_save"}  # measured once their tabs carry the markers


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_benchmark_measures_each_interaction_beside_the_floor(dialect, request, tmp_path):
    chromium = chromium_path()
    if dialect == "postgres":
        request.getfixturevalue("postgres_test_database")  # fails or skips if there is none
    output = tmp_path / "bench.json"
    phones = 2 if dialect == "sqlite" else 0  # the phones' loop is the same on both
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--db", dialect, "--racers", "4", "--sessions", "3",
         "--samples", "2", "--warmup", "0", "--phones", str(phones), "--phone-rounds", "2",
         "--think", "0.1", "--json", str(output), "--postgres-url", _admin_url(),
         "--chromium", chromium],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "floor: tap changes one label" in done.stdout

    run = json.loads(output.read_text())["runs"][0]
    assert run["database"] == dialect
    assert MEASURED <= set(run["interactions"])
    for key in PLUGGED_IN:
        assert key in run["interactions"] or "markers not on the page" in run["skipped"][key]
    for key, figures in run["interactions"].items():
        assert figures["samples"] == 2, key
        assert figures["ws_bytes_received_median"] > 0, f"{key} painted nothing new"
    assert run["interactions"]["switch"]["statements_median"] >= 1
    assert run["interactions"]["first_render"]["document_bytes_median"] > 0
    assert run["floor"]["click"]["statements_max"] == 0

    assert run["server_log_problems"] == []
    if phones:
        figures = run["phones"][str(phones)]
        assert figures["failures"] == []
        assert figures["interactions"] == phones * 2 * 2  # phones x rounds x (selector, switch)
        assert figures["edits"] == phones * 2
        assert figures["memory"]["tabs"] == phones
        assert run["phones_log_problems"] == []
