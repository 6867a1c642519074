"""Racers with a full notebook, built through the services, and a snapshot of every table.

Service tests use them to prove isolation ("the other racer's data is unchanged") and that a
refused call wrote nothing ("the database is unchanged").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise import Tortoise

from models import ChangeSource, Message, MessageRole, RacerProfile, RunResult
from models.setup_sheet import EXAMPLE_SETUP
from services import drafts, garage, profile_service, sessions, setups


async def snapshot_all() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the app, every column: equal snapshots mean nothing changed."""
    tables = {}
    for _, model in sorted(Tortoise.apps["models"].items()):
        if model._meta.db_table == "aerich":
            continue
        tables[model._meta.db_table] = await model.all().order_by("id").values()
    return tables


@dataclass
class Notebook:
    """The ids of one racer's records, one of each kind (more where a test needs a choice)."""

    profile_id: int
    vehicle_id: int
    other_vehicle_id: int
    session_id: int  # active
    completed_session_id: int
    draft_session_id: int
    change_id: int  # pending
    accepted_change_id: int
    message_id: int
    run_id: int
    marker: str  # text found in this racer's records and nowhere else


async def racer_with_notebook(name: str) -> Notebook:
    """A racer with two cars, a completed, an active and a draft session, a pending and an
    accepted change, a message, a run and a form draft; every text carries the racer's name."""
    racer = await profile_service.create_profile(name)
    marker = f"{name}-only"
    car = await garage.add_vehicle(
        racer.id, "Tekno", f"NB48 {marker}", nickname=f"{marker} car",
        reference_setup=EXAMPLE_SETUP,
    )  # fmt: skip
    other = await garage.add_vehicle(racer.id, "Xray", f"XB8 {marker}")
    completed = await sessions.start_session(
        racer.id, car.id, f"{marker} club day", "Club Race", date(2026, 4, 1),
        {"surface": "Clay", "traction": "High"}, [f"1/8 {marker}"], track_name=f"{marker} Park",
    )  # fmt: skip
    await sessions.close_session(racer.id, completed.id, summary=f"{marker} summary", rating=4)
    active = await sessions.start_session(
        racer.id, car.id, f"{marker} nationals", "Practice", date(2026, 5, 1),
        {"surface": "Loam"}, track_name=f"{marker} Raceway", practice_rounds=2,
    )  # fmt: skip
    draft = await sessions.save_draft_session(racer.id, other.id, name=f"{marker} next week")
    twin = await setups.get_twin(racer.id, active.id)
    (accepted,) = await setups.edit_twin(
        racer.id, active.id, {"front_spring": f"{marker}"[:40]},
        expected_version=twin.version, reason=f"{marker} feel",
    )  # fmt: skip
    message = await Message.create(session_id=active.id, role=MessageRole.ADVISOR,
                                   content=f"{marker} advice")  # fmt: skip
    pending = await setups.propose_change(
        racer.id, active.id, "rear_shock_oil", 450, source=ChangeSource.ADVISOR,
        reasoning=f"{marker} reason", rule_id="rear-oil", message_id=message.id,
    )  # fmt: skip
    run = await RunResult.create(session_id=active.id, heat_name=f"{marker} heat",
                                 lap_times=[31.2, 30.8], best_lap=30.8)  # fmt: skip
    await drafts.save_draft(racer.id, "garage.add_car", {"brand": marker})
    return Notebook(
        profile_id=racer.id, vehicle_id=car.id, other_vehicle_id=other.id,
        session_id=active.id, completed_session_id=completed.id, draft_session_id=draft.id,
        change_id=pending.id, accepted_change_id=accepted.id, message_id=message.id,
        run_id=run.id, marker=marker,
    )  # fmt: skip


async def rows_of(profile_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row, every column, of every table that belongs to one racer."""
    owned = {}
    for _, model in sorted(Tortoise.apps["models"].items()):
        columns = model._meta.fields_db_projection
        if model is RacerProfile:
            query = model.filter(id=profile_id)
        elif "profile_id" in columns:
            query = model.filter(profile_id=profile_id)
        elif "session_id" in columns:
            query = model.filter(session__profile_id=profile_id)
        else:
            continue
        owned[model._meta.db_table] = await query.order_by("id").values()
    return owned
