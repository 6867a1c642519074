"""The History tab as a racer uses it: find a past day, read it, compare, copy a setup."""

from nicegui import ui
from nicegui.testing import User

from models import RaceSession, SetupChange
from services import history, sessions
from tests.notebook import seed_racer
from tests.test_history import racer_with_sessions
from tests.ui.test_racer_selector import open_app


async def open_history(user: User) -> None:
    await open_app(user)
    user.find(marker="tab-history").click()
    await user.should_see(marker="history-count")  # the list builds after the title


async def sessions_by_name(racer_id: int) -> dict[str, int]:
    page = await history.list_sessions(racer_id)
    return {s.name: s.id for s in page.sessions}


async def test_a_past_session_opens_read_only_with_its_changes_and_laps(user: User):
    lena = await seed_racer("Lena", sessions=3)
    ids = await sessions_by_name(lena.id)
    await open_history(user)
    await user.should_see("Round 1")
    await user.should_see("Best 33.400 s · 2 changes")
    toe_id = (await history.get_record(lena.id, ids["Round 1"])).changes[0].id
    user.find(marker=f"history-session-{ids['Round 1']}").click()
    await user.should_see(marker="history-record")
    await user.should_see("Loose at the end")
    await user.should_see("Riverside — High · Loam")
    await user.should_see("Rear toe: 2.5 ° → 3 °")
    await user.should_see("advisor · applied · undone later")
    await user.should_see(marker=f"record-verdict-{toe_id}")
    await user.should_see("average 35.100 → 34.600 s, best 33.900 → 33.400 s")
    await user.should_see("34.200, 33.900, 35.000")
    user.find(marker="history-record-close").click()
    await user.should_not_see(marker="history-record")


async def test_history_filters_by_track(user: User):
    lena = await seed_racer("Lena", sessions=3)
    ids = await sessions_by_name(lena.id)
    await open_history(user)
    await user.should_see(marker=f"history-session-{ids['Round 2']}")
    track = user.find(marker="history-filter-track_name").elements.pop()
    assert isinstance(track, ui.select)
    track.value = "Riverside"
    await user.should_not_see(marker=f"history-session-{ids['Round 2']}")
    await user.should_see(marker=f"history-session-{ids['Round 1']}")
    await user.should_see("1 session")


async def test_two_sessions_compare_with_differences_first(user: User):
    lena = await seed_racer("Lena", sessions=3)
    ids = await sessions_by_name(lena.id)
    await open_history(user)
    user.find(marker=f"history-session-{ids['Round 1']}").click()
    await user.should_see(marker="compare-pick")
    user.find(marker="compare-pick").click()
    await user.should_see("Tap a session to compare with Round 1")
    user.find(marker=f"history-session-{ids['Round 2']}").click()
    await user.should_see(marker="compare-dialog")
    await user.should_see("1 difference")
    await user.should_see(marker="compare-diff-Front")
    await user.should_not_see(marker="compare-diff-Rear")
    diff = user.find(marker="compare-diff-Front").elements.pop()
    texts = [child.text for child in diff.descendants() if hasattr(child, "text")]
    assert texts[3:] == ["Shock oil", "475 cSt", "500 cSt"]
    await user.should_see("Same in both (23)")


async def test_a_session_compares_with_its_cars_reference(user: User):
    lena = await seed_racer("Lena", sessions=2)
    ids = await sessions_by_name(lena.id)
    await open_history(user)
    user.find(marker=f"history-session-{ids['Round 1']}").click()
    await user.should_see(marker="compare-reference")
    user.find(marker="compare-reference").click()
    await user.should_see("2 differences")
    await user.should_see("B  Car 1 · reference")


async def test_a_past_setup_is_copied_into_todays_session(user: User):
    lena = await seed_racer("Lena", sessions=3)
    ids = await sessions_by_name(lena.id)
    past = await RaceSession.get(id=ids["Round 1"])
    past.actual_setup = {**past.actual_setup, "front_spring": "Blue", "diff_rear": 6000}
    await past.save()
    await open_history(user)
    user.find(marker=f"history-session-{ids['Round 1']}").click()
    await user.should_see(marker="copy-into-twin")
    user.find(marker="copy-into-twin").click()
    await user.should_see(marker="copy-dialog")
    await user.should_see("Front (1 difference)")
    await user.should_see("Tires (the same)")
    user.find(marker="copy-group-Diffs").click()  # keep the diffs as they are today
    user.find(marker="copy-confirm").click()
    await user.should_see("Copied 1 change into Round 3")
    active = await sessions.active_session(lena.id)
    [copied] = await SetupChange.filter(session_id=active.id, source="library")
    assert (copied.parameter, copied.new_value) == ("front_spring", "Blue")


async def test_history_pages_through_many_sessions(user: User):
    racer = await racer_with_sessions("Lena", 25)
    await open_history(user)
    await user.should_see("25 sessions")
    await user.should_see("Page 1 of 2")
    await user.should_see("Day 24")
    user.find(marker="history-older").click()
    await user.should_see("Page 2 of 2")
    await user.should_see("Day 0")
    await user.should_not_see("Day 24")
    del racer
