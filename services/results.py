"""Lap times of runs and heats, their statistics, and "did the change work?".

Reading laps (what racers paste, see ``parse_laps``)
    One lap per line, or several on a line separated by commas, semicolons, spaces or tabs.
    A lap time is seconds with decimals (``23.456``) or minutes and seconds (``1:02.345``,
    ``1:02``). A line may start with a lap number, and a position after it, as copied from a
    timing system's lap list (``3  23.456``, ``Lap 3: 23.456``, ``3 1 23.456``); a line for
    lap 0 (the start) is ignored, and so are blank lines and zero times. Anything else is a
    problem reported by its place (line and item): nothing is saved until it is fixed or
    removed. A lap must be between 5 seconds and 10 minutes.

CSV files (see ``parse_csv``)
    Comma, semicolon or tab separated. With a header row, the lap time column is the one named
    ``Lap time``, ``Laptime``, ``Time`` or ``Seconds`` (capitals, spaces, underscores and a
    unit in brackets do not matter) and a ``Lap`` column, if any, gives lap numbers; other
    columns are ignored. Without such a header every row is read like a pasted line. Inside a
    cell of a semicolon or tab separated file a decimal comma (``23,456``) is accepted.

Statistics (see ``lap_stats``), as timing systems show them
    Consistency is 100 - standard deviation / mean lap, as a percent, with the population
    standard deviation: the laps of a run are the whole set being described, not a sample of
    some larger set, and it is what a spreadsheet's STDEV.P gives for the same laps.
    Best three consecutive laps is the lowest total of three laps in a row. Fade is the average
    of the last five laps minus the average of the fastest three (positive: slower at the end).

Did the change work? (see ``refresh_outcomes``)
    Accepted changes split a session's runs into stretches. For each change, the laps of the
    runs between the previous change and it ("before") are compared with the laps of the runs
    between it and the next change ("after"). Changes accepted with no run between them are
    judged together: they share their laps. The verdict is "too few laps" when either side has
    fewer than ``MIN_LAPS_TO_JUDGE`` laps; otherwise Welch's t-test on the lap times, two-sided
    at the 5 % level, decides: a significant drop of the average lap is "faster", a rise
    "slower", and anything else "no difference" (the change is lost in the noise).
"""

from __future__ import annotations

import csv
import io
import math
import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from tortoise.transactions import in_transaction

from models import ChangeStatus, RaceSession, RunResult, SetupChange
from services import validation
from services.errors import NotFoundError

LAP_MIN_SECONDS = 5
LAP_MAX_SECONDS = 600
MAX_LAPS_PER_RUN = 500
MAX_PASTE_CHARACTERS = 20_000
MAX_CSV_BYTES = 200_000
HEAT_NAME_MAX_LENGTH = 60
CLASS_MAX_LENGTH = 60
# Laps needed on each side of a change before its verdict is more than "too few laps".
MIN_LAPS_TO_JUDGE = 5
# Problems listed in a message; a paste of the wrong thing would otherwise list hundreds.
MAX_PROBLEMS_SHOWN = 8

_RACER_GONE = "That racer no longer exists"
_SESSION_NOT_FOUND = "That session does not belong to this racer"
_RUN_NOT_FOUND = "That run is not in this racer's sessions"
_EXAMPLE = "a lap time looks like 23.456 or 1:02.345"

_TOKEN = re.compile(r"[^\s,;]+")
_SECONDS = re.compile(r"\d{1,3}\.\d+")
_MINUTES = re.compile(r"(\d{1,2}):(\d{1,2}(?:\.\d+)?)")
_WHOLE = re.compile(r"\d{1,6}")
_LAP_NUMBER = re.compile(r"(?:#|L)?(\d{1,4})[.:)]?", re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"\d{1,3},\d+")

TIME_HEADERS = ("laptime", "time", "seconds", "laptimes", "times")
LAP_HEADERS = ("lap", "lapno", "lapnumber", "lapnr", "laps")


