"""Profile service: one default racer whenever racers exist, clean input, safe deletes, stats.

Every database test runs on SQLite and on PostgreSQL (the ``db`` fixture). The concurrency tests
reconnect PostgreSQL with a pool of several connections and warm it first: a race that needs two
connections cannot show through a pool that hands out one at a time.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from models import (
    ChangeSource,
    FormDraft,
    Message,
    MessageRole,
    RacerProfile,
    RaceSession,
    RunResult,
    SessionStatus,
    SetupChange,
    Vehicle,
)
from services.errors import NotFoundError, PitboxError, RuleError, ValidationError
from services.profile_service import (
    DEFAULT_RACER_NAME,
    DeletionReport,
    ProfileSummary,
    create_profile,
    delete_profile,
    deletion_preview,
    get_default_profile,
    get_or_create_default_profile,
    initials,
    list_profiles,
    set_default_profile,
    update_profile,
)
from tests.concurrency import assert_ran_concurrently, use_warm_pool

# --- helpers ----------------------------------------------------------------------------------


async def default_ids() -> list[int]:
    return sorted(await RacerProfile.filter(is_default=True).values_list("id", flat=True))


async def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row that a profile operation could touch, to prove that nothing changed."""
    return {
        "profiles": await RacerProfile.all()
        .order_by("id")
        .values_list(
            "id", "name", "email", "facebook", "instagram", "sponsors", "is_default", "updated_at"
        ),
        "vehicles": await Vehicle.all().order_by("id").values_list("id", "profile_id"),
        "sessions": await RaceSession.all()
        .order_by("id")
        .values_list("id", "profile_id", "vehicle_id", "status"),
        "setup_changes": await SetupChange.all().order_by("id").values_list("id", "session_id"),
        "messages": await Message.all().order_by("id").values_list("id", "session_id"),
        "run_results": await RunResult.all().order_by("id").values_list("id", "session_id"),
        "drafts": await FormDraft.all().order_by("id").values_list("id", "profile_id"),
    }


@dataclass
class OwnedRows:
    """The ids of everything a racer owns, per table."""

    vehicles: list[int] = field(default_factory=list)
    sessions: list[int] = field(default_factory=list)
    setup_changes: list[int] = field(default_factory=list)
    messages: list[int] = field(default_factory=list)
    run_results: list[int] = field(default_factory=list)
    drafts: list[int] = field(default_factory=list)

    async def still_there(self) -> dict[str, int]:
        """How many of these rows still exist, per table."""
        return {
            "vehicles": await Vehicle.filter(id__in=self.vehicles).count(),
            "sessions": await RaceSession.filter(id__in=self.sessions).count(),
            "setup_changes": await SetupChange.filter(id__in=self.setup_changes).count(),
            "messages": await Message.filter(id__in=self.messages).count(),
            "run_results": await RunResult.filter(id__in=self.run_results).count(),
            "drafts": await FormDraft.filter(id__in=self.drafts).count(),
        }

    def sizes(self) -> dict[str, int]:
        return {name: len(ids) for name, ids in vars(self).items()}


async def add_vehicle(profile: RacerProfile, model: str = "NB48 2.1") -> Vehicle:
    return await Vehicle.create(profile=profile, brand="Tekno", model=model)


async def add_session(
    profile: RacerProfile,
    vehicle: Vehicle,
    name: str = "Club practice",
    session_date: date = date(2026, 1, 10),
    status: SessionStatus = SessionStatus.COMPLETED,
) -> RaceSession:
    return await RaceSession.create(
        profile=profile,
        vehicle=vehicle,
        name=name,
        session_type="Practice",
        session_date=session_date,
        status=status,
    )


