"""Fill a freshly migrated database with racers whose history looks like a season or ten.

Every racer gets cars, sessions (every other racer is in the middle of one), and per session
setup changes, messages and a heat of laps. The same seed serves the browser benchmark and the
quick server-side check in ``scripts/benchmark.py``, so their datasets are the same.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta

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
    Vehicle,
)
from models.setup_sheet import EXAMPLE_SETUP
from services import database


@dataclass(frozen=True)
class Dataset:
    racers: int = 30
    cars: int = 5
    sessions: int = 150  # per racer
    per_session: int = 10  # setup changes and messages per session

    def describe(self) -> str:
        total = self.racers * self.sessions
        rows = total * self.per_session
        return (
            f"{self.racers} racers, {self.racers * self.cars} cars, {total} sessions, "
            f"{rows} changes, {rows} messages, {total} heats"
        )


def in_session(index: int) -> bool:
    """Every other racer, not the first (the default), is in the middle of a session."""
    return index % 2 == 1


def racer_name(index: int) -> str:
    """The seeded racers' names, in id order: ``Racer 000``, ``Racer 001``..."""
    return f"Racer {index:03d}"


async def seed(url: str, dataset: Dataset) -> None:
    """Migrate the empty database at ``url`` and fill it with ``dataset``."""
    await database.apply_migrations(url)
    await database.connect(url)
    rng = random.Random(7)
    try:
        profiles = [
            RacerProfile(name=racer_name(i), is_default=i == 0, sponsors=["Tekno"])
            for i in range(dataset.racers)
        ]
        await RacerProfile.bulk_create(profiles)
        profiles = await RacerProfile.all().order_by("id")
        vehicles = [
            Vehicle(
                profile_id=p.id, brand="Tekno", model=f"NB48 v{c}", reference_setup=EXAMPLE_SETUP
            )
            for p in profiles
            for c in range(dataset.cars)
        ]
        await Vehicle.bulk_create(vehicles, batch_size=1000)
        vehicle_ids: dict[int, list[int]] = {}
        for vid, pid in await Vehicle.all().values_list("id", "profile_id"):
            vehicle_ids.setdefault(pid, []).append(vid)
        start = date(2024, 1, 1)
        last = dataset.sessions - 1
        for index, p in enumerate(profiles):  # one racer at a time: flat memory when large
            race_sessions = [
                RaceSession(
                    profile_id=p.id,
                    vehicle_id=rng.choice(vehicle_ids[p.id]),
                    name=f"Session {s}",
                    session_type="Practice",
                    session_date=start + timedelta(days=s % 3650),
                    actual_setup=EXAMPLE_SETUP,
                    track_context={"surface": "Loam"},
                    status=SessionStatus.ACTIVE
                    if s == last and in_session(index)
                    else SessionStatus.COMPLETED,
                )
                for s in range(dataset.sessions)
            ]
            await RaceSession.bulk_create(race_sessions, batch_size=1000)
            session_ids = await RaceSession.filter(profile_id=p.id).values_list("id", flat=True)
            changes, messages, results = [], [], []
            for sid in session_ids:
                for k in range(dataset.per_session):
                    changes.append(
                        SetupChange(
                            session_id=sid,
                            parameter="front_shock_oil",
                            old_value=450,
                            new_value=500,
                            source=ChangeSource.ADVISOR,
                            status=ChangeStatus.PENDING if k == 0 else ChangeStatus.ACCEPTED,
                        )
                    )
                    messages.append(
                        Message(session_id=sid, role=MessageRole.RACER, content="Loose on entry")
                    )
                results.append(
                    RunResult(
                        session_id=sid,
                        heat_name="Q1",
                        lap_times=[31.2, 30.8, 30.9],
                        best_lap=30.8,
                        average_lap=30.97,
                        consistency=0.2,
                    )
                )
            await SetupChange.bulk_create(changes, batch_size=2000)
            await Message.bulk_create(messages, batch_size=2000)
            await RunResult.bulk_create(results, batch_size=2000)
    finally:
        await database.disconnect()


def main() -> None:
    """``python -m bench.seed URL``: seed one database; print its racers as JSON.

    A process of its own per database: Tortoise caches built SQL per connection name, not per
    dialect, so one process must not seed SQLite and then PostgreSQL.
    """
    parser = argparse.ArgumentParser(prog="python -m bench.seed")
    parser.add_argument("url")
    parser.add_argument("--racers", type=int, default=Dataset.racers)
    parser.add_argument("--cars", type=int, default=Dataset.cars)
    parser.add_argument("--sessions", type=int, default=Dataset.sessions)
    parser.add_argument("--per-session", type=int, default=Dataset.per_session)
    args = parser.parse_args()
    dataset = Dataset(args.racers, args.cars, args.sessions, args.per_session)
    asyncio.run(seed(args.url, dataset))
    asyncio.run(_print_racers(args.url))


async def _print_racers(url: str) -> None:
    await database.connect(url)
    try:
        rows = await RacerProfile.all().order_by("id").values_list("id", "name")
    finally:
        await database.disconnect()
    print(json.dumps([
        {"id": i, "name": n, "in_session": in_session(index)} for index, (i, n) in enumerate(rows)
    ]))  # fmt: skip


if __name__ == "__main__":
    main()