class Verdict(StrEnum):
    """What the laps say about an accepted change (stored in ``SetupChange.verdict``)."""

    FASTER = "faster"
    SLOWER = "slower"
    NO_DIFFERENCE = "no difference"
    TOO_FEW_LAPS = "too few laps"


VERDICT_LABELS = {
    Verdict.FASTER: "Faster",
    Verdict.SLOWER: "Slower",
    Verdict.NO_DIFFERENCE: "No clear difference",
    Verdict.TOO_FEW_LAPS: "Too few laps to tell",
}


# ---------------------------------------------------------------------------------------------
# Reading laps


@dataclass(frozen=True)
class LapProblem:
    """Something in the racer's input that is not a lap time, and where it is."""

    place: str  # "Line 3, item 2" or "Row 4, column 2", counted from 1 as the racer sees it
    text: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


@dataclass(frozen=True)
class ParsedLaps:
    """The laps read from the racer's input, in order, and everything that was not a lap."""

    laps: tuple[float, ...]
    problems: tuple[LapProblem, ...]

    @property
    def ok(self) -> bool:
        return bool(self.laps) and not self.problems


@dataclass(frozen=True)
class _Token:
    text: str
    position: int  # item of the line or column of the row, from 1
    comma_after: bool = False  # joined to the next token by a bare comma: "23,456"


def _quoted(text: str) -> str:
    shown = text if len(text) <= 20 else text[:19] + "…"
    return f"“{shown}”"


def _time_value(token: str) -> float | None:
    """Seconds of a lap-time token; None if the token is not written like a time."""
    if _SECONDS.fullmatch(token):
        return float(token)
    if match := _MINUTES.fullmatch(token):
        seconds = float(match.group(2))
        if seconds >= 60:
            raise validation.InvalidValue(f"{_quoted(token)}: the seconds must be under 60")
        return int(match.group(1)) * 60 + seconds
    return None


def _lap(value: Any, label: str) -> float:
    """A lap inside the bounds, rounded to the millisecond timing systems give."""
    seconds = validation.number(
        value, label, minimum=LAP_MIN_SECONDS, maximum=LAP_MAX_SECONDS, unit="s"
    )
    return round(float(seconds), 3)


def _kind(token: str) -> str:
    try:
        if _time_value(token) is not None:
            return "time"
    except validation.InvalidValue:
        return "time"  # written like a time, with a mistake: reported as such
    if _WHOLE.fullmatch(token):
        return "whole"
    if token.casefold() == "lap":
        return "word"
    if _LAP_NUMBER.fullmatch(token):
        return "number"
    return "other"


_PREFIX_KINDS = ("whole", "number", "word")


def _read_line(tokens: Sequence[_Token], place: Any) -> tuple[list[float], list[LapProblem]]:
    """Laps and problems of one line (or CSV row); ``place(n)`` names item or column n."""
    kinds = [_kind(token.text) for token in tokens]
    times = [i for i, kind in enumerate(kinds) if kind == "time"]
    # Where the laps start: after a lap number (and position) in front of the line's one time,
    # as in "3  23.456", "Lap 3: 23.456" or "3  1  23.456".
    start = 0
    prefix = kinds[: times[0]] if len(times) == 1 else kinds if not times else []
    numbers = sum(kind != "word" for kind in prefix)
    if prefix and all(kind in _PREFIX_KINDS for kind in prefix) and 1 <= numbers <= 2:
        if _first_number(tokens, kinds) == 0:
            return [], []  # lap 0 is the start: no lap time, whatever follows
        if times:
            start = times[0]

    laps: list[float] = []
    problems: list[LapProblem] = []
    index = start
    while index < len(tokens):
        token, kind = tokens[index], kinds[index]
        where = place(token.position)
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        try:
            if (
                kind in ("time", "whole")
                and "." not in token.text
                and token.comma_after
                and following
                and _WHOLE.fullmatch(following.text)
            ):
                # "23,456" or "0:23,644": a decimal comma, split into two items by the comma
                pair = f"{token.text},{following.text}"
                problems.append(LapProblem(where, pair, (
                    f"{_quoted(pair)}: write decimals with a point "
                    f"({token.text}.{following.text}); commas separate laps"
                )))  # fmt: skip
                index += 1
            elif kind == "time":
                value = _time_value(token.text)
                if value:  # a zero time is the start line, not a lap
                    laps.append(_lap(value, f"Lap {_quoted(token.text)}"))
            elif kind == "whole" and int(token.text) == 0:
                pass  # "0": lap 0, no time
            elif kind == "whole":
                problems.append(LapProblem(
                    where, token.text, f"{_quoted(token.text)} has no decimals: {_EXAMPLE}"
                ))  # fmt: skip
            else:
                problems.append(LapProblem(
                    where, token.text, f"{_quoted(token.text)} is not a lap time: {_EXAMPLE}"
                ))  # fmt: skip
        except validation.InvalidValue as exc:
            problems.append(LapProblem(where, token.text, str(exc)))
        index += 1
    return laps, problems


