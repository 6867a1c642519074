"""A racer's notebook with every kind of record, for export, import and history tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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
from models.setup_sheet import EXAMPLE_SETUP
from services import garage, profile_service

START = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


async def seed_racer(
    name: str = "Lena", *, sessions: int = 3, cars: int = 2, active: bool = True
) -> profile_service.RacerProfile:
    """A racer with cars, past sessions (the last one active when ``active``) and in each
    session messages, changes (one with a message, one undo) and lap results."""
    racer = await profile_service.create_profile(
        name, email="lena@example.com", instagram="@lena", sponsors=["JQ", "Hudy"]
    )
    vehicles = [
        await garage.add_vehicle(
            racer.id, "Tekno", f"NB48 {n}", nickname=f"Car {n}", transponder=f"12345{n}",
            reference_setup={**EXAMPLE_SETUP, "front_shock_oil": 450 + 25 * n},
        )
        for n in range(1, cars + 1)
    ]  # fmt: skip
    tracks = ["Riverside", "Hilltop", None]
    for n in range(sessions):
        car = vehicles[n % len(vehicles)]
        last = n == sessions - 1
        setup = {**car.reference_setup, "rear_toe": 2.5, "venturi": 7.2}
        session = await RaceSession.create(
            profile_id=racer.id, vehicle=car, name=f"Round {n + 1}",
            session_type=("Practice", "Qualifying", "Main", "Club Race")[n % 4],
            session_date=date(2026, 3, 1) + timedelta(days=7 * n),
            track_name=tracks[n % 3], track_context={"surface": "Loam", "traction": "High"},
            racing_classes=["1/8 Nitro Buggy"], actual_setup=setup,
            status=SessionStatus.ACTIVE if (last and active) else SessionStatus.COMPLETED,
            practice_rounds=2, qualifying_rounds=3,
            summary=None if last else f"Good day {n + 1}\nLoose at the end", rating=4,
            ended_at=None if last else START + timedelta(days=7 * n, hours=6),
        )  # fmt: skip
        at = START + timedelta(days=7 * n)
        asked = await Message.create(
            session=session, role=MessageRole.RACER, content="Loose on exit",
            data={"symptoms": ["loose_exit"], "rating": 3}, created_at=at,
        )  # fmt: skip
        answer = await Message.create(
            session=session, role=MessageRole.ADVISOR, content="Try more rear toe-in",
            data={"proposals": [{"parameter": "rear_toe", "value": 3.0}]},
            created_at=at + timedelta(seconds=5),
        )  # fmt: skip
        toe = await SetupChange.create(
            session=session, parameter="rear_toe", old_value=2.5, new_value=3.0,
            source=ChangeSource.ADVISOR, reasoning="More rear toe-in calms the exit",
            status=ChangeStatus.ACCEPTED, rule_id="loose_exit_rear_toe", message=answer,
            best_lap_before=33.9, best_lap_after=33.4, average_lap_before=35.1,
            average_lap_after=34.6, verdict="faster", created_at=at + timedelta(seconds=6),
            decided_at=at + timedelta(minutes=1),
        )  # fmt: skip
        await SetupChange.create(
            session=session, parameter="rear_toe", old_value=3.0, new_value=2.5,
            source=ChangeSource.MANUAL, status=ChangeStatus.ACCEPTED, reverts=toe,
            created_at=at + timedelta(minutes=30), decided_at=at + timedelta(minutes=30),
        )  # fmt: skip
        await SetupChange.create(
            session=session, parameter="front_spring", old_value="Green", new_value="Blue",
            source=ChangeSource.MANUAL, status=ChangeStatus.PENDING,
            created_at=at + timedelta(minutes=31),
        )  # fmt: skip
        for heat, laps in (("Practice 1", [34.2, 33.9, 35.0]), ("Qualifier 1", [33.5, 33.4])):
            await RunResult.create(
                session=session, heat_name=heat, racing_class="1/8 Nitro Buggy",
                lap_times=laps, best_lap=min(laps), average_lap=round(sum(laps) / len(laps), 3),
                consistency=97.5, created_at=at + timedelta(minutes=40),
            )  # fmt: skip
        del asked
    return racer
