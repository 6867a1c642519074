"""Scoreboard: reading pasted laps and CSV files, run statistics, runs scoped by racer, and
whether an accepted change made the car faster.

Expected values are worked out by hand in the comments; database tests run on SQLite and on
PostgreSQL (the ``db`` fixture).
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from models import ChangeStatus, RunResult, SetupChange
from services import garage, profile_service, results, sessions, setups
from services.errors import NotFoundError, ValidationError
from services.results import LapProblem, Verdict, compare_laps, lap_stats, parse_csv, parse_laps
from tests.concurrency import assert_ran_concurrently, use_warm_pool

EXAMPLE = "a lap time looks like 23.456 or 1:02.345"

# --- what racers paste ------------------------------------------------------------------------

# (pasted text, laps read, problems as the racer reads them)
PASTES = [
    ("23.456\n24.012\n23.987", (23.456, 24.012, 23.987), []),
    ("23.456, 24.012, 23.987", (23.456, 24.012, 23.987), []),
    ("23.456 24.012\t23.987;24.5", (23.456, 24.012, 23.987, 24.5), []),
    ("1:02.345\n0:59.9\n1:05", (62.345, 59.9, 65.0), []),
    ("1 23.456\n2 24.012\n3 23.987", (23.456, 24.012, 23.987), []),
    ("Lap 1: 23.456\nLap 2: 24.012", (23.456, 24.012), []),
    ("1. 23.456\n2) 24.012\n#3 23.9", (23.456, 24.012, 23.9), []),
    # lap, position, time, as in a timing system's lap list; lap 0 is the start
    ("0 1\n1 1 0:23.456\n2 2 0:24.012", (23.456, 24.012), []),
    ("0\t1\t0.000\n1\t1\t23.456", (23.456,), []),
    ("\n\n23.456\n\n\n24.012\n", (23.456, 24.012), []),
    ("1,23.456\n2,24.012", (23.456, 24.012), []),
    ("23.4567", (23.457,), []),
    ("5.000\n10:00.000", (5.0, 600.0), []),
    ("23.456\nabc\n24.012", (23.456, 24.012), [
        f"Line 2, item 1: “abc” is not a lap time: {EXAMPLE}"]),
    ("23.456, 24.012, x, 23.9", (23.456, 24.012, 23.9), [
        f"Line 1, item 3: “x” is not a lap time: {EXAMPLE}"]),
    ("23,456\n24,012", (), [
        "Line 1, item 1: “23,456”: write decimals with a point (23.456); commas separate laps",
        "Line 2, item 1: “24,012”: write decimals with a point (24.012); commas separate laps"]),
    ("1 0:23,644\n2 0:24.012", (24.012,), [
        "Line 1, item 2: “0:23,644”: write decimals with a point (0:23.644); "
        "commas separate laps"]),
    ("23.456\n45\n24.012", (23.456, 24.012), [
        f"Line 2, item 1: “45” has no decimals: {EXAMPLE}"]),
    ("3.2\n23.456", (23.456,), ["Line 1, item 1: Lap “3.2” must be between 5 and 600 s"]),
    ("23.456\n12:00.000", (23.456,), [
        "Line 2, item 1: Lap “12:00.000” must be between 5 and 600 s"]),
    ("1:75.2", (), ["Line 1, item 1: “1:75.2”: the seconds must be under 60"]),
    ("Lap\tTime\n1\t23.456", (23.456,), [
        f"Line 1, item 1: “Lap” is not a lap time: {EXAMPLE}",
        f"Line 1, item 2: “Time” is not a lap time: {EXAMPLE}"]),
    ("1 23.456 +0.321", (23.456,), [
        f"Line 1, item 3: “+0.321” is not a lap time: {EXAMPLE}"]),
    ("  \n  \n23.456\n-24.0", (23.456,), [
        f"Line 4, item 1: “-24.0” is not a lap time: {EXAMPLE}"]),
    ("23.456 24.012 25", (23.456, 24.012), [
        f"Line 1, item 3: “25” has no decimals: {EXAMPLE}"]),
    ("", (), ["Lap times: Paste or type the lap times, one per line"]),
    ("\n0\n", (), ["Lap times: Paste or type the lap times, one per line"]),
    ("23.456\u200b", (), [f"Line 1, item 1: “23.456\u200b” is not a lap time: {EXAMPLE}"]),
    ("23.456\x07", (), ["Lap times: Lap times cannot contain control characters"]),
    ("23.456\u00a024.012", (23.456, 24.012), []),  # a no-break space copied from a web page
]  # fmt: skip


@pytest.mark.parametrize(("pasted", "laps", "problems"), PASTES)
def test_pasted_laps_are_read_and_anything_else_is_pointed_out(pasted, laps, problems):
    parsed = parse_laps(pasted)
    assert parsed.laps == laps
    assert [str(problem) for problem in parsed.problems] == problems
    assert parsed.ok == (bool(laps) and not problems)


def test_the_parser_table_covers_good_bad_and_mixed_pastes():
    good = [p for p in PASTES if p[1] and not p[2]]
    bad = [p for p in PASTES if not p[1] and p[2]]
    mixed = [p for p in PASTES if p[1] and p[2]]
    assert len(PASTES) >= 20 and len(good) >= 5 and len(bad) >= 5 and len(mixed) >= 5


def test_too_many_laps_for_one_run_are_refused():
    parsed = parse_laps("\n".join(["23.456"] * 501))
    assert [str(p) for p in parsed.problems] == [
        "Lap times: 501 laps: at most 500 in one run, split them into several runs"
    ]


def test_many_problems_are_listed_with_how_many_more():
    parsed = parse_laps("\n".join(f"x{i}" for i in range(10)))
    message = results.problems_message(parsed.problems)
    assert message.splitlines()[0] == f"Line 1, item 1: “x0” is not a lap time: {EXAMPLE}"
    assert message.splitlines()[-1] == "…and 2 more"
    assert len(message.splitlines()) == 9


# --- CSV files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "laps", "problems"),
    [
        (b"Lap,Lap time,Position\n0,,1\n1,23.456,1\n2,24.012,2\n", (23.456, 24.012), []),
        # a spreadsheet with semicolons and decimal commas, and a unit in the header
        (b"Lap;Time (s)\n1;23,456\n2;24,012\n", (23.456, 24.012), []),
        ("\ufeffLAP_TIME\n1:02.345\n\n0:59.900\n".encode(), (62.345, 59.9), []),
        (b"Seconds\tComment\n23.456\tclean\n24.012\tcrashed\n", (23.456, 24.012), []),
        (b"23.456\n24.012\n", (23.456, 24.012), []),
        (b"1,23.456\n2,24.012\n", (23.456, 24.012), []),
        (b"Lap,Time\n1,23.456\n2,fast\n3,3.0\n", (23.456,), [
            f"Row 3, column 2: “fast” is not a lap time: {EXAMPLE}",
            "Row 4, column 2: Lap “3.0” must be between 5 and 600 s"]),
        (b"Driver,Best\nLena,23.456\n", (23.456,), [
            f"Row 1, column 1: “Driver” is not a lap time: {EXAMPLE}",
            f"Row 1, column 2: “Best” is not a lap time: {EXAMPLE}",
            f"Row 2, column 1: “Lena” is not a lap time: {EXAMPLE}"]),
        (b"Lap,Time\n", (), ["Lap times: The file has no lap times"]),
        ("Zeit\n23,456\n".encode("cp1252"), (), [
            f"Row 1, column 1: “Zeit” is not a lap time: {EXAMPLE}",
            "Row 2, column 1: “23,456”: write decimals with a point (23.456); commas "
            "separate laps"]),
        (b"x" * 200_001, (), ["File: The file is larger than 200 kB: is it a lap list?"]),
        (b'"' + b"1" * 140_000, (), ["File: This file cannot be read as a CSV file"]),
    ],
)  # fmt: skip
def test_csv_files_are_read_by_their_lap_time_column(content, laps, problems):
    parsed = parse_csv(content)
    assert parsed.laps == laps
    assert [str(problem) for problem in parsed.problems] == problems


# --- the numbers ------------------------------------------------------------------------------


def test_statistics_of_a_run_match_hand_computed_values():
    laps = [24.0, 23.0, 25.0, 22.0, 24.0, 26.0, 24.5, 23.5]
    stats = lap_stats(laps)
    # sum 192 over 8 laps; sorted 22, 23, 23.5, 24, 24, 24.5, 25, 26
    assert stats.laps == 8
    assert (stats.best, stats.best_lap_number) == (22.0, 4)
    assert stats.average == 24.0
    assert stats.median == 24.0
    # squared deviations 0, 1, 1, 4, 0, 4, 0.25, 0.25 = 10.5; population variance 10.5 / 8
    assert stats.consistency == pytest.approx(100 - (10.5 / 8) ** 0.5 / 24 * 100)
    assert stats.consistency == pytest.approx(95.2265, abs=1e-4)
    # three in a row: 72, 70, 71, 72, 74.5, 74 -> 70 from lap 2
    assert (stats.best_three, stats.best_three_from) == (70.0, 2)
    # last five 22, 24, 26, 24.5, 23.5 average 24; fastest three 22, 23, 23.5 average 22.8333
    assert stats.fade == pytest.approx(24 - 68.5 / 3)
    assert stats.fade_percent == pytest.approx((24 - 68.5 / 3) / (68.5 / 3) * 100)


def test_short_runs_leave_out_what_they_cannot_tell():
    one = lap_stats([23.456])
    assert (one.best, one.average, one.median) == (23.456, 23.456, 23.456)
    assert (one.consistency, one.best_three, one.fade) == (None, None, None)
    four = lap_stats([23.0, 24.0, 25.0, 22.0])
    assert four.consistency is not None and four.best_three == 71.0 and four.fade is None
    assert four.median == 23.5


def test_consistency_does_not_go_below_zero():
    # mean 10.95, population deviation about 59.2: the formula alone would say -440 %
    assert lap_stats([5.0] * 99 + [600.0]).consistency == 0.0


def test_laps_read_as_timing_systems_print_them():
    assert results.format_lap(23.4) == "23.400"
    assert results.format_lap(62.345) == "1:02.345"
    assert results.format_lap(599.9996) == "10:00.000"
    assert parse_laps(results.laps_as_text([23.4, 62.345])).laps == (23.4, 62.345)


# --- the verdict ------------------------------------------------------------------------------

BEFORE = [24.0, 24.4, 24.2, 24.6, 24.3]  # mean 24.3, sample variance 0.2 / 4 = 0.05


def test_a_clear_drop_of_the_average_is_faster():
    after = [23.6, 24.0, 23.8, 24.2, 23.9]  # mean 23.9, variance 0.05
    # t = -0.4 / sqrt(0.05/5 + 0.05/5) = -2.828; Welch df = 8, critical 2.306
    comparison = compare_laps(BEFORE, after)
    assert comparison.verdict == Verdict.FASTER
    assert comparison.t == pytest.approx(-2.8284, abs=1e-4)
    assert comparison.t_critical == 2.306
    assert (comparison.best_before, comparison.best_after) == (24.0, 23.6)
    assert (comparison.average_before, comparison.average_after) == (24.3, 23.9)


def test_a_small_drop_inside_the_noise_is_no_difference():
    after = [23.8, 24.2, 24.0, 24.4, 24.1]  # mean 24.1: t = -0.2 / 0.1414 = -1.414
    comparison = compare_laps(BEFORE, after)
    assert comparison.verdict == Verdict.NO_DIFFERENCE
    assert comparison.t == pytest.approx(-1.4142, abs=1e-4)


def test_a_clear_rise_of_the_average_is_slower():
    after = [24.7, 25.1, 24.9, 25.3, 25.0]  # mean 25.0: t = 0.7 / 0.1414 = 4.95
    assert compare_laps(BEFORE, after).verdict == Verdict.SLOWER


def test_fewer_than_five_laps_on_a_side_is_too_few_to_tell():
    comparison = compare_laps(BEFORE, [22.0, 22.1, 22.0, 22.1])
    assert comparison.verdict == Verdict.TOO_FEW_LAPS
    assert (comparison.laps_before, comparison.laps_after) == (5, 4)
    assert comparison.best_after == 22.0 and comparison.t is None
    assert compare_laps([], BEFORE).best_before is None


def test_unequal_spreads_use_welchs_degrees_of_freedom():
    noisy = [23.0, 25.0, 23.5, 26.0, 22.5, 25.5]  # mean 24.25, variance 10.375 / 5 = 2.075
    steady = [24.0, 24.1, 24.0, 24.1, 24.0, 24.1]  # mean 24.05, variance 0.015 / 5 = 0.003
    comparison = compare_laps(noisy, steady)
    # se = sqrt(2.075/6 + 0.003/6) = 0.58850, t = -0.2 / 0.58850 = -0.3398;
    # df = 0.34633^2 / (0.34583^2/5 + 0.0005^2/5) = 5.01: the row for 5, not for 10
    assert comparison.t == pytest.approx(-0.3398, abs=1e-4)
    assert comparison.t_critical == 2.571
    assert comparison.verdict == Verdict.NO_DIFFERENCE


def test_the_t_table_takes_the_row_at_or_below_the_degrees_of_freedom():
    assert results.t_critical(8) == 2.306
    assert results.t_critical(8.9) == 2.306
    assert results.t_critical(22) == 2.086
    assert results.t_critical(500) == 1.980
    assert results.t_critical(5000) == 1.960


# --- runs in the database ---------------------------------------------------------------------


@pytest.fixture
async def racing(db):
    """Dad with an active session; Lena with one of her own."""
    dad = await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    car = await garage.add_vehicle(dad.id, "Tekno", "NB48")
    session = await sessions.start_session(dad.id, car.id, "Club day", "Practice", date.today())
    her_car = await garage.add_vehicle(lena.id, "Xray", "XB8")
    hers = await sessions.start_session(lena.id, her_car.id, "Hers", "Practice", date.today())
    return dad, session, lena, hers


VALUES = {"diff_front": 5000, "rear_toe": 2.0, "rear_sway_bar": 2.8, "venturi": 7.5}


async def accept(session, parameter="diff_front"):
    """Propose and accept a change, then judge it, as the Setup tab does."""
    proposed = await setups.propose_change(
        session.profile_id, session.id, parameter, VALUES[parameter]
    )
    change = await setups.accept_change(session.profile_id, proposed.id)
    await results.refresh_outcomes(session.profile_id, session.id)
    return change


def laps_text(laps):
    return "\n".join(str(lap) for lap in laps)


async def test_a_pasted_heat_is_saved_with_its_numbers(racing):
    dad, session, _, _ = racing
    run = await results.add_run(dad.id, session.id, "  Heat 1 ", "1/8 Nitro Buggy",
                                laps_text="1 24.0\n2 23.0\n3 25.0\n4 22.0")  # fmt: skip
    saved = await RunResult.get(id=run.id)
    assert saved.heat_name == "Heat 1" and saved.racing_class == "1/8 Nitro Buggy"
    assert saved.lap_times == [24.0, 23.0, 25.0, 22.0]
    assert (saved.best_lap, saved.average_lap) == (22.0, 23.5)
    # population deviation sqrt(5 / 4) = 1.118: 100 - 1.118 / 23.5 * 100 = 95.24
    assert saved.consistency == 95.24
    [summary] = await results.list_runs(dad.id, session.id)
    assert summary.run.id == run.id and summary.stats.best_three == 70.0


async def test_bad_input_is_refused_with_positions_and_nothing_saved(racing):
    dad, session, _, _ = racing
    with pytest.raises(ValidationError) as error:
        await results.add_run(dad.id, session.id, "", "C" * 61, laps_text="23.4\n23.5 ab")
    assert error.value.errors == {
        "heat_name": "Heat name is required",
        "racing_class": "Class can be at most 60 characters",
        "laps": f"Line 2, item 2: “ab” is not a lap time: {EXAMPLE}",
    }
    assert await RunResult.all().count() == 0


async def test_laps_can_also_be_given_as_numbers(racing):
    dad, session, _, _ = racing
    run = await results.add_run(dad.id, session.id, "Heat 2", laps=[23.4, "24,5"])
    assert run.lap_times == [23.4, 24.5]
    with pytest.raises(ValidationError) as error:
        await results.add_run(dad.id, session.id, "Heat 3", laps=[23.4, 1.0])
    assert error.value.errors == {"laps": "Lap 2: The lap time must be between 5 and 600 s"}


async def test_a_run_is_edited_and_deleted(racing):
    dad, session, _, _ = racing
    run = await results.add_run(dad.id, session.id, "Heat 1", laps_text="23.4\n24.4")
    edited = await results.update_run(dad.id, run.id, "Main A", None, laps_text="22.0 23.0 24.0")
    assert (edited.heat_name, edited.lap_times, edited.best_lap) == ("Main A", [22, 23, 24], 22.0)
    assert edited.created_at == run.created_at  # keeps its place in the session
    with pytest.raises(ValidationError):
        await results.update_run(dad.id, run.id, "Main A", None, laps_text="fast")
    assert (await RunResult.get(id=run.id)).lap_times == [22, 23, 24]
    assert await results.delete_run(dad.id, run.id) == "Main A"
    assert await results.list_runs(dad.id, session.id) == []


async def test_another_racers_runs_and_sessions_are_refused(racing):
    dad, _, lena, hers = racing
    her_run = await results.add_run(lena.id, hers.id, "Heat 1", laps_text="23.4")
    with pytest.raises(NotFoundError):
        await results.add_run(dad.id, hers.id, "Sneaky", laps_text="20.0")
    with pytest.raises(NotFoundError):
        await results.update_run(dad.id, her_run.id, "Sneaky", laps_text="20.0")
    with pytest.raises(NotFoundError):
        await results.delete_run(dad.id, her_run.id)
    with pytest.raises(NotFoundError):
        await results.get_run(dad.id, her_run.id)
    with pytest.raises(NotFoundError):
        await results.list_runs(dad.id, hers.id)
    with pytest.raises(NotFoundError):
        await results.refresh_outcomes(dad.id, hers.id)
    for impossible in (0, -1, 2**40, "1", True, None):
        with pytest.raises(NotFoundError):
            await results.get_run(dad.id, impossible)
        with pytest.raises(NotFoundError):
            await results.add_run(dad.id, impossible, "Heat", laps_text="23.4")
    saved = await RunResult.get(id=her_run.id)
    assert (saved.heat_name, saved.lap_times) == ("Heat 1", [23.4])
    assert await RunResult.all().count() == 1


# --- did the change work? ---------------------------------------------------------------------


async def test_an_accepted_change_says_whether_it_made_the_car_faster(racing):
    dad, session, _, _ = racing
    await results.add_run(dad.id, session.id, "Practice 1", laps_text=laps_text(BEFORE))
    change = await accept(session)
    await change.refresh_from_db()
    assert change.verdict == Verdict.TOO_FEW_LAPS and change.best_lap_after is None
    assert change.best_lap_before == 24.0 and change.average_lap_before == 24.3

    await results.add_run(dad.id, session.id, "Practice 2", laps_text="23.6 24.0 23.8 24.2 23.9")
    await change.refresh_from_db()
    assert (change.best_lap_before, change.best_lap_after) == (24.0, 23.6)
    assert (change.average_lap_before, change.average_lap_after) == (24.3, 23.9)
    assert change.verdict == Verdict.FASTER
    assert results.outcome_of(change).text == (
        "Faster: average 24.300 → 23.900 s, best 24.000 → 23.600 s"
    )


async def test_each_change_is_judged_on_the_runs_until_the_next_change(racing):
    dad, session, _, _ = racing
    await results.add_run(dad.id, session.id, "P1", laps_text=laps_text(BEFORE))
    first = await accept(session, "diff_front")
    await results.add_run(dad.id, session.id, "P2", laps_text="23.6 24.0 23.8 24.2 23.9")
    second = await accept(session, "rear_toe")
    await results.add_run(dad.id, session.id, "P3", laps_text="24.7 25.1 24.9 25.3 25.0")
    await first.refresh_from_db()
    await second.refresh_from_db()
    # first: P1 against P2 only; second: P2 against P3
    assert (first.average_lap_before, first.average_lap_after, first.verdict) == (
        24.3, 23.9, Verdict.FASTER)  # fmt: skip
    assert (second.average_lap_before, second.average_lap_after, second.verdict) == (
        23.9, 25.0, Verdict.SLOWER)  # fmt: skip
    board = await results.scoreboard(dad.id, session.id)
    assert [mark.after_runs for mark in board.changes] == [1, 2]
    assert [mark.outcome.label for mark in board.changes] == ["Faster", "Slower"]


async def test_changes_accepted_together_share_their_laps(racing):
    dad, session, _, _ = racing
    await results.add_run(dad.id, session.id, "P1", laps_text=laps_text(BEFORE))
    first = await accept(session, "diff_front")
    second = await accept(session, "rear_sway_bar")
    await results.add_run(dad.id, session.id, "P2", laps_text="23.6 24.0 23.8 24.2 23.9")
    for change in (first, second):
        await change.refresh_from_db()
        assert (change.average_lap_before, change.average_lap_after) == (24.3, 23.9)
        assert change.verdict == Verdict.FASTER


async def test_deleting_a_run_judges_the_change_again(racing):
    dad, session, _, _ = racing
    await results.add_run(dad.id, session.id, "P1", laps_text=laps_text(BEFORE))
    change = await accept(session)
    after = await results.add_run(dad.id, session.id, "P2", laps_text="23.6 24.0 23.8 24.2 23.9")
    await results.update_run(dad.id, after.id, "P2", laps_text="23.8 24.2 24.0 24.4 24.1")
    await change.refresh_from_db()
    assert change.verdict == Verdict.NO_DIFFERENCE
    await results.delete_run(dad.id, after.id)
    await change.refresh_from_db()
    assert change.verdict == Verdict.TOO_FEW_LAPS
    assert (change.best_lap_after, change.average_lap_after) == (None, None)
    assert results.outcome_of(change).text == (
        "Too few laps to tell: average 24.300 → – s, best 24.000 → – s, "
        "5 laps needed before and after"
    )


async def test_pending_and_withdrawn_changes_have_no_outcome(racing):
    dad, session, _, _ = racing
    await results.add_run(dad.id, session.id, "P1", laps_text=laps_text(BEFORE))
    pending = await setups.propose_change(dad.id, session.id, "venturi", 7.5)
    change = await accept(session)
    await results.add_run(dad.id, session.id, "P2", laps_text="23.6 24.0 23.8 24.2 23.9")
    # no longer accepted (the setup-changes service has no such step yet: set by hand)
    await SetupChange.filter(id=change.id).update(status=ChangeStatus.DENIED)
    outcomes = await results.refresh_outcomes(dad.id, session.id)
    assert outcomes == {}
    for record in (pending, change):
        await record.refresh_from_db()
        assert (record.verdict, record.best_lap_before, record.average_lap_after) == (
            None, None, None)  # fmt: skip
        assert results.outcome_of(record) is None


async def test_an_undo_is_judged_as_a_change_of_its_own(racing):
    dad, session, _, _ = racing
    await results.add_run(dad.id, session.id, "P1", laps_text=laps_text(BEFORE))
    change = await accept(session)
    await results.add_run(dad.id, session.id, "P2", laps_text="24.7 25.1 24.9 25.3 25.0")
    undo = await setups.undo_last(dad.id, session.id)
    await results.refresh_outcomes(dad.id, session.id)
    await results.add_run(dad.id, session.id, "P3", laps_text="24.0 24.4 24.2 24.6 24.3")
    await change.refresh_from_db()
    await undo.refresh_from_db()
    assert change.verdict == Verdict.SLOWER
    assert (undo.average_lap_before, undo.average_lap_after) == (25.0, 24.3)
    assert undo.verdict == Verdict.FASTER


async def test_concurrent_runs_are_all_counted_in_the_verdict(racing, db, pool_watch):
    dad, session, _, _ = racing
    await results.add_run(dad.id, session.id, "P1", laps_text=laps_text(BEFORE))
    change = await accept(session)
    await use_warm_pool(db, pool_watch, size=4)
    # four runs at once, averages 23.86, 23.96, 24.06, 24.16 (five laps each): 24.01 over all
    await asyncio.gather(*(
        results.add_run(dad.id, session.id, f"P{n}",
                        laps_text=laps_text([23.6 + n / 10, 23.8 + n / 10, 23.9 + n / 10]
                                            + [24.0 + n / 10] * 2))
        for n in range(4)
    ))  # fmt: skip
    assert_ran_concurrently(db, pool_watch, at_least=2)
    await change.refresh_from_db()
    assert change.average_lap_after == 24.01
    assert change.best_lap_after == 23.6


def test_problems_read_as_the_racer_sees_them():
    assert str(LapProblem("Line 2, item 3", "x", "“x” is wrong")) == "Line 2, item 3: “x” is wrong"