async def give_racer_a_season(profile: RacerProfile) -> OwnedRows:
    """2 vehicles, 3 sessions (one active), 4 setup changes, 5 messages, 3 runs, 2 drafts."""
    rows = OwnedRows()
    v1 = await add_vehicle(profile, "NB48 2.1")
    v2 = await add_vehicle(profile, "EB48 2.1")
    rows.vehicles = [v1.id, v2.id]
    s1 = await add_session(profile, v1, "Nationals", date(2026, 3, 1), SessionStatus.ACTIVE)
    s2 = await add_session(profile, v1, "Club day", date(2026, 1, 5))
    s3 = await add_session(profile, v2, "Test day", date(2025, 11, 20))
    rows.sessions = [s1.id, s2.id, s3.id]
    for session, parameter in [(s1, "front_toe"), (s1, "rear_toe"), (s2, "spur"), (s3, "venturi")]:
        change = await SetupChange.create(
            session=session,
            parameter=parameter,
            old_value=1,
            new_value=2,
            source=ChangeSource.MANUAL,
        )
        rows.setup_changes.append(change.id)
    for session in [s1, s1, s1, s3, s3]:
        message = await Message.create(session=session, role=MessageRole.RACER, content="Loose")
        rows.messages.append(message.id)
    for session, heat in [(s2, "Heat 1"), (s3, "Heat 1"), (s3, "Heat 2")]:
        result = await RunResult.create(
            session=session, heat_name=heat, lap_times=[31.2, 30.8], best_lap=30.8
        )
        rows.run_results.append(result.id)
    for form in ["new_session", "vehicle"]:
        draft = await FormDraft.create(profile=profile, form=form, data={"name": "half typed"})
        rows.drafts.append(draft.id)
    return rows


async def give_racer_a_little(profile: RacerProfile) -> OwnedRows:
    """One of everything."""
    vehicle = await add_vehicle(profile)
    session = await add_session(profile, vehicle, status=SessionStatus.ACTIVE)
    change = await SetupChange.create(
        session=session, parameter="spur", old_value=46, new_value=48, source=ChangeSource.ADVISOR
    )
    message = await Message.create(session=session, role=MessageRole.ADVISOR, content="Try 48")
    result = await RunResult.create(session=session, heat_name="A main", lap_times=[30.1])
    draft = await FormDraft.create(profile=profile, form="new_session", data={})
    return OwnedRows([vehicle.id], [session.id], [change.id], [message.id], [result.id], [draft.id])


# --- query counting ---------------------------------------------------------------------------

SQL_VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


class _StatementLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lstrip()
        if message.upper().startswith(SQL_VERBS):
            self.statements.append(message)


@contextmanager
def sql_statements() -> Iterator[list[str]]:
    """The SQL statements Tortoise runs inside the block (it logs each to tortoise.db_client)."""
    logger = logging.getLogger("tortoise.db_client")
    handler = _StatementLog()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


# --- the seed's tests -------------------------------------------------------------------------


async def test_get_default_profile(db):
    first = await create_profile("Max")
    await create_profile("Ricky")

    default = await get_default_profile()

    assert default is not None
    assert (default.id, default.name, default.is_default) == (first.id, "Max", True)


async def test_set_default_profile_unsets_others(db):
    max_ = await create_profile("Max")
    ricky = await create_profile("Ricky")
    elodie = await create_profile("Élodie")

    returned = await set_default_profile(elodie.id)
    assert returned.id == elodie.id and returned.is_default
    assert await default_ids() == [elodie.id]

    await set_default_profile(ricky.id)
    assert await default_ids() == [ricky.id]

    # Setting the current default again keeps it the one default.
    await set_default_profile(ricky.id)
    assert await default_ids() == [ricky.id]
    assert max_.id not in await default_ids()


async def test_list_profiles_shows_default(db):
    await create_profile("Max")
    ricky = await create_profile("Ricky")
    await set_default_profile(ricky.id)

    summaries = await list_profiles()

    assert [(s.name, s.is_default) for s in summaries] == [("Ricky", True), ("Max", False)]


async def test_create_profile_first_becomes_default(db):
    first = await create_profile("Max")
    second = await create_profile("Ricky")

    assert first.is_default is True
    assert second.is_default is False
    assert await default_ids() == [first.id]


# --- default profile --------------------------------------------------------------------------


async def test_get_default_profile_is_none_only_without_profiles(db):
    assert await get_default_profile() is None

    max_ = await create_profile("Max")
    assert (await get_default_profile()).id == max_.id

    ricky = await create_profile("Ricky")
    await delete_profile(max_.id, new_default_id=ricky.id)
    assert (await get_default_profile()).id == ricky.id

    elodie = await create_profile("Élodie")
    await delete_profile(elodie.id)
    assert (await get_default_profile()).id == ricky.id