def _first_number(tokens: Sequence[_Token], kinds: Sequence[str]) -> int | None:
    for token, kind in zip(tokens, kinds, strict=True):
        if kind in ("whole", "number"):
            match = _LAP_NUMBER.fullmatch(token.text)
            return int(match.group(1)) if match else None
    return None


def _clean_input(raw: Any, label: str, max_length: int) -> tuple[int, str]:
    """Racer's text through the one validation path; also how many leading lines it lost, so
    that line numbers in messages count from the first line of what was pasted."""
    cleaned = validation.text(raw, label, max_length=max_length, multiline=True) or ""
    normal = unicodedata.normalize("NFC", raw or "").replace("\r\n", "\n").replace("\r", "\n")
    skipped = normal[: len(normal) - len(normal.lstrip())].count("\n")
    return skipped, cleaned


def _finish(laps: list[float], problems: list[LapProblem], empty_message: str) -> ParsedLaps:
    if len(laps) > MAX_LAPS_PER_RUN:
        problems.append(LapProblem(
            "Lap times", "", f"{len(laps)} laps: at most {MAX_LAPS_PER_RUN} in one run, "
            "split them into several runs",
        ))  # fmt: skip
    if not laps and not problems:
        problems.append(LapProblem("Lap times", "", empty_message))
    return ParsedLaps(tuple(laps), tuple(problems))


def parse_laps(text: Any) -> ParsedLaps:
    """Read laps from pasted or typed text (the rules are in this module's docstring)."""
    try:
        skipped, cleaned = _clean_input(text, "Lap times", MAX_PASTE_CHARACTERS)
    except validation.InvalidValue as exc:
        return ParsedLaps((), (LapProblem("Lap times", "", str(exc)),))
    laps: list[float] = []
    problems: list[LapProblem] = []
    for number, line in enumerate(cleaned.split("\n"), start=skipped + 1):
        matches = list(_TOKEN.finditer(line))
        tokens = [
            _Token(
                m.group(),
                i + 1,
                i + 1 < len(matches) and line[m.end() : matches[i + 1].start()] == ",",
            )
            for i, m in enumerate(matches)
        ]
        line_laps, line_problems = _read_line(
            tokens, lambda item, number=number: f"Line {number}, item {item}"
        )
        laps.extend(line_laps)
        problems.extend(line_problems)
    return _finish(laps, problems, "Paste or type the lap times, one per line")


def _header_key(cell: str) -> str:
    return re.sub(r"[^a-z]", "", re.sub(r"\(.*?\)|\[.*?\]", "", cell.casefold()))


