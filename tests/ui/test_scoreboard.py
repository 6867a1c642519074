"""The Scoreboard tab as a racer uses it: paste a heat, fix what is wrong, see the numbers, the
chart and whether a setup change worked; edit and delete a run (NiceGUI's simulated user)."""

from __future__ import annotations

import asyncio
from datetime import date

from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User

from models import RunResult
from services import drafts, garage, profile_service, results, sessions, setups
from tests.ui.test_racer_selector import open_app, type_into

LAPS = "marker=scoreboard.heat.laps_text"
BEFORE = "1 24.0\n2 24.4\n3 24.2\n4 24.6\n5 24.3"
AFTER = "23.6, 24.0, 23.8, 24.2, 23.9"


async def racer_in_session(name: str = "Lena"):
    racer = await profile_service.create_profile(name)
    car = await garage.add_vehicle(racer.id, "Xray", "XB8")
    session = await sessions.start_session(
        racer.id, car.id, "Club day", "Practice", date(2026, 5, 17), racing_classes=["1/8 Buggy"]
    )
    return racer, session


async def open_scoreboard(user: User) -> None:
    await open_app(user)
    user.find(marker="tab-scoreboard").click()


async def paste_and_save(user: User, laps: str) -> None:
    await type_into(user, LAPS.split("=")[1], laps)
    user.find(marker="save-heat").click()


def text_of(user: User, marker: str) -> str:
    return user.find(marker=marker).elements.pop().text


async def test_without_a_session_the_scoreboard_says_what_to_do(user: User):
    await profile_service.create_profile("Lena")
    await open_scoreboard(user)
    await user.should_see(marker="scoreboard-no-session")
    await user.should_see("start one on the Event tab", retries=5)
    user.find("Go to Event").click()
    await user.should_see(marker="tab-event")


async def test_a_pasted_heat_shows_its_numbers_and_a_chart(user: User):
    _, session = await racer_in_session()
    await open_scoreboard(user)
    await user.should_see(marker="no-heats")

    await paste_and_save(user, "1 24.0\n2 2.4\n3 24.2\n4 x")
    await user.should_see("Line 2, item 2: Lap “2.4” must be between 5 and 600 s")
    await user.should_see("Line 4, item 2: “x” is not a lap time")
    assert await RunResult.all().count() == 0

    user.find(marker="scoreboard.heat.laps_text").clear()
    await paste_and_save(user, BEFORE)
    await user.should_see("Saved Heat 1")
    [run] = await RunResult.filter(session_id=session.id)
    assert (run.heat_name, run.racing_class, run.lap_times) == (
        "Heat 1", "1/8 Buggy", [24.0, 24.4, 24.2, 24.6, 24.3])  # fmt: skip
    assert text_of(user, f"best-{run.id}") == "24.000"
    assert text_of(user, f"average-{run.id}") == "24.300"
    # population deviation sqrt(0.2 / 5) = 0.2: 100 - 0.2 / 24.3 * 100 = 99.18
    assert text_of(user, f"consistency-{run.id}") == "99.2%"
    chart = user.find(ui.echart).elements.pop()
    [series] = chart.options["series"]
    assert series["data"] == [[1, 24.0], [2, 24.4], [3, 24.2], [4, 24.6], [5, 24.3]]
    # the form is ready for the next heat
    assert user.find(marker="scoreboard.heat.heat_name").elements.pop().value == "Heat 2"
    assert user.find(marker="scoreboard.heat.laps_text").elements.pop().value == ""


async def test_an_accepted_change_shows_whether_it_made_the_car_faster(user: User):
    racer, session = await racer_in_session()
    await results.add_run(racer.id, session.id, "Heat 1", laps_text=BEFORE)
    proposed = await setups.propose_change(racer.id, session.id, "diff_front", 5000)
    change = await setups.accept_change(racer.id, proposed.id)
    await results.refresh_outcomes(racer.id, session.id)
    await open_scoreboard(user)
    await user.should_see(marker=f"change-{change.id}")
    await user.should_see("Did it work? Run a heat and record its laps to see.")

    await paste_and_save(user, AFTER)
    await user.should_see("Saved Heat 2")
    await user.should_see(marker=f"verdict-{change.id}")
    await user.should_see("Faster")
    await user.should_see("average 24.300 → 23.900 s, best 24.000 → 23.600 s")
    chart = user.find(ui.echart).elements.pop()
    [line] = chart.options["series"][-1]["markLine"]["data"]
    assert line["xAxis"] == 5.5 and line["label"]["formatter"] == "Front diff"


