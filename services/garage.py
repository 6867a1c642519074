"""A racer's cars. Every function takes the racer's id and refuses other racers' cars."""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError

from models import RacerProfile, Vehicle
from models.setup_sheet import SetupSheet, SetupSheetError
from services.errors import NotFoundError, ValidationError

_LIMITS = {"brand": 60, "model": 60, "nickname": 60, "transponder": 20}


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, limit in _LIMITS.items():
        value = (fields.get(key) or "").strip()
        if key in {"brand", "model"} and not value:
            errors[key] = f"{key.capitalize()} is required"
        elif len(value) > limit:
            errors[key] = f"At most {limit} characters"
        elif any(ord(ch) < 32 for ch in value):
            errors[key] = "Control characters are not allowed"
        clean[key] = value or None
    if clean.get("transponder") and not clean["transponder"].isalnum():
        errors["transponder"] = "Digits and letters only"
    if errors:
        raise ValidationError(errors)
    return clean


async def list_vehicles(profile_id: int) -> list[Vehicle]:
    """The racer's cars, by brand and model."""
    return await Vehicle.filter(profile_id=profile_id).order_by("brand", "model")


async def get_vehicle(profile_id: int, vehicle_id: int) -> Vehicle:
    """One of the racer's cars; NotFoundError for an unknown id or another racer's car."""
    vehicle = await Vehicle.get_or_none(id=vehicle_id, profile_id=profile_id)
    if vehicle is None:
        raise NotFoundError("That car is not in this racer's garage")
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
    clean = _clean(
        {"brand": brand, "model": model, "nickname": nickname, "transponder": transponder}
    )
    try:
        setup = SetupSheet.parse(reference_setup).to_json()
    except SetupSheetError as exc:
        raise ValidationError(exc.errors) from None
    if not await RacerProfile.exists(id=profile_id):
        raise NotFoundError("That racer no longer exists")
    taken = ValidationError(
        {"model": f"{clean['brand']} {clean['model']} is already in this garage"}
    )
    # Ignoring capitals, as a racer reads it: "mugen MBX8R" is the same car as "Mugen MBX8R".
    key = (clean["brand"].casefold(), clean["model"].casefold())
    existing = await Vehicle.filter(profile_id=profile_id).values_list("brand", "model")
    if any((b.casefold(), m.casefold()) == key for b, m in existing):
        raise taken
    try:
        return await Vehicle.create(profile_id=profile_id, reference_setup=setup, **clean)
    except IntegrityError:
        if not await RacerProfile.exists(id=profile_id):
            raise NotFoundError("That racer no longer exists") from None
        raise taken from None
