"""A racer's cars and their reference ("shop master") setups.

Every function takes the racer's id and refuses other racers' cars as not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise import timezone
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Message, RacerProfile, RaceSession, RunResult, SetupChange, Vehicle
from models.setup_sheet import PARAMETERS, SetupSheet
from services import profile_service, validation
from services.errors import NotFoundError, StaleWriteError, ValidationError

BRAND_MAX_LENGTH = 60
MODEL_MAX_LENGTH = 60
NICKNAME_MAX_LENGTH = 60
TRANSPONDER_MAX_LENGTH = 20

_NOT_FOUND = "That car is not in this racer's garage"
_RACER_GONE = "That racer no longer exists"
_STALE = (
    "This car's setup was changed on another screen: it has been reloaded, check it and save again"
)


@dataclass(frozen=True)
class CarDeletion:
    """What deleting a car takes with it, for the confirmation and the notice after."""

    name: str
    sessions: int
    setup_changes: int
    messages: int
    run_results: int

    @property
    def counts(self) -> dict[str, int]:
        return {
            "sessions": self.sessions,
            "setup changes": self.setup_changes,
            "messages": self.messages,
            "lap results": self.run_results,
        }


def _clean_car(values: dict[str, Any]) -> dict[str, Any]:
    fields = validation.Fields()
    clean = {
        "brand": fields.text("brand", values.get("brand"), "Brand",
                             max_length=BRAND_MAX_LENGTH, required=True),
        "model": fields.text("model", values.get("model"), "Model",
                             max_length=MODEL_MAX_LENGTH, required=True),
        "nickname": fields.text("nickname", values.get("nickname"), "Nickname",
                                max_length=NICKNAME_MAX_LENGTH),
        "transponder": fields.text("transponder", values.get("transponder"), "Transponder",
                                   max_length=TRANSPONDER_MAX_LENGTH),
    }  # fmt: skip
    if clean["transponder"] and not clean["transponder"].isalnum():
        fields.add("transponder", "Transponder: digits and letters only")
    fields.raise_if_any()
    return clean


async def _ensure_unique(profile_id: int, brand: str, model: str, except_id: int = 0) -> None:
    # Ignoring capitals, as a racer reads it: "mugen MBX8R" is the same car as "Mugen MBX8R".
    key = (brand.casefold(), model.casefold())
    existing = await (
        Vehicle.filter(profile_id=profile_id).exclude(id=except_id).values_list("brand", "model")
    )
    if any((b.casefold(), m.casefold()) == key for b, m in existing):
        raise ValidationError({"model": f"{brand} {model} is already in this garage"})


async def list_vehicles(profile_id: int) -> list[Vehicle]:
    """The racer's cars, by brand and model."""
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    return await Vehicle.filter(profile_id=profile_id).order_by("brand", "model", "id")


async def get_vehicle(profile_id: int, vehicle_id: int) -> Vehicle:
    """One of the racer's cars; NotFoundError for an unknown id or another racer's car."""
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    vehicle_id = validation.record_id(vehicle_id, _NOT_FOUND)
    vehicle = await Vehicle.get_or_none(id=vehicle_id, profile_id=profile_id)
    if vehicle is None:
        raise NotFoundError(_NOT_FOUND)
    return vehicle


async def add_vehicle(
    profile_id: int,
    brand: str,
    model: str,
    nickname: str | None = None,
    transponder: str | None = None,
    reference_setup: dict[str, Any] | None = None,
) -> Vehicle:
    """Add a car to the racer's garage; brand and model are unique within the garage."""
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    clean = _clean_car(
        {"brand": brand, "model": model, "nickname": nickname, "transponder": transponder}
    )
    setup = validation.setup_values(reference_setup)
    try:
        async with in_transaction():
            await profile_service.hold_racer(profile_id)
            await _ensure_unique(profile_id, clean["brand"], clean["model"])
            return await Vehicle.create(profile_id=profile_id, reference_setup=setup, **clean)
    except IntegrityError:
        if not await RacerProfile.exists(id=profile_id):
            raise NotFoundError(_RACER_GONE) from None
        raise ValidationError(
            {"model": f"{clean['brand']} {clean['model']} is already in this garage"}
        ) from None