async def test_a_csv_file_fills_the_box_and_a_bad_one_is_refused(user: User):
    await racer_in_session()
    await open_scoreboard(user)
    await user.should_see(marker="laps-csv")
    upload = user.find(marker="laps-csv").elements.pop()
    await upload.handle_uploads(
        [SmallFileUpload("laps.csv", "text/csv", b"Lap;Time\n0;\n1;23,456\n2;24,012\n")]
    )
    await user.should_see("2 laps read from laps.csv: check them and save")
    assert user.find(marker="scoreboard.heat.laps_text").elements.pop().value == "23.456\n24.012"

    await upload.handle_uploads([SmallFileUpload("results.csv", "text/csv", b"Time\n23.4\nDNF\n")])
    await user.should_see("results.csv was not used:")
    await user.should_see("Row 3, column 1: “DNF” is not a lap time")
    assert user.find(marker="scoreboard.heat.laps_text").elements.pop().value == "23.456\n24.012"


async def test_a_run_is_edited_and_deleted_after_asking(user: User):
    racer, session = await racer_in_session()
    run = await results.add_run(racer.id, session.id, "Heat 1", laps_text=BEFORE)
    await open_scoreboard(user)
    await user.should_see(marker=f"run-{run.id}")

    user.find(marker=f"edit-run-{run.id}").click()
    await user.should_see(marker="edit-run-dialog")
    laps = user.find(marker="edit-run-laps")
    laps.clear().type("22.0\n23.0 abc")
    user.find(marker="edit-run-save").click()
    await user.should_see("Line 2, item 2: “abc” is not a lap time")
    laps.clear().type("22.0\n23.0")
    user.find(marker="edit-run-save").click()
    await user.should_see("Saved Heat 1")
    assert text_of(user, f"best-{run.id}") == "22.000"
    assert (await RunResult.get(id=run.id)).lap_times == [22.0, 23.0]

    user.find(marker=f"delete-run-{run.id}").click()
    await user.should_see(marker="delete-run-dialog")
    user.find(marker="delete-run-cancel").click()
    await user.should_not_see(marker="delete-run-dialog")
    assert await RunResult.exists(id=run.id)
    user.find(marker=f"delete-run-{run.id}").click()
    await user.should_see(marker="delete-run-dialog")
    user.find(marker="delete-run-ok").click()
    await user.should_see("Deleted Heat 1")
    await user.should_see(marker="no-heats")
    assert not await RunResult.exists(id=run.id)


async def test_typed_laps_survive_a_reload_until_saved(user: User):
    racer, session = await racer_in_session()
    await open_scoreboard(user)
    await type_into(user, "scoreboard.heat.laps_text", "23.456\n24.012")
    await user.should_see("2 laps read")
    key = drafts.form_key("scoreboard.heat", session.id)
    for _ in range(60):  # kept for the racer too, a moment after typing (a restart keeps it)
        if (await drafts.load_drafts(racer.id)).get(key, {}).get("laps_text"):
            break
        await asyncio.sleep(0.05)
    assert (await drafts.load_drafts(racer.id))[key]["laps_text"] == "23.456\n24.012"

    await open_scoreboard(user)  # the page again, as after a locked phone reloads it
    await user.should_see(marker="record-heat")
    assert user.find(marker="scoreboard.heat.laps_text").elements.pop().value == "23.456\n24.012"
    user.find(marker="save-heat").click()
    await user.should_see("Saved Heat 1")
    assert not await drafts.load_drafts(racer.id)
    assert (await RunResult.get(session_id=session.id)).lap_times == [23.456, 24.012]