def parse_csv(data: bytes | str) -> ParsedLaps:
    """Read laps from a CSV file (accepted columns in this module's docstring)."""
    if isinstance(data, bytes):
        if len(data) > MAX_CSV_BYTES:
            return ParsedLaps((), (LapProblem("File", "", (
                f"The file is larger than {MAX_CSV_BYTES // 1000} kB: is it a lap list?"
            )),))  # fmt: skip
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            data = data.decode("cp1252", errors="replace")
    try:
        skipped, cleaned = _clean_input(data, "The file", MAX_CSV_BYTES)
    except validation.InvalidValue as exc:
        return ParsedLaps((), (LapProblem("File", "", str(exc)),))
    try:
        dialect: Any = csv.Sniffer().sniff(cleaned[:4000], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(cleaned), dialect))
    except csv.Error:  # e.g. one huge field: not a lap list
        return ParsedLaps((), (LapProblem("File", "", "This file cannot be read as a CSV file"),))
    comma_separated = dialect.delimiter == ","

    laps: list[float] = []
    problems: list[LapProblem] = []
    time_column: int | None = None
    lap_column: int | None = None
    for row_index, row in enumerate(rows):
        cells = [cell.strip() for cell in row]
        row_number = row_index + 1 + skipped
        if not any(cells):
            continue
        if time_column is None and not laps and not problems:
            keys = [_header_key(cell) for cell in cells]
            found = next((keys.index(k) for k in TIME_HEADERS if k in keys), None)
            if found is not None:
                time_column = found
                lap_column = next((keys.index(k) for k in LAP_HEADERS if k in keys), None)
                continue

        def place(column: int, row_number: int = row_number) -> str:
            return f"Row {row_number}, column {column}"

        if time_column is None:
            tokens = [
                _Token(
                    cell, column, comma_separated and column < len(cells) and bool(cells[column])
                )
                for column, cell in enumerate(cells, start=1)
                if cell
            ]
            row_laps, row_problems = _read_line(tokens, place)
        else:
            row_laps, row_problems = _read_row(cells, time_column, lap_column, place)
        laps.extend(row_laps)
        problems.extend(row_problems)
    return _finish(laps, problems, "The file has no lap times")


def _read_row(
    cells: list[str], time_column: int, lap_column: int | None, place: Any
) -> tuple[list[float], list[LapProblem]]:
    if lap_column is not None and lap_column < len(cells):
        match = _LAP_NUMBER.fullmatch(cells[lap_column])
        if match and int(match.group(1)) == 0:
            return [], []  # lap 0: the start
    cell = cells[time_column] if time_column < len(cells) else ""
    if not cell:
        return [], []
    text = cell.replace(",", ".") if _DECIMAL_COMMA.fullmatch(cell) else cell
    return _read_line([_Token(text, time_column + 1)], place)


def laps_from_numbers(values: Any) -> ParsedLaps:
    """Laps given as numbers (seconds), each checked against the bounds."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        return ParsedLaps((), (LapProblem("Lap times", "", "Lap times must be a list"),))
    laps: list[float] = []
    problems: list[LapProblem] = []
    values = list(values)
    if len(values) > MAX_LAPS_PER_RUN * 4:  # don't check an absurd list lap by lap
        values = values[: MAX_LAPS_PER_RUN + 1]
    for index, value in enumerate(values, start=1):
        try:
            laps.append(_lap(value, "The lap time"))
        except validation.InvalidValue as exc:
            problems.append(LapProblem(f"Lap {index}", str(value)[:20], str(exc)))
    return _finish(laps, problems, "Paste or type the lap times, one per line")


def problems_message(problems: Sequence[LapProblem]) -> str:
    """The problems as lines for the racer, the first few of them and how many more."""
    shown = [str(p) for p in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        shown.append(f"…and {len(problems) - MAX_PROBLEMS_SHOWN} more")
    return "\n".join(shown)


def format_lap(seconds: float | None) -> str:
    """A lap as timing systems print it: 23.456, or 1:02.345 from a minute on."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.3f}"
    minutes, rest = divmod(round(seconds, 3), 60)
    return f"{int(minutes)}:{rest:06.3f}"


def laps_as_text(laps: Sequence[float]) -> str:
    """Laps one per line, as the racer can edit them and paste them back."""
    return "\n".join(format_lap(lap) for lap in laps)