async def update_vehicle(
    profile_id: int,
    vehicle_id: int,
    brand: str,
    model: str,
    nickname: str | None = None,
    transponder: str | None = None,
) -> Vehicle:
    """Change a car's brand, model, nickname or transponder."""
    vehicle = await get_vehicle(profile_id, vehicle_id)
    clean = _clean_car(
        {"brand": brand, "model": model, "nickname": nickname, "transponder": transponder}
    )
    try:
        async with in_transaction():
            await profile_service.hold_racer(profile_id)
            await _ensure_unique(profile_id, clean["brand"], clean["model"], except_id=vehicle.id)
            await Vehicle.filter(id=vehicle.id, profile_id=profile_id).update(
                **clean, updated_at=timezone.now()
            )
    except IntegrityError:
        raise ValidationError(
            {"model": f"{clean['brand']} {clean['model']} is already in this garage"}
        ) from None
    return await get_vehicle(profile_id, vehicle.id)


async def deletion_preview(profile_id: int, vehicle_id: int) -> CarDeletion:
    """What deleting the car would take with it: its sessions and everything in them."""
    vehicle = await get_vehicle(profile_id, vehicle_id)
    return CarDeletion(
        name=vehicle.display_name,
        sessions=await RaceSession.filter(vehicle_id=vehicle.id).count(),
        setup_changes=await SetupChange.filter(session__vehicle_id=vehicle.id).count(),
        messages=await Message.filter(session__vehicle_id=vehicle.id).count(),
        run_results=await RunResult.filter(session__vehicle_id=vehicle.id).count(),
    )


async def delete_vehicle(profile_id: int, vehicle_id: int) -> CarDeletion:
    """Delete a car with its sessions (foreign keys cascade); report what went."""
    async with in_transaction():
        report = await deletion_preview(profile_id, vehicle_id)
        await Vehicle.filter(id=vehicle_id, profile_id=profile_id).delete()
    return report


async def save_reference_setup(
    profile_id: int, vehicle_id: int, values: dict[str, Any], *, expected_version: int
) -> Vehicle:
    """Replace the car's reference setup with checked values.

    ``expected_version`` is the version the racer's form was loaded at: if another tab saved
    in between, StaleWriteError says so and nothing is written.
    """
    vehicle = await get_vehicle(profile_id, vehicle_id)
    setup = validation.setup_values(values)
    return await _write_reference(vehicle, setup, expected_version)


async def copy_reference_setup(
    profile_id: int,
    vehicle_id: int,
    from_vehicle_id: int,
    groups: list[str] | None = None,
    *,
    expected_version: int,
) -> Vehicle:
    """Copy another of the racer's cars' reference setup into this car's, all of it or the
    given groups (Diffs, Front, Rear, Tires, Power)."""
    vehicle = await get_vehicle(profile_id, vehicle_id)
    source = await get_vehicle(profile_id, from_vehicle_id)
    chosen = validation.setup_groups(groups)
    setup = SetupSheet.of(vehicle.reference_setup).to_json()
    copied = SetupSheet.of(source.reference_setup)
    for parameter in PARAMETERS:
        if parameter.group in chosen:
            setup[parameter.key] = copied[parameter.key]
    return await _write_reference(vehicle, validation.setup_values(setup), expected_version)


async def _write_reference(vehicle: Vehicle, setup: dict[str, Any], expected: Any) -> Vehicle:
    expected = validation.version(expected, _STALE)
    updated = await Vehicle.filter(id=vehicle.id, version=expected).update(
        reference_setup=setup, version=expected + 1, updated_at=timezone.now()
    )
    if not updated:
        raise StaleWriteError(_STALE)
    return await Vehicle.get(id=vehicle.id)


def check_car(values: dict[str, Any]) -> dict[str, Any]:
    """Brand, model, nickname and transponder cleaned by the garage's rules, without writing
    (an import checks a whole file first); ValidationError names every bad field."""
    return _clean_car(values)
