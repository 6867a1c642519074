"""Looking back: a racer's past sessions, one session read-only, two setups side by side, and
copying a past setup into the session being run.

Every function takes the racer's id first and refuses other racers' sessions as not found.
Listing costs the same few queries per page however many sessions the racer has.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise.functions import Count, Min

from models import (
    ChangeSource,
    ChangeStatus,
    Message,
    MessageRole,
    RacerProfile,
    RaceSession,
    RunResult,
    SessionStatus,
    SetupChange,
)
from models.setup_sheet import GROUPS, PARAMETERS, PARAMETERS_BY_KEY, SetupParameter, SetupSheet
from models.vocabularies import words
from services import garage, results, sessions, setups, validation
from services.errors import NotFoundError, RuleError
from services.results import ChangeOutcome

PER_PAGE = 20
MAX_PER_PAGE = 100
_RACER_GONE = "That racer no longer exists"
_NOT_FOUND = "That session does not belong to this racer"


# --- the list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastSession:
    """One line of the history: what the racer needs to find a day again."""

    id: int
    name: str
    session_date: date
    session_type: str
    track_name: str | None
    status: SessionStatus
    vehicle_id: int
    vehicle_name: str
    best_lap: float | None
    changes: int

    @property
    def in_progress(self) -> bool:
        return self.status == SessionStatus.ACTIVE


@dataclass(frozen=True)
class HistoryPage:
    sessions: list[PastSession]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class HistoryFilters:
    """What the racer can narrow the history by: their cars, their tracks, session types."""

    cars: dict[int, str]
    tracks: list[str]
    session_types: tuple[str, ...]


async def filters(profile_id: int) -> HistoryFilters:
    """The choices for the history's filters, from the racer's own sessions."""
    profile_id = await _racer(profile_id)
    cars = {v.id: v.display_name for v in await garage.list_vehicles(profile_id)}
    names = await (
        RaceSession.filter(profile_id=profile_id, track_name__isnull=False)
        .distinct()
        .values_list("track_name", flat=True)
    )
    # One entry per track however its name was typed: the filter ignores capitals too.
    tracks = sorted({n.casefold(): n for n in sorted(names) if n}.values(), key=str.casefold)
    return HistoryFilters(cars, tracks, words("session_type"))


async def list_sessions(
    profile_id: int,
    *,
    vehicle_id: int | None = None,
    track_name: str | None = None,
    session_type: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> HistoryPage:
    """The racer's sessions, newest first, one page at a time (drafts being prepared are not
    history). Filters: a car, a track name (ignoring capitals), a session type.

    Each line has its best lap (the fastest of its runs) and the number of changes made
    (accepted ones: proposals turned down never touched the car). Five queries per page.
    """
    profile_id = await _racer(profile_id)
    query = RaceSession.filter(profile_id=profile_id).exclude(status=SessionStatus.DRAFT)
    if vehicle_id is not None:
        query = query.filter(vehicle_id=(await garage.get_vehicle(profile_id, vehicle_id)).id)
    fields = validation.Fields()
    track = fields.text("track_name", track_name, "Track", max_length=100)
    kind = fields.choice("session_type", session_type, "Session type", words("session_type"),
                         required=False)  # fmt: skip
    size = fields.integer("per_page", per_page, "Sessions per page", minimum=1,
                          maximum=MAX_PER_PAGE)  # fmt: skip
    wanted = fields.integer("page", page, "Page", minimum=1, maximum=validation.MAX_ID)
    fields.raise_if_any()
    assert size is not None and wanted is not None
    if track:
        query = query.filter(track_name__iexact=track)
    if kind:
        query = query.filter(session_type=kind)
    total = await query.count()
    pages = max(1, math.ceil(total / size))
    current = min(wanted, pages)
    rows = await (
        query.order_by("-session_date", "-id")
        .offset((current - 1) * size)
        .limit(size)
        .values("id", "name", "session_date", "session_type", "track_name", "status",
                "vehicle_id", "vehicle__brand", "vehicle__model", "vehicle__nickname")
    )  # fmt: skip
    ids = [row["id"] for row in rows]
    best: dict[int, float] = {}
    made: dict[int, int] = {}
    if ids:
        best = dict(
            await RunResult.filter(session_id__in=ids)
            .annotate(best=Min("best_lap"))
            .group_by("session_id")
            .values_list("session_id", "best")
        )
        made = dict(
            await SetupChange.filter(session_id__in=ids, status=ChangeStatus.ACCEPTED)
            .annotate(n=Count("id"))
            .group_by("session_id")
            .values_list("session_id", "n")
        )
    lines = [_past_session(row, best.get(row["id"]), made.get(row["id"], 0)) for row in rows]
    return HistoryPage(lines, current, pages, total)


def _past_session(row: dict[str, Any], best_lap: float | None, changes: int) -> PastSession:
    return PastSession(
        id=row["id"], name=row["name"], session_date=_as_date(row["session_date"]),
        session_type=row["session_type"], track_name=row["track_name"],
        status=SessionStatus(row["status"]), vehicle_id=row["vehicle_id"],
        vehicle_name=row["vehicle__nickname"] or f"{row['vehicle__brand']} {row['vehicle__model']}",
        best_lap=best_lap, changes=changes,
    )  # fmt: skip


async def _racer(profile_id: int) -> int:
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    if not await RacerProfile.exists(id=profile_id):
        raise NotFoundError(_RACER_GONE)
    return profile_id


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# --- one session, read-only -------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRecord:
    """One change of a past session, with what came of it."""

    id: int
    parameter: SetupParameter
    old_value: Any
    new_value: Any
    source: ChangeSource
    status: ChangeStatus
    reasoning: str
    rule_id: str | None
    verdict: str | None
    best_lap_before: float | None
    best_lap_after: float | None
    created_at: datetime
    decided_at: datetime | None
    reverts_id: int | None
    undone: bool
    # The laps' verdict, as the Setup tab and the Scoreboard show it; None until judged.
    outcome: ChangeOutcome | None

    @property
    def old_text(self) -> str:
        return self.parameter.format(self.old_value)

    @property
    def new_text(self) -> str:
        return self.parameter.format(self.new_value)


@dataclass(frozen=True)
class RunRecord:
    heat_name: str
    racing_class: str | None
    lap_times: list[float]
    best_lap: float | None
    average_lap: float | None
    consistency: float | None


@dataclass(frozen=True)
class MessageRecord:
    role: MessageRole
    content: str
    created_at: datetime


@dataclass(frozen=True)
class SessionRecord:
    """Everything about one past session, to read, never to edit."""

    id: int
    name: str
    session_date: date
    session_type: str
    status: SessionStatus
    vehicle_id: int
    vehicle_name: str
    track_name: str | None
    track_context: dict[str, str]
    racing_classes: list[str]
    practice_rounds: int
    qualifying_rounds: int
    summary: str | None
    rating: int | None
    ended_at: datetime | None
    setup: SetupSheet
    changes: list[ChangeRecord]
    messages: list[MessageRecord]
    runs: list[RunRecord]

    @property
    def best_lap(self) -> float | None:
        laps = [run.best_lap for run in self.runs if run.best_lap is not None]
        return min(laps) if laps else None


async def get_record(profile_id: int, session_id: int) -> SessionRecord:
    """One of the racer's sessions with its setup, track context, changes (oldest first, with
    their outcomes), the advisor conversation and the lap results."""
    session = await _session(profile_id, session_id)
    changes = await SetupChange.filter(session_id=session.id).order_by("created_at", "id")
    undone = {c.reverts_id for c in changes if c.reverts_id is not None}
    messages = await Message.filter(session_id=session.id).order_by("created_at", "id")
    runs = await RunResult.filter(session_id=session.id).order_by("created_at", "id")
    return SessionRecord(
        id=session.id, name=session.name, session_date=session.session_date,
        session_type=session.session_type, status=SessionStatus(session.status),
        vehicle_id=session.vehicle_id, vehicle_name=session.vehicle.display_name,
        track_name=session.track_name, track_context=dict(session.track_context or {}),
        racing_classes=list(session.racing_classes or []),
        practice_rounds=session.practice_rounds, qualifying_rounds=session.qualifying_rounds,
        summary=session.summary, rating=session.rating, ended_at=session.ended_at,
        setup=SetupSheet.of(session.actual_setup),
        changes=[
            ChangeRecord(
                id=c.id, parameter=PARAMETERS_BY_KEY[c.parameter], old_value=c.old_value,
                new_value=c.new_value, source=ChangeSource(c.source),
                status=ChangeStatus(c.status), reasoning=c.reasoning, rule_id=c.rule_id,
                verdict=c.verdict, best_lap_before=c.best_lap_before,
                best_lap_after=c.best_lap_after, created_at=c.created_at,
                decided_at=c.decided_at, reverts_id=c.reverts_id, undone=c.id in undone,
                outcome=results.outcome_of(c),
            )
            for c in changes
            if c.parameter in PARAMETERS_BY_KEY
        ],
        messages=[MessageRecord(MessageRole(m.role), m.content, m.created_at) for m in messages],
        runs=[
            RunRecord(r.heat_name, r.racing_class, list(r.lap_times or []), r.best_lap,
                      r.average_lap, r.consistency)
            for r in runs
        ],
    )  # fmt: skip


async def _session(profile_id: int, session_id: int) -> RaceSession:
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    session_id = validation.record_id(session_id, _NOT_FOUND)
    return await sessions.get_session(profile_id, session_id)


# --- two setups side by side ------------------------------------------------------------------


def _same(left: Any, right: Any) -> bool:
    # 2 and 2.0 are the same setting.
    if isinstance(left, int | float) and isinstance(right, int | float):
        return float(left) == float(right)
    return left == right


@dataclass(frozen=True)
class Line:
    parameter: SetupParameter
    left: Any
    right: Any

    @property
    def differs(self) -> bool:
        return not _same(self.left, self.right)

    @property
    def left_text(self) -> str:
        return self.parameter.format(self.left)

    @property
    def right_text(self) -> str:
        return self.parameter.format(self.right)


@dataclass(frozen=True)
class GroupComparison:
    group: str
    lines: list[Line]

    @property
    def differences(self) -> list[Line]:
        return [line for line in self.lines if line.differs]


@dataclass(frozen=True)
class Comparison:
    """Two setups, parameter by parameter, grouped as on the sheet (Diffs, Front, Rear, Tires,
    Power)."""

    left_title: str
    right_title: str
    groups: list[GroupComparison]

    @property
    def differences(self) -> int:
        return sum(len(group.differences) for group in self.groups)


def compare(left: SetupSheet, right: SetupSheet, left_title: str, right_title: str) -> Comparison:
    """Two setups side by side."""
    return Comparison(
        left_title,
        right_title,
        [
            GroupComparison(group, [Line(p, left[p.key], right[p.key]) for p in PARAMETERS
                                    if p.group == group])
            for group in GROUPS
        ],
    )  # fmt: skip


def _title(session: RaceSession) -> str:
    return f"{session.name} · {session.session_date:%d %b %Y}"


async def compare_sessions(profile_id: int, left_id: int, right_id: int) -> Comparison:
    """The setups of two of the racer's sessions side by side."""
    left = await _session(profile_id, left_id)
    right = await _session(profile_id, right_id)
    return compare(SetupSheet.of(left.actual_setup), SetupSheet.of(right.actual_setup),
                   _title(left), _title(right))  # fmt: skip