# ---------------------------------------------------------------------------------------------
# Statistics


@dataclass(frozen=True)
class LapStats:
    """The numbers of one run, as timing systems show them; None where too few laps."""

    laps: int
    best: float
    best_lap_number: int
    average: float
    median: float
    consistency: float | None  # percent
    best_three: float | None  # total of the best three consecutive laps
    best_three_from: int | None  # lap number where they start
    fade: float | None  # seconds: average of the last five minus average of the fastest three
    fade_percent: float | None


def lap_stats(laps: Sequence[float]) -> LapStats:
    """Statistics of one run's laps (definitions in this module's docstring).

    Consistency needs two laps, best three consecutive three laps, fade five laps. Consistency
    stays at 0 or above: a run with a very slow lap can have a spread larger than its mean.
    """
    if not laps:
        raise ValueError("A run has at least one lap")
    values = [float(lap) for lap in laps]
    count = len(values)
    best = min(values)
    average = statistics.fmean(values)
    consistency = None
    if count >= 2:
        consistency = max(0.0, 100 - statistics.pstdev(values) / average * 100)
    best_three = best_three_from = None
    if count >= 3:
        totals = [sum(values[i : i + 3]) for i in range(count - 2)]
        best_three = min(totals)
        best_three_from = totals.index(best_three) + 1
    fade = fade_percent = None
    if count >= 5:
        fastest = statistics.fmean(sorted(values)[:3])
        fade = statistics.fmean(values[-5:]) - fastest
        fade_percent = fade / fastest * 100
    return LapStats(
        laps=count,
        best=best,
        best_lap_number=values.index(best) + 1,
        average=average,
        median=statistics.median(values),
        consistency=consistency,
        best_three=best_three,
        best_three_from=best_three_from,
        fade=fade,
        fade_percent=fade_percent,
    )


# ---------------------------------------------------------------------------------------------
# Runs


@dataclass(frozen=True)
class RunSummary:
    """A run with its statistics (None for a run without laps), for lists and cards."""

    run: RunResult
    stats: LapStats | None


def _clean_run(
    heat_name: Any, racing_class: Any, laps_text: Any, laps: Any
) -> tuple[dict[str, Any], tuple[float, ...]]:
    fields = validation.Fields()
    clean = {
        "heat_name": fields.text("heat_name", heat_name, "Heat name",
                                 max_length=HEAT_NAME_MAX_LENGTH, required=True),
        "racing_class": fields.text("racing_class", racing_class, "Class",
                                    max_length=CLASS_MAX_LENGTH),
    }  # fmt: skip
    parsed = laps_from_numbers(laps) if laps is not None else parse_laps(laps_text)
    if parsed.problems:
        fields.add("laps", problems_message(parsed.problems))
    fields.raise_if_any()
    return clean, parsed.laps


def _numbers(laps: Sequence[float]) -> dict[str, float | None]:
    stats = lap_stats(laps)
    consistency = None if stats.consistency is None else round(stats.consistency, 2)
    return {
        "best_lap": stats.best,
        "average_lap": round(stats.average, 3),
        "consistency": consistency,
    }


async def _locked_session(profile_id: Any, session_id: Any) -> RaceSession:
    """The racer's session, locked for the rest of the transaction (PostgreSQL) so that two
    writes of the same session's runs judge its changes one after the other."""
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    session_id = validation.record_id(session_id, _SESSION_NOT_FOUND)
    session = (
        await RaceSession.filter(id=session_id, profile_id=profile_id).select_for_update().first()
    )
    if session is None:
        raise NotFoundError(_SESSION_NOT_FOUND)
    return session


async def _scoped_run(profile_id: Any, run_id: Any) -> RunResult:
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    run_id = validation.record_id(run_id, _RUN_NOT_FOUND)
    run = await RunResult.get_or_none(id=run_id, session__profile_id=profile_id)
    if run is None:
        raise NotFoundError(_RUN_NOT_FOUND)
    return run


