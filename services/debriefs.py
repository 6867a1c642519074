"""The advisor conversation of a session: the racer's debriefs and the advisor's answers.

A debrief is a racer ``Message`` (its ``data`` holds the symptoms, the 1-5 feel rating and the
note); the answer is an advisor ``Message`` whose ``data`` lists its proposals, and each
proposal becomes a pending ``SetupChange`` (source "advisor", with the rule and the message it
came from) that the racer accepts or denies in the Setup tab. Messages are plain text: what a
racer types is stored and shown as typed. Every function takes the racer's id first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from models import (
    ChangeSource,
    ChangeStatus,
    Message,
    MessageRole,
    RaceSession,
    RunResult,
    SessionStatus,
    SetupChange,
)
from models.advisor_rules import RuleBook, rule_book
from services import advisor, sessions, setups, validation
from services.errors import RuleError, ValidationError

NOTE_MAX_LENGTH = 1000
_RACER_GONE = "That racer no longer exists"
_SESSION_GONE = "That session does not belong to this racer"


@dataclass(frozen=True)
class ProposalView:
    """One proposal of an answer, with what became of its pending change."""

    symptom_label: str
    parameter: str
    parameter_label: str
    change: str
    reasoning: str
    source: str
    why_ranked: str | None
    disagreement: str | None
    change_id: int | None
    status: ChangeStatus | None  # None: the change is gone (e.g. its session was reset)


@dataclass(frozen=True)
class ThreadMessage:
    id: int
    role: MessageRole
    content: str
    created_at: datetime
    symptoms: tuple[str, ...] = ()  # labels, as the racer tapped them
    rating: int | None = None
    note: str | None = None
    proposals: tuple[ProposalView, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DebriefSetting:
    """What the advisor will take into account, for the debrief form to show."""

    session_id: int
    session_name: str
    active: bool
    track_context: dict[str, str]
    rounds_left: int | None
    few_rounds_left: bool


async def _session(profile_id: int, session_id: int) -> RaceSession:
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    session_id = validation.record_id(session_id, _SESSION_GONE)
    return await sessions.get_session(profile_id, session_id)


async def _rounds_left(session: RaceSession) -> int | None:
    """Practice rounds planned minus runs recorded; None when no rounds were planned."""
    if not session.practice_rounds:
        return None
    runs = await RunResult.filter(session_id=session.id).count()
    return max(0, session.practice_rounds - runs)


async def debrief_setting(profile_id: int, session_id: int) -> DebriefSetting:
    """The track context and practice rounds left that an answer would use."""
    session = await _session(profile_id, session_id)
    rounds_left = await _rounds_left(session)
    return DebriefSetting(
        session_id=session.id,
        session_name=session.name,
        active=session.status == SessionStatus.ACTIVE,
        track_context=dict(session.track_context or {}),
        rounds_left=rounds_left,
        few_rounds_left=advisor.rounds_are_few(rounds_left),
    )


async def _history(profile_id: int) -> list[advisor.PastOutcome]:
    """This racer's accepted advisor changes that have a lap verdict, in every session."""
    rows = (
        await SetupChange.filter(
            session__profile_id=profile_id,
            source=ChangeSource.ADVISOR,
            status=ChangeStatus.ACCEPTED,
            rule_id__isnull=False,
            verdict__in=[advisor.FASTER, advisor.SLOWER],
        )
        .order_by("id")
        .values("rule_id", "verdict", "session__track_context")
    )
    return [
        advisor.PastOutcome(r["rule_id"], r["verdict"], r["session__track_context"] or {})
        for r in rows
    ]


def _clean_debrief(
    symptoms: Any, note: Any, rating: Any
) -> tuple[list[str], str | None, int | None]:
    book = rule_book()
    fields = validation.Fields()
    picked = fields.choice_list(
        "symptoms", symptoms, "Symptoms", [s.key for s in book.symptoms],
        max_items=len(book.symptoms),
    )  # fmt: skip
    clean_note = fields.text("note", note, "Note", max_length=NOTE_MAX_LENGTH, multiline=True)
    feel = fields.integer("rating", rating, "Feel", minimum=1, maximum=5, required=False)
    fields.raise_if_any()
    if not picked and clean_note is None and feel is None:
        raise ValidationError(
            {"symptoms": "Tap what the car does, rate how it felt, or add a note"}
        )
    return picked, clean_note, feel