async def test_set_default_profile_unknown_id_raises_not_found_and_changes_nothing(db):
    await create_profile("Max")
    await create_profile("Ricky")
    before = await snapshot()

    with pytest.raises(NotFoundError):
        await set_default_profile(999_999)

    assert await snapshot() == before


# --- input rules ------------------------------------------------------------------------------

CONTROL_CHARACTER_NAMES = [
    pytest.param("Max\x00Power", id="nul"),
    pytest.param("Max\nPower", id="newline"),
    pytest.param("\x1b[31mMax", id="escape"),
]

# (keyword arguments, field named in the error, fragment of its message)
BAD_INPUT_FOR_ANY_PROFILE = [
    pytest.param({"name": ""}, "name", "required", id="empty-name"),
    pytest.param({"name": "   \t "}, "name", "required", id="whitespace-name"),
    pytest.param({"name": "x" * 61}, "name", "at most 60 characters", id="61-char-name"),
    pytest.param({"name": "max"}, "name", "already a racer", id="name-lower-case-of-existing"),
    pytest.param({"name": "  MAX  "}, "name", "already a racer", id="name-upper-case-padded"),
    pytest.param({"name": "élodie"}, "name", "already a racer", id="name-non-ascii-lower"),
    pytest.param({"name": "ÉLODIE"}, "name", "already a racer", id="name-non-ascii-upper"),
    *(
        pytest.param({"name": p.values[0]}, "name", "control characters", id=f"name-{p.id}")
        for p in CONTROL_CHARACTER_NAMES
    ),
    pytest.param({"email": "max"}, "email", "email address", id="email-no-at"),
    pytest.param({"email": "max@example"}, "email", "email address", id="email-no-domain-dot"),
    pytest.param({"email": "max power@example.com"}, "email", "email address", id="email-space"),
    pytest.param({"email": "@example.com"}, "email", "email address", id="email-no-local-part"),
    pytest.param({"instagram": "i" * 256}, "instagram", "at most 255", id="256-char-instagram"),
    pytest.param({"facebook": "f" * 256}, "facebook", "at most 255", id="256-char-facebook"),
    pytest.param({"sponsors": ["s" * 61]}, "sponsors", "at most 60", id="61-char-sponsor"),
    pytest.param({"sponsors": ["Tekno", ""]}, "sponsors", "required", id="empty-sponsor"),
    pytest.param({"sponsors": ["  "]}, "sponsors", "required", id="blank-sponsor"),
    pytest.param(
        {"sponsors": [f"Sponsor {i}" for i in range(21)]},
        "sponsors",
        "At most 20",
        id="21-sponsors",
    ),
    pytest.param({"sponsors": "Tekno"}, "sponsors", "list of names", id="sponsors-plain-string"),
]

BAD_INPUT_FOR_UPDATE_ONLY = [
    pytest.param({"nickname": "Mad Max"}, "nickname", "cannot be changed", id="unknown-field"),
    pytest.param({"is_default": True}, "is_default", "cannot be changed", id="is-default"),
]


async def racers_with_data() -> tuple[RacerProfile, RacerProfile, RacerProfile]:
    """Max (default, with social handles and sponsors), Élodie, Ricky; each owns some data."""
    max_ = await create_profile(
        "Max", email="max@example.com", instagram="@max", facebook="max.fb", sponsors=["Tekno"]
    )
    elodie = await create_profile("Élodie")
    ricky = await create_profile("Ricky", sponsors=["JConcepts", "Mugen"])
    await give_racer_a_little(max_)
    await give_racer_a_little(ricky)
    return max_, elodie, ricky


@pytest.mark.parametrize(("bad_fields", "error_field", "message"), BAD_INPUT_FOR_ANY_PROFILE)
async def test_create_profile_rejects_bad_input_and_writes_nothing(
    db, bad_fields, error_field, message
):
    await racers_with_data()
    before = await snapshot()

    with pytest.raises(ValidationError) as caught:
        await create_profile(**{"name": "Newbie", **bad_fields})

    assert set(caught.value.errors) == {error_field}
    assert message in caught.value.errors[error_field]
    assert message in str(caught.value)
    assert await snapshot() == before