async def add_run(
    profile_id: int,
    session_id: int,
    heat_name: Any,
    racing_class: Any = None,
    laps_text: Any = None,
    laps: Any = None,
) -> RunResult:
    """Record a run or heat of the racer's session from pasted text (``laps_text``) or from
    numbers (``laps``, seconds), then judge the session's changes again.

    ValidationError maps ``heat_name``, ``racing_class`` and ``laps`` to their messages; the
    ``laps`` message lists each problem by line and item. Nothing is saved while any is wrong.
    """
    clean, lap_times = _clean_run(heat_name, racing_class, laps_text, laps)
    async with in_transaction():
        session = await _locked_session(profile_id, session_id)
        run = await RunResult.create(
            session_id=session.id, lap_times=list(lap_times), **clean, **_numbers(lap_times)
        )
        await refresh_outcomes(profile_id, session.id)
    return run


async def update_run(
    profile_id: int,
    run_id: int,
    heat_name: Any,
    racing_class: Any = None,
    laps_text: Any = None,
    laps: Any = None,
) -> RunResult:
    """Replace a run's name, class and laps (same rules as ``add_run``); the run keeps its
    place in the session's order. The session's changes are judged again."""
    run = await _scoped_run(profile_id, run_id)
    clean, lap_times = _clean_run(heat_name, racing_class, laps_text, laps)
    async with in_transaction():
        await _locked_session(profile_id, run.session_id)  # type: ignore[attr-defined]
        updated = await RunResult.filter(id=run.id).update(
            lap_times=list(lap_times), **clean, **_numbers(lap_times)
        )
        if not updated:
            raise NotFoundError(_RUN_NOT_FOUND)
        await refresh_outcomes(profile_id, run.session_id)  # type: ignore[attr-defined]
    return await RunResult.get(id=run.id)


async def delete_run(profile_id: int, run_id: int) -> str:
    """Delete one of the racer's runs and judge the session's changes again; returns the heat
    name for the notice after."""
    run = await _scoped_run(profile_id, run_id)
    async with in_transaction():
        await _locked_session(profile_id, run.session_id)  # type: ignore[attr-defined]
        await RunResult.filter(id=run.id).delete()
        await refresh_outcomes(profile_id, run.session_id)  # type: ignore[attr-defined]
    return run.heat_name


async def get_run(profile_id: int, run_id: int) -> RunResult:
    """One of the racer's runs; NotFoundError for an unknown id or another racer's run."""
    return await _scoped_run(profile_id, run_id)


async def list_runs(profile_id: int, session_id: int) -> list[RunSummary]:
    """The session's runs in the order they were recorded, each with its statistics."""
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    session_id = validation.record_id(session_id, _SESSION_NOT_FOUND)
    if not await RaceSession.exists(id=session_id, profile_id=profile_id):
        raise NotFoundError(_SESSION_NOT_FOUND)
    runs = await RunResult.filter(session_id=session_id).order_by("created_at", "id")
    return [RunSummary(run, lap_stats(run.lap_times) if run.lap_times else None) for run in runs]


# ---------------------------------------------------------------------------------------------
# Did the change work?