def _debrief_text(labels: list[str], note: str | None, rating: int | None) -> str:
    parts = []
    if labels:
        parts.append(", ".join(labels))
    if rating is not None:
        parts.append(f"Feel {rating}/5")
    if note:
        parts.append(note)
    return "\n".join(parts)


async def ask_advisor(
    profile_id: int,
    session_id: int,
    symptoms: Any,
    note: Any = None,
    rating: Any = None,
) -> tuple[ThreadMessage, ThreadMessage]:
    """Keep the racer's debrief and the advisor's answer on the session; every proposal of the
    answer becomes a pending change. Returns (debrief, answer)."""
    picked, clean_note, feel = _clean_debrief(symptoms, note, rating)
    book = rule_book()
    session = await _session(profile_id, session_id)
    if session.status != SessionStatus.ACTIVE:
        raise RuleError("This session has ended: start a new one on the Event tab to ask again")
    pending = await SetupChange.filter(
        session_id=session.id, status=ChangeStatus.PENDING
    ).values_list("parameter", flat=True)
    rounds_left = await _rounds_left(session)
    advice = advisor.advise(
        picked, session.track_context, rounds_left, session.actual_setup, pending,
        await _history(session.profile_id),
    )  # fmt: skip
    labels = [book.symptom_label(key) for key in picked]
    async with in_transaction():
        debrief = await Message.create(
            session_id=session.id,
            role=MessageRole.RACER,
            content=_debrief_text(labels, clean_note, feel),
            data={"symptoms": picked, "rating": feel, "note": clean_note},
        )
        answer = await Message.create(
            session_id=session.id, role=MessageRole.ADVISOR, content=advice.to_text(), data={}
        )
        proposals: list[dict[str, Any]] = []
        for proposal in advice.proposals:
            change = await setups.propose_change(
                session.profile_id, session.id, proposal.parameter, proposal.new_value,
                source=ChangeSource.ADVISOR, reasoning=proposal.change_reasoning,
                rule_id=proposal.rule_id, message_id=answer.id,
            )  # fmt: skip
            proposals.append(proposal.to_data() | {"change_id": change.id})
        answer.data = {
            "proposals": proposals,
            "notes": list(advice.notes),
            "rounds_left": rounds_left,
            "track_context": dict(session.track_context or {}),
        }
        await answer.save(update_fields=["data"])
    statuses = {p["change_id"]: ChangeStatus.PENDING for p in proposals}
    return _view(debrief, book, statuses), _view(answer, book, statuses)


def _view(message: Message, book: RuleBook, statuses: dict[int, ChangeStatus]) -> ThreadMessage:
    data = message.data if isinstance(message.data, dict) else {}
    role = MessageRole(message.role)
    if role == MessageRole.RACER:
        return ThreadMessage(
            id=message.id, role=role, content=message.content, created_at=message.created_at,
            symptoms=tuple(book.symptom_label(k) for k in data.get("symptoms") or ()),
            rating=data.get("rating"), note=data.get("note"),
        )  # fmt: skip
    proposals = tuple(
        ProposalView(
            symptom_label=p.get("symptom_label", ""),
            parameter=p.get("parameter", ""),
            parameter_label=p.get("parameter_label", ""),
            change=p.get("change", ""),
            reasoning=p.get("reasoning", ""),
            source=p.get("source", ""),
            why_ranked=p.get("why_ranked"),
            disagreement=p.get("disagreement"),
            change_id=p.get("change_id"),
            status=statuses.get(p.get("change_id")),
        )
        for p in data.get("proposals") or ()
    )
    return ThreadMessage(
        id=message.id, role=role, content=message.content, created_at=message.created_at,
        proposals=proposals, notes=tuple(data.get("notes") or ()),
    )  # fmt: skip


async def conversation(profile_id: int, session_id: int) -> list[ThreadMessage]:
    """The session's debriefs and answers, oldest first, with each proposal's change status."""
    session = await _session(profile_id, session_id)
    messages = await Message.filter(session_id=session.id).order_by("created_at", "id")
    answer_ids = [m.id for m in messages if m.role == MessageRole.ADVISOR]
    statuses = {
        row["id"]: ChangeStatus(row["status"])
        for row in await SetupChange.filter(
            session_id=session.id, message_id__in=answer_ids or [0]
        ).values("id", "status")
    }
    book = rule_book()
    return [_view(m, book, statuses) for m in messages]