@pytest.mark.parametrize(
    ("bad_fields", "error_field", "message"),
    BAD_INPUT_FOR_ANY_PROFILE + BAD_INPUT_FOR_UPDATE_ONLY,
)
async def test_update_profile_rejects_bad_input_and_writes_nothing(
    db, bad_fields, error_field, message
):
    _, _, ricky = await racers_with_data()
    before = await snapshot()

    with pytest.raises(ValidationError) as caught:
        await update_profile(ricky.id, **bad_fields)

    assert set(caught.value.errors) == {error_field}
    assert message in caught.value.errors[error_field]
    assert await snapshot() == before


async def test_update_profile_names_every_bad_field_and_writes_nothing(db):
    _, _, ricky = await racers_with_data()
    before = await snapshot()

    with pytest.raises(ValidationError) as caught:
        await update_profile(ricky.id, name="", email="nope", sponsors="Tekno", is_default=True)

    assert set(caught.value.errors) == {"name", "email", "sponsors", "is_default"}
    assert await snapshot() == before


async def test_update_profile_unknown_id_raises_not_found(db):
    await racers_with_data()
    before = await snapshot()

    with pytest.raises(NotFoundError):
        await update_profile(999_999, name="Ghost")

    assert await snapshot() == before


async def test_create_profile_trims_the_name(db):
    profile = await create_profile("  Max  ")

    assert profile.name == "Max"
    assert (await RacerProfile.get(id=profile.id)).name == "Max"


async def test_update_profile_trims_the_name(db):
    profile = await create_profile("Max")

    await update_profile(profile.id, name="\t Max Power  ")

    assert (await RacerProfile.get(id=profile.id)).name == "Max Power"


async def test_name_of_exactly_60_characters_is_accepted(db):
    name = "M" * 60
    created = await create_profile(name)
    other = await create_profile("Ricky")
    renamed = "R" * 60

    await update_profile(other.id, name=renamed)

    assert (await RacerProfile.get(id=created.id)).name == name
    assert (await RacerProfile.get(id=other.id)).name == renamed


async def test_html_in_a_name_is_kept_verbatim_as_text(db):
    profile = await create_profile("<b>Max</b>")
    other = await create_profile("Ricky")
    await update_profile(other.id, name="<script>alert(1)</script>")

    assert (await RacerProfile.get(id=profile.id)).name == "<b>Max</b>"
    assert (await RacerProfile.get(id=other.id)).name == "<script>alert(1)</script>"
    assert {s.name for s in await list_profiles()} == {"<b>Max</b>", "<script>alert(1)</script>"}


async def test_racer_can_change_the_case_of_their_own_name(db):
    profile = await create_profile("max")

    await update_profile(profile.id, name="Max")

    assert (await RacerProfile.get(id=profile.id)).name == "Max"


async def test_valid_optional_fields_are_stored_cleaned(db):
    profile = await create_profile(
        "Max", email=" max@example.com ", instagram="  ", sponsors=[" Tekno ", "JConcepts"]
    )

    stored = await RacerProfile.get(id=profile.id)
    assert stored.email == "max@example.com"
    assert stored.instagram is None
    assert stored.sponsors == ["Tekno", "JConcepts"]

    await update_profile(profile.id, sponsors=[f"S{i}" for i in range(20)], email=None)
    stored = await RacerProfile.get(id=profile.id)
    assert stored.sponsors == [f"S{i}" for i in range(20)]
    assert stored.email is None


async def test_name_equal_after_unicode_normalisation_is_taken(db):
    await create_profile("Élodie")
    decomposed = unicodedata.normalize("NFD", "Élodie")
    assert decomposed != "Élodie"
    before = await snapshot()

    with pytest.raises(ValidationError) as caught:
        await create_profile(decomposed)

    assert "already a racer" in caught.value.errors["name"]
    assert await snapshot() == before


# --- delete -----------------------------------------------------------------------------------


async def test_only_profile_cannot_be_deleted(db):
    max_ = await create_profile("Max")
    await give_racer_a_season(max_)
    before = await snapshot()

    with pytest.raises(RuleError):
        await delete_profile(max_.id)

    assert await snapshot() == before


async def test_default_cannot_be_deleted_without_naming_a_new_default(db):
    max_ = await create_profile("Max")
    await create_profile("Ricky")
    await give_racer_a_season(max_)
    before = await snapshot()

    with pytest.raises(RuleError, match="default"):
        await delete_profile(max_.id)

    assert await snapshot() == before