async def compare_with_reference(profile_id: int, session_id: int) -> Comparison:
    """A session's setup beside its car's reference setup as it is now."""
    session = await _session(profile_id, session_id)
    car = session.vehicle
    return compare(SetupSheet.of(session.actual_setup), SetupSheet.of(car.reference_setup),
                   _title(session), f"{car.display_name} · reference")  # fmt: skip


# --- copying a past setup into today's ---------------------------------------------------------


async def copy_into_twin(
    profile_id: int,
    from_session_id: int,
    groups: Sequence[str] | None = None,
    *,
    expected_version: int,
) -> list[SetupChange]:
    """Copy a past session's setup into the racer's active session, all of it (``groups``
    None) or the given groups, each changed parameter recorded as a change ("library").

    ``expected_version`` is the active session's version the racer saw: if the twin changed
    on another screen meanwhile, StaleWriteError says so and nothing is copied.
    """
    past = await _session(profile_id, from_session_id)
    groups = validation.setup_groups(groups)
    active = await sessions.active_session(profile_id)
    if active is None:
        raise RuleError("Start a session first: a past setup is copied into today's session")
    if active.id == past.id:
        raise RuleError("This is the session you are running: pick a past one to copy from")
    return await setups.copy_groups_into_twin(
        profile_id, active.id, dict(past.actual_setup),
        groups, expected_version=expected_version,
        reason=f"Copied from {_title(past)}",
    )  # fmt: skip
