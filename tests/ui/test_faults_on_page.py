"""Failures while Pitbox runs are said on the page, never swallowed (both databases)."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import asyncpg
from nicegui.testing import User
from tortoise import connections

from models import Vehicle
from services import database, garage
from tests.ui.test_racer_selector import open_app


async def fill_add_car(user: User) -> None:
    user.find(marker="garage.add_car.brand").type("Tekno")
    user.find(marker="garage.add_car.model").type("NB48 2.2")
    user.find(marker="add-car-submit").click()


async def test_an_unexpected_error_says_nothing_was_saved_and_is_logged(
    user: User, monkeypatch, caplog
):
    await open_app(user)

    async def broken(*args, **kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(garage, "add_vehicle", broken)
    caplog.set_level(logging.ERROR)
    await fill_add_car(user)

    await user.should_see("Something went wrong; nothing was saved.", retries=50)
    assert "Traceback" in caplog.text and "the disk is on fire" in caplog.text
    assert await Vehicle.all().count() == 0
    caplog.clear()  # the logged error was the point


@asynccontextmanager
async def read_only(database_url: str):
    """Make the app's database refuse writes, for real, then give writes back."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "sqlite":
        await connection.execute_script("PRAGMA query_only = ON")
        try:
            yield
        finally:
            await connection.execute_script("PRAGMA query_only = OFF")
        return
    name = urlsplit(database_url).path.strip("/")
    admin = await asyncpg.connect(
        database_url.split("?")[0].replace("postgres://", "postgresql://")
    )
    try:
        await admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        await connection._pool.expire_connections()  # new connections take the setting
        try:
            yield
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
            await connection._pool.expire_connections()
    finally:
        await admin.close()


async def test_a_read_only_database_says_so_when_saving(user: User, app_environment, caplog):
    await open_app(user)

    async with read_only(app_environment):
        await fill_add_car(user)
        await user.should_see(database.READ_ONLY_MESSAGE, retries=50)

    assert await Vehicle.all().count() == 0
    assert "Traceback" in caplog.text
    caplog.clear()  # the logged error was the point