async def test_deleting_the_default_with_a_new_default_makes_that_racer_the_one_default(db):
    max_ = await create_profile("Max")
    ricky = await create_profile("Ricky")
    elodie = await create_profile("Élodie")

    report = await delete_profile(max_.id, new_default_id=elodie.id)

    assert report.new_default_id == elodie.id
    assert not await RacerProfile.exists(id=max_.id)
    assert await default_ids() == [elodie.id]
    assert await RacerProfile.filter(id__in=[ricky.id, elodie.id]).count() == 2


@pytest.mark.parametrize(
    ("new_default", "error"),
    [
        pytest.param("itself", RuleError, id="new-default-is-the-deleted-racer"),
        pytest.param("unknown", NotFoundError, id="new-default-does-not-exist"),
    ],
)
async def test_deleting_with_a_bad_new_default_changes_nothing(db, new_default, error):
    max_ = await create_profile("Max")
    await create_profile("Ricky")
    await give_racer_a_season(max_)
    before = await snapshot()

    with pytest.raises(error):
        await delete_profile(max_.id, new_default_id=max_.id if new_default == "itself" else 999)

    assert await snapshot() == before


async def test_deleting_a_non_default_racer_keeps_the_default(db):
    max_ = await create_profile("Max")
    ricky = await create_profile("Ricky")

    report = await delete_profile(ricky.id)

    assert report.name == "Ricky"
    assert report.new_default_id is None
    assert await RacerProfile.all().values_list("id", flat=True) == [max_.id]
    assert await default_ids() == [max_.id]


async def test_deleting_an_unknown_racer_raises_not_found(db):
    await create_profile("Max")
    before = await snapshot()

    with pytest.raises(NotFoundError):
        await delete_profile(999_999)
    with pytest.raises(NotFoundError):
        await deletion_preview(999_999)

    assert await snapshot() == before


async def test_deleting_a_non_default_racer_with_a_new_default_keeps_exactly_one_default(db):
    max_ = await create_profile("Max")
    ricky = await create_profile("Ricky")
    elodie = await create_profile("Élodie")
    before = await snapshot()

    try:
        await delete_profile(ricky.id, new_default_id=elodie.id)
    except PitboxError:
        # Refusing is fine too, as long as nothing was written.
        assert await snapshot() == before
    else:
        assert not await RacerProfile.exists(id=ricky.id)
        assert await default_ids() == [elodie.id]
    assert await RacerProfile.filter(id__in=[max_.id, elodie.id]).count() == 2


async def test_delete_removes_everything_the_racer_owns_and_nothing_of_others(db):
    other = await create_profile("Ricky")  # the default
    racer = await create_profile("Max")
    owned = await give_racer_a_season(racer)
    others = await give_racer_a_little(other)
    others_before = await snapshot()

    report = await delete_profile(racer.id)

    assert report == DeletionReport(
        name="Max", vehicles=2, sessions=3, setup_changes=4, messages=5, run_results=3, drafts=2
    )
    assert report.counts["lap results"] == 3
    assert owned.sizes() == {
        "vehicles": 2,
        "sessions": 3,
        "setup_changes": 4,
        "messages": 5,
        "run_results": 3,
        "drafts": 2,
    }
    assert not await RacerProfile.exists(id=racer.id)
    assert await owned.still_there() == dict.fromkeys(owned.sizes(), 0)
    assert await others.still_there() == others.sizes()
    # Nothing else moved: the other racer's rows are exactly as they were.
    after = await snapshot()
    assert after["profiles"] == [row for row in others_before["profiles"] if row[0] == other.id]
    for table in ("vehicles", "drafts"):
        assert after[table] == [row for row in others_before[table] if row[1] == other.id]


async def test_deleting_the_default_cascades_too_and_reports_the_new_default(db):
    racer = await create_profile("Max")  # the default
    other = await create_profile("Ricky")
    owned = await give_racer_a_season(racer)
    others = await give_racer_a_little(other)

    report = await delete_profile(racer.id, new_default_id=other.id)

    assert report == DeletionReport(
        name="Max",
        vehicles=2,
        sessions=3,
        setup_changes=4,
        messages=5,
        run_results=3,
        drafts=2,
        new_default_id=other.id,
    )
    assert await owned.still_there() == dict.fromkeys(owned.sizes(), 0)
    assert await others.still_there() == others.sizes()
    assert await default_ids() == [other.id]