# Two-sided 5 % critical values of Student's t by degrees of freedom. A fractional Welch
# degrees of freedom uses the row at or below it, which asks for a little more evidence.
_T_CRITICAL_95 = (
    (1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (6, 2.447), (7, 2.365),
    (8, 2.306), (9, 2.262), (10, 2.228), (11, 2.201), (12, 2.179), (13, 2.160), (14, 2.145),
    (15, 2.131), (16, 2.120), (17, 2.110), (18, 2.101), (19, 2.093), (20, 2.086),
    (25, 2.060), (30, 2.042), (40, 2.021), (60, 2.000), (120, 1.980),
)  # fmt: skip
_T_CRITICAL_LIMIT = 1.960


def t_critical(degrees_of_freedom: float) -> float:
    """Two-sided 5 % critical value of Student's t, from the table above."""
    value = _T_CRITICAL_95[0][1]
    for df, critical in _T_CRITICAL_95:
        if df <= degrees_of_freedom:
            value = critical
    return _T_CRITICAL_LIMIT if degrees_of_freedom > 1000 else value


@dataclass(frozen=True)
class Comparison:
    """Laps before and after a change, and what they say."""

    laps_before: int
    laps_after: int
    best_before: float | None
    best_after: float | None
    average_before: float | None
    average_after: float | None
    verdict: Verdict
    t: float | None = None  # Welch's t of after minus before (negative: faster)
    t_critical: float | None = None


def compare_laps(before: Sequence[float], after: Sequence[float]) -> Comparison:
    """Compare lap times before and after a change (the rule is in this module's docstring)."""

    def best(laps: Sequence[float]) -> float | None:
        return min(laps) if laps else None

    def mean(laps: Sequence[float]) -> float | None:
        return round(statistics.fmean(laps), 3) if laps else None

    known = {
        "laps_before": len(before), "laps_after": len(after),
        "best_before": best(before), "best_after": best(after),
        "average_before": mean(before), "average_after": mean(after),
    }  # fmt: skip
    if len(before) < MIN_LAPS_TO_JUDGE or len(after) < MIN_LAPS_TO_JUDGE:
        return Comparison(**known, verdict=Verdict.TOO_FEW_LAPS)
    mean_before, mean_after = statistics.fmean(before), statistics.fmean(after)
    share_before = statistics.variance(before) / len(before)
    share_after = statistics.variance(after) / len(after)
    error = math.sqrt(share_before + share_after)
    difference = mean_after - mean_before
    if error == 0:  # identical laps on each side: no noise to weigh the difference against
        verdict = Verdict.NO_DIFFERENCE if difference == 0 else _direction(difference)
        return Comparison(**known, verdict=verdict)
    t = difference / error
    df = (share_before + share_after) ** 2 / (
        share_before**2 / (len(before) - 1) + share_after**2 / (len(after) - 1)
    )
    critical = t_critical(round(df, 6))  # 8 computed as 7.999999 is still 8
    verdict = _direction(difference) if abs(t) > critical else Verdict.NO_DIFFERENCE
    return Comparison(**known, verdict=verdict, t=t, t_critical=critical)


def _direction(difference: float) -> Verdict:
    return Verdict.FASTER if difference < 0 else Verdict.SLOWER


def _stretches(
    runs: Sequence[tuple[datetime, list[float]]], decided: Sequence[datetime]
) -> list[tuple[list[int], list[float], list[float]]]:
    """For changes decided at ``decided`` (sorted): groups of changes with no run between them,
    each with the laps of the runs before it (since the previous group) and after it (until
    the next group)."""
    groups: list[list[int]] = []
    for index, moment in enumerate(decided):
        if groups and not any(decided[groups[-1][-1]] <= created < moment for created, _ in runs):
            groups[-1].append(index)
        else:
            groups.append([index])
    result = []
    for number, group in enumerate(groups):
        start = decided[groups[number - 1][-1]] if number else None
        first, last = decided[group[0]], decided[group[-1]]
        end = decided[groups[number + 1][0]] if number + 1 < len(groups) else None
        before = [
            lap
            for created, laps in runs
            if (start is None or created >= start) and created < first
            for lap in laps
        ]
        after = [
            lap
            for created, laps in runs
            if created >= last and (end is None or created < end)
            for lap in laps
        ]
        result.append((group, before, after))
    return result


async def refresh_outcomes(profile_id: int, session_id: int) -> dict[int, Comparison]:
    """Judge every accepted change of the racer's session again from its runs' laps and store
    best and average lap before and after, and the verdict, on each change.

    Runs count as before or after a change by when they were recorded (run ``created_at``
    against change ``decided_at``). Changes that are no longer accepted lose their outcome.
    Called after every write of a run, and by the setup-changes service after a change is
    accepted or undone. Returns the comparison of each accepted change by id.
    """
    async with in_transaction():
        session_id = (await _locked_session(profile_id, session_id)).id
        runs = [
            (created, list(laps))
            for created, laps in await RunResult.filter(session_id=session_id)
            .order_by("created_at", "id")
            .values_list("created_at", "lap_times")
        ]
        changes = await SetupChange.filter(session_id=session_id).order_by("decided_at", "id")
        accepted = [
            c for c in changes if c.status == ChangeStatus.ACCEPTED and c.decided_at is not None
        ]
        outcomes: dict[int, Comparison] = {}
        for group, before, after in _stretches(runs, [c.decided_at for c in accepted]):
            comparison = compare_laps(before, after)
            for index in group:
                outcomes[accepted[index].id] = comparison
        for change in changes:
            comparison = outcomes.get(change.id)
            stored = {
                "best_lap_before": comparison and comparison.best_before,
                "best_lap_after": comparison and comparison.best_after,
                "average_lap_before": comparison and comparison.average_before,
                "average_lap_after": comparison and comparison.average_after,
                "verdict": comparison and comparison.verdict.value,
            }
            if any(getattr(change, key) != value for key, value in stored.items()):
                await SetupChange.filter(id=change.id).update(**stored)
    return outcomes


@dataclass(frozen=True)
class ChangeOutcome:
    """What to show beside an accepted change: the verdict and the laps behind it."""

    verdict: Verdict
    label: str  # "Faster", "Slower", "No clear difference", "Too few laps to tell"
    summary: str  # "average 24.100 → 23.620 s, best 23.400 → 23.010 s"

    @property
    def text(self) -> str:
        return f"{self.label}: {self.summary}" if self.summary else self.label


def outcome_of(change: SetupChange) -> ChangeOutcome | None:
    """The stored outcome of a change, ready to show (Setup tab, History, Scoreboard); None
    for a change that is not accepted or not judged yet."""
    if change.status != ChangeStatus.ACCEPTED or not change.verdict:
        return None
    try:
        verdict = Verdict(change.verdict)
    except ValueError:
        return None
    parts = []
    for name, before, after in (
        ("average", change.average_lap_before, change.average_lap_after),
        ("best", change.best_lap_before, change.best_lap_after),
    ):
        if before is not None or after is not None:
            parts.append(f"{name} {format_lap(before)} → {format_lap(after)} s")
    if verdict == Verdict.TOO_FEW_LAPS:
        parts.append(f"{MIN_LAPS_TO_JUDGE} laps needed before and after")
    return ChangeOutcome(verdict, VERDICT_LABELS[verdict], ", ".join(parts))


# ---------------------------------------------------------------------------------------------
# The scoreboard of a session


@dataclass(frozen=True)
class ChangeMark:
    """An accepted change placed in the run order: ``after_runs`` runs were recorded before it
    and ``runs_since`` after it (none yet: its outcome is still to come)."""

    change: SetupChange
    after_runs: int
    runs_since: int
    outcome: ChangeOutcome | None


@dataclass(frozen=True)
class Scoreboard:
    """Everything the Scoreboard shows for a session: runs with statistics, and the accepted
    changes between them with their outcomes."""

    runs: list[RunSummary]
    changes: list[ChangeMark]


async def scoreboard(profile_id: int, session_id: int) -> Scoreboard:
    """The session's runs and accepted changes, in order, for the racer's Scoreboard."""
    runs = await list_runs(profile_id, session_id)
    changes = await SetupChange.filter(
        session_id=session_id, status=ChangeStatus.ACCEPTED, decided_at__isnull=False
    ).order_by("decided_at", "id")
    marks = []
    for change in changes:
        before = sum(1 for r in runs if r.run.created_at < change.decided_at)
        marks.append(ChangeMark(change, before, len(runs) - before, outcome_of(change)))
    return Scoreboard(runs, marks)