async def test_deletion_preview_counts_like_the_delete_without_deleting(db):
    other = await create_profile("Ricky")
    racer = await create_profile("Max")
    await give_racer_a_season(racer)
    await give_racer_a_little(other)
    before = await snapshot()

    preview = await deletion_preview(racer.id)
    assert await snapshot() == before
    other_preview = await deletion_preview(other.id)

    assert preview == DeletionReport(
        name="Max", vehicles=2, sessions=3, setup_changes=4, messages=5, run_results=3, drafts=2
    )
    assert other_preview == DeletionReport(
        name="Ricky", vehicles=1, sessions=1, setup_changes=1, messages=1, run_results=1, drafts=1
    )
    assert await delete_profile(racer.id) == preview


# --- get_or_create_default_profile ------------------------------------------------------------


async def test_get_or_create_default_profile_creates_default_racer_on_empty_database(db):
    profile = await get_or_create_default_profile()

    assert profile.name == DEFAULT_RACER_NAME == "Default Racer"
    assert profile.is_default
    assert await RacerProfile.all().values_list("id", flat=True) == [profile.id]
    assert await default_ids() == [profile.id]


async def test_get_or_create_default_profile_returns_the_existing_default(db):
    await create_profile("Max")
    ricky = await create_profile("Ricky")
    await set_default_profile(ricky.id)
    before = await snapshot()

    profile = await get_or_create_default_profile()

    assert profile.id == ricky.id
    assert await snapshot() == before


async def test_get_or_create_default_profile_repairs_racers_without_a_default(db):
    # E.g. restored by hand: racers but no default. The oldest becomes default; none is added.
    max_ = await create_profile("Max")
    await create_profile("Ricky")
    await RacerProfile.all().update(is_default=False)

    profile = await get_or_create_default_profile()

    assert profile.id == max_.id
    assert await RacerProfile.all().count() == 2
    assert await default_ids() == [max_.id]


@pytest.mark.parametrize("callers", [2, 10])
async def test_concurrent_get_or_create_default_profile_creates_one_default(
    db, pool_watch, callers
):
    await use_warm_pool(db, pool_watch)

    profiles = await asyncio.gather(*(get_or_create_default_profile() for _ in range(callers)))

    assert await RacerProfile.all().count() == 1
    (only,) = await default_ids()
    assert {p.id for p in profiles} == {only}
    assert all(p.is_default and p.name == DEFAULT_RACER_NAME for p in profiles)
    assert_ran_concurrently(db, pool_watch, at_least=callers)


# --- concurrency of set_default and delete ----------------------------------------------------


async def test_concurrent_set_default_profile_ends_with_exactly_one_default(db, pool_watch):
    racers = [await create_profile(f"Racer {i:02}") for i in range(20)]
    await use_warm_pool(db, pool_watch)

    returned = await asyncio.gather(*(set_default_profile(r.id) for r in racers))

    assert [p.id for p in returned] == [r.id for r in racers]
    (only,) = await default_ids()
    assert only in {r.id for r in racers}
    assert_ran_concurrently(db, pool_watch, at_least=len(racers))


@pytest.mark.parametrize("delete_first", [True, False], ids=["delete-first", "set-default-first"])
async def test_delete_default_racing_set_default_ends_with_one_default(
    db, pool_watch, delete_first
):
    default = await create_profile("Max")
    successor = await create_profile("Ricky")
    await give_racer_a_little(default)
    await use_warm_pool(db, pool_watch)

    calls = [
        delete_profile(default.id, new_default_id=successor.id),
        set_default_profile(default.id),
    ]
    if not delete_first:
        calls.reverse()
    results = await asyncio.gather(*calls, return_exceptions=True)
    report, set_default_result = results if delete_first else results[::-1]

    assert isinstance(report, DeletionReport), report
    assert report.new_default_id == successor.id
    assert isinstance(set_default_result, RacerProfile | NotFoundError), set_default_result
    assert not await RacerProfile.exists(id=default.id)
    assert await default_ids() == [successor.id]
    assert_ran_concurrently(db, pool_watch, at_least=2)


# --- list_profiles ----------------------------------------------------------------------------


async def test_list_profiles_stats_and_order(db):
    max_ = await create_profile("Max", email="max@example.com", sponsors=["Tekno"])
    zoe = await create_profile("zoe")
    alice = await create_profile("alice")
    bob = await create_profile("Bob")
    await set_default_profile(zoe.id)

    v1, v2 = await add_vehicle(max_, "NB48 2.1"), await add_vehicle(max_, "EB48 2.1")
    await add_session(max_, v1, "Winter series", date(2025, 12, 14))
    await add_session(max_, v2, "Nationals", date(2026, 3, 1), SessionStatus.ACTIVE)
    await add_session(max_, v1, "Club day", date(2026, 1, 5))
    bob_car = await add_vehicle(bob)
    await add_session(bob, bob_car, "Test day", date(2025, 6, 7))
    await add_vehicle(alice)

    summaries = await list_profiles()

    # Default first, then by name ignoring case (a plain sort would give Bob, Max, alice).
    assert [s.name for s in summaries] == ["zoe", "alice", "Bob", "Max"]
    by_name = {s.name: s for s in summaries}
    assert by_name["Max"] == ProfileSummary(
        id=max_.id,
        name="Max",
        email="max@example.com",
        is_default=False,
        vehicle_count=2,
        session_count=3,
        last_session_date=date(2026, 3, 1),
        active_session_id=by_name["Max"].active_session_id,
        active_session_name="Nationals",
        sponsors=("Tekno",),
    )
    assert by_name["Max"].in_session
    assert by_name["Max"].active_session_id == (await RaceSession.get(name="Nationals")).id
    bob_summary = by_name["Bob"]
    assert (bob_summary.vehicle_count, bob_summary.session_count) == (1, 1)
    assert bob_summary.last_session_date == date(2025, 6, 7)
    assert not bob_summary.in_session and bob_summary.active_session_name is None
    alice_summary = by_name["alice"]
    assert (alice_summary.vehicle_count, alice_summary.session_count) == (1, 0)
    assert alice_summary.last_session_date is None and not alice_summary.in_session
    zoe_summary = by_name["zoe"]
    assert zoe_summary.is_default
    assert (zoe_summary.vehicle_count, zoe_summary.session_count) == (0, 0)
    assert [s.is_default for s in summaries].count(True) == 1
    assert by_name["Max"].initials == "M"


async def test_list_profiles_is_empty_without_racers(db):
    assert await list_profiles() == []


async def test_statement_counting_counts_statements(db):
    # The counter below must really see queries, or "same count" would prove nothing.
    await create_profile("Max")
    with sql_statements() as statements:
        for _ in range(3):
            await RacerProfile.all()
        await RacerProfile.exists()
    assert len(statements) == 4
    assert all(s.upper().startswith("SELECT") for s in statements)


async def add_racers_with_garages(count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        racer = await RacerProfile.create(name=f"Racer {i:03}")
        first, second = await add_vehicle(racer, "NB48"), await add_vehicle(racer, "EB48")
        await add_session(racer, first, "Club day", date(2026, 1, 1 + i % 28))
        await add_session(racer, second, "Race day", date(2026, 2, 1), SessionStatus.ACTIVE)


async def test_list_profiles_query_count_does_not_grow_with_racers(db):
    await create_profile("Max")
    await add_racers_with_garages(1)
    with sql_statements() as with_two:
        summaries = await list_profiles()
    assert len(summaries) == 2

    await add_racers_with_garages(48, start=1)
    with sql_statements() as with_fifty:
        summaries = await list_profiles()
    assert len(summaries) == 50
    assert all(s.in_session and s.vehicle_count == 2 for s in summaries if s.name != "Max")

    assert len(with_two) > 0
    assert len(with_fifty) == len(with_two), with_fifty


# --- initials ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Max Power", "MP"),
        ("ricky", "R"),
        ("Jean-Luc Picard", "JP"),
        ("max_power", "MP"),
        ("A. J. Foyt", "AF"),
        ("élodie durand", "ÉD"),
        ("  Max  ", "M"),
        ("Max (2)", "M"),
        ("42 Racing", "4R"),
        ("", "?"),
        ("   ", "?"),
        ("--", "?"),
    ],
)
def test_initials(name, expected):
    assert initials(name) == expected
