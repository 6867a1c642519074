"""The aerich migrations, on SQLite and on PostgreSQL, run against databases that hold rows.

Each migration is checked for what it promises: rows kept, the right default racer picked,
data fixed up before the new unique indexes, an exact downgrade, an all-or-nothing upgrade,
and a final schema that matches the models.

Rows are written with raw SQL (the models have columns that older schemas lack), through a
Tortoise connection so that both dialects raise ``tortoise.exceptions.IntegrityError``.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aerich import Command
from aerich.migrate import Migrate
from tortoise import BaseDBAsyncClient, Tortoise, connections
from tortoise.context import TortoiseContext
from tortoise.exceptions import IntegrityError

from services import database

MIGRATIONS_DIR = Path(database.MIGRATIONS_DIR)
MIGRATION_FILES = sorted(
    (p.name for p in (MIGRATIONS_DIR / database.APP).glob("[0-9]*_*.py")),
    key=lambda name: int(name.split("_", 1)[0]),
)

# The tables of migration 0 and the columns racer_profiles had before multi-racer support.
TABLES_AT_0 = ("racer_profiles", "vehicles", "sessions", "setup_changes", "messages", "run_results")
PROFILE_COLUMNS_AT_0 = {
    "id",
    "name",
    "email",
    "facebook",
    "instagram",
    "sponsors",
    "created_at",
    "updated_at",
}

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


# --- helpers -------------------------------------------------------------------------------


async def isolated(call, *args):
    """Run one ``services.database`` call in a Tortoise context of its own.

    Each call opens aerich's Command in the *current* Tortoise context and closes its
    connections on exit, but the context stays marked as initialised; a second call in the same
    task then skips ``Tortoise.init`` and fails with "DB configuration not initialised" (see
    ``test_service_calls_can_follow_each_other_in_one_task``).
    """
    with TortoiseContext():
        return await call(*args)


def migrations_copy(tmp_path: Path, up_to: int | None = None) -> Path:
    """A copy of the migrations folder (optionally only migrations 0..up_to) under tmp_path."""
    location = tmp_path / f"migrations-{'all' if up_to is None else up_to}"
    (location / database.APP).mkdir(parents=True)
    for name in MIGRATION_FILES:
        if up_to is None or int(name.split("_", 1)[0]) <= up_to:
            shutil.copy(MIGRATIONS_DIR / database.APP / name, location / database.APP / name)
    return location


@asynccontextmanager
async def aerich_command(url: str, location: Path) -> AsyncIterator[Command]:
    with TortoiseContext():
        async with Command(
            tortoise_config=database.tortoise_config(url), app=database.APP, location=str(location)
        ) as command:
            yield command


async def migrate_up_to(url: str, version: int, tmp_path: Path) -> list[str]:
    """Bring a database to exactly ``version`` by upgrading from a truncated migrations copy."""
    async with aerich_command(url, migrations_copy(tmp_path, up_to=version)) as command:
        return await command.upgrade(run_in_transaction=True)


class Raw:
    """Raw SQL on one Tortoise connection, with the placeholders of its dialect."""

    def __init__(self, connection: BaseDBAsyncClient) -> None:
        self.connection = connection
        self.dialect = connection.capabilities.dialect

    def mark(self, position: int) -> str:
        """The placeholder for the 1-based ``position``-th value: ``?`` or ``$n``."""
        return "?" if self.dialect == "sqlite" else f"${position}"

    def _placeholders(self, count: int) -> str:
        return ", ".join(self.mark(i + 1) for i in range(count))

    def _value(self, value: Any) -> Any:
        if isinstance(value, dict | list):
            return json.dumps(value)
        if self.dialect == "sqlite" and isinstance(value, datetime | date):
            return value.isoformat()  # how SQLite keeps dates: ISO text, sortable
        return value

    async def execute(self, sql: str, *values: Any) -> None:
        await self.connection.execute_query(sql, [self._value(v) for v in values])

    async def query(self, sql: str, *values: Any) -> list[dict]:
        return await self.connection.execute_query_dict(sql, [self._value(v) for v in values])

    async def insert(self, table: str, **values: Any) -> int:
        columns = ", ".join(f'"{c}"' for c in values)
        sql = (
            f'INSERT INTO "{table}" ({columns}) VALUES ({self._placeholders(len(values))}) '
            'RETURNING "id"'
        )
        return (await self.query(sql, *values.values()))[0]["id"]

    async def columns(self, table: str) -> set[str]:
        if self.dialect == "sqlite":
            return {row["name"] for row in await self.query(f'PRAGMA table_info("{table}")')}
        rows = await self.query(
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_schema = current_schema() AND table_name = {self.mark(1)}",
            table,
        )
        return {row["column_name"] for row in rows}

    async def tables(self) -> set[str]:
        if self.dialect == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            return {row["name"] for row in await self.query(sql)}
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        return {row["tablename"] for row in await self.query(sql)}

    async def indexes(self) -> set[str]:
        if self.dialect == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'index'"
            return {row["name"] for row in await self.query(sql)}
        sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        return {row["indexname"] for row in await self.query(sql)}

    async def schema(self) -> dict[str, set[str]]:
        """Every table with its columns, plus every index: to compare two schemas."""
        shape = {table: await self.columns(table) for table in await self.tables()}
        shape["<indexes>"] = await self.indexes()
        return shape

    async def rows(self, table: str, columns: set[str] | None = None) -> list[dict]:
        selected = ", ".join(f'"{c}"' for c in sorted(columns)) if columns else "*"
        return await self.query(f'SELECT {selected} FROM "{table}" ORDER BY "id"')

    async def applied(self) -> list[str]:
        rows = await self.query('SELECT "version" FROM "aerich" ORDER BY "id"')
        return [row["version"] for row in rows]

    async def default_names(self) -> list[str]:
        rows = await self.query(
            'SELECT "name" FROM "racer_profiles" WHERE "is_default" = TRUE ORDER BY "id"'
        )
        return [row["name"] for row in rows]


@asynccontextmanager
async def raw(url: str) -> AsyncIterator[Raw]:
    with TortoiseContext():
        await Tortoise.init(config=database.tortoise_config(url))
        try:
            yield Raw(connections.get("default"))
        finally:
            await Tortoise.close_connections()


async def add_profile(db: Raw, name: str, created: datetime, **extra: Any) -> int:
    return await db.insert(
        "racer_profiles",
        name=name,
        email=f"{name.lower().replace(' ', '.')}@example.org",
        sponsors=["Team " + name],
        created_at=created,
        updated_at=created,
        **extra,
    )


async def add_garage(db: Raw, profile_id: int, created: datetime, status: str = "completed"):
    """A vehicle and a session for the profile, with one row in each table below a session."""
    vehicle = await db.insert(
        "vehicles",
        brand="Xray",
        model=f"XB4-{profile_id}-{created:%j%H%M%S}",
        reference_setup={"camber_front": -1.5},
        created_at=created,
        updated_at=created,
        profile_id=profile_id,
    )
    session = await db.insert(
        "sessions",
        name=f"Club race {created:%d %b}",
        session_type="race",
        session_date=created.date(),
        track_context={"surface": "carpet"},
        racing_classes=["2WD"],
        actual_setup={"camber_front": -1.5},
        status=status,
        practice_rounds=2,
        qualifying_rounds=3,
        created_at=created,
        updated_at=created,
        profile_id=profile_id,
        vehicle_id=vehicle,
    )
    await db.insert(
        "setup_changes",
        parameter="camber_front",
        old_value=json.dumps(-1.5),  # JSON columns take JSON text on both dialects
        new_value=json.dumps(-2.0),
        source="manual",
        reasoning="more front grip",
        status="accepted",
        best_lap_before=14.2,
        best_lap_after=13.9,
        created_at=created,
        decided_at=created,
        session_id=session,
    )
    await db.insert(
        "messages",
        role="racer",
        content="Pushes in mid-corner",
        created_at=created,
        session_id=session,
    )
    await db.insert(
        "run_results",
        heat_name="Q1",
        racing_class="2WD",
        lap_times=[14.1, 13.9, 14.0],
        best_lap=13.9,
        average_lap=14.0,
        consistency=0.98,
        created_at=created,
        session_id=session,
    )
    return vehicle, session


async def populate(db: Raw, profiles: list[tuple[str, datetime]]) -> dict[str, int]:
    """Profiles in the given order, each with a garage; returns their ids by name."""
    ids = {}
    for name, created in profiles:
        ids[name] = await add_profile(db, name, created)
        await add_garage(db, ids[name], created, status="active")
    return ids


async def snapshot(db: Raw, columns: dict[str, set[str]] | None = None) -> dict[str, list[dict]]:
    """Every row of the migration-0 tables (only the given columns, when given)."""
    columns = columns or {}
    return {table: await db.rows(table, columns.get(table)) for table in TABLES_AT_0}


@pytest.fixture
async def url_at_0(empty_database_url, tmp_path) -> str:
    """A database at migration 0 only: the schema before multi-racer support."""
    await migrate_up_to(empty_database_url, 0, tmp_path)
    return empty_database_url


@pytest.fixture
async def url_at_1(empty_database_url, tmp_path) -> str:
    """A database at migrations 0 and 1, before migration 2."""
    await migrate_up_to(empty_database_url, 1, tmp_path)
    return empty_database_url


@pytest.fixture
async def url_at_2(empty_database_url, tmp_path) -> str:
    """A database at migrations 0 to 2, before migration 3."""
    await migrate_up_to(empty_database_url, 2, tmp_path)
    return empty_database_url


# --- tests ---------------------------------------------------------------------------------


def test_the_migration_history_is_the_expected_migrations():
    # The tests below rely on migration 0 being the old schema, 1 the default flag, 2 the drafts,
    # 3 the racing workspace.
    assert [name.split("_", 1)[0] for name in MIGRATION_FILES] == ["0", "1", "2", "3"]


async def test_upgrade_from_empty_applies_all_and_leaves_nothing_pending(empty_database_url):
    assert await isolated(database.pending_migrations, empty_database_url) == MIGRATION_FILES

    assert await isolated(database.apply_migrations, empty_database_url) == MIGRATION_FILES

    assert await isolated(database.pending_migrations, empty_database_url) == []
    async with raw(empty_database_url) as db:
        assert await db.applied() == MIGRATION_FILES
        assert set(TABLES_AT_0) | {"form_drafts", "aerich"} <= await db.tables()
        assert "is_default" in await db.columns("racer_profiles")


async def test_upgrade_from_0_keeps_every_row_of_every_table(url_at_0):
    async with raw(url_at_0) as db:
        await populate(db, [("Alice", at(0)), ("Default Racer", at(1)), ("Bob", at(2))])
        columns = {table: await db.columns(table) for table in TABLES_AT_0}
        before = await snapshot(db)
    assert all(len(rows) == 3 for rows in before.values())  # every table holds rows

    assert await isolated(database.apply_migrations, url_at_0) == MIGRATION_FILES[1:]

    async with raw(url_at_0) as db:
        # Same rows, same values, compared on the columns that existed before.
        assert await snapshot(db, columns) == before


@pytest.mark.parametrize(
    ("profiles", "expected_default"),
    [
        pytest.param(
            [("Alice", at(0)), ("Default Racer", at(5)), ("Bob", at(2))],
            ["Default Racer"],
            id="a profile named Default Racer wins over older ones",
        ),
        pytest.param(
            # Alice has the lowest id but is the newest; Bob and Carol tie on created_at.
            [("Alice", at(9)), ("Bob", at(1)), ("Carol", at(1))],
            ["Bob"],
            id="otherwise the oldest by created_at then by id",
        ),
        pytest.param(
            [("Alice", at(9)), ("Bob", at(1)), ("Default racer", at(5))],
            ["Bob"],
            id="only the exact name Default Racer counts",
        ),
        pytest.param([], [], id="no profiles: nothing is default"),
    ],
)
async def test_upgrade_from_0_marks_exactly_one_default(url_at_0, profiles, expected_default):
    async with raw(url_at_0) as db:
        await populate(db, profiles)

    await isolated(database.apply_migrations, url_at_0)

    async with raw(url_at_0) as db:
        assert await db.default_names() == expected_default
        assert await db.applied() == MIGRATION_FILES


async def test_migration_2_keeps_only_the_newest_active_session_per_profile(url_at_1):
    async with raw(url_at_1) as db:
        alice = await add_profile(db, "Alice", at(0))
        bob = await add_profile(db, "Bob", at(0))
        _, old_active = await add_garage(db, alice, at(1), status="active")
        _, new_active = await add_garage(db, alice, at(2), status="active")
        _, bobs_active = await add_garage(db, bob, at(1), status="active")
        _, draft = await add_garage(db, alice, at(3), status="draft")
        counts = {table: len(await db.rows(table)) for table in TABLES_AT_0}

    await isolated(database.apply_migrations, url_at_1)

    async with raw(url_at_1) as db:
        status = {row["id"]: row["status"] for row in await db.rows("sessions")}
        assert status == {
            old_active: "completed",
            new_active: "active",
            bobs_active: "active",  # one active session per profile, not per database
            draft: "draft",
        }
        assert {table: len(await db.rows(table)) for table in TABLES_AT_0} == counts


async def test_migration_2_renames_names_that_differ_only_by_case(url_at_1):
    async with raw(url_at_1) as db:
        first = await add_profile(db, "Alice", at(0))
        second = await add_profile(db, "ALICE", at(1))
        other = await add_profile(db, "Bob", at(2))

    await isolated(database.apply_migrations, url_at_1)

    async with raw(url_at_1) as db:
        names = {row["id"]: row["name"] for row in await db.rows("racer_profiles")}
        assert names == {first: "Alice", second: f"ALICE ({second})", other: "Bob"}


async def test_downgrade_then_upgrade_loses_nothing(url_at_0):
    async with raw(url_at_0) as db:
        await populate(db, [("Alice", at(0)), ("Default Racer", at(3)), ("Bob", at(1))])
    await isolated(database.apply_migrations, url_at_0)
    async with raw(url_at_0) as db:
        upgraded = await snapshot(db)
        assert await db.default_names() == ["Default Racer"]

    undone = await isolated(database.downgrade_to, url_at_0, 1)

    assert undone == MIGRATION_FILES[:0:-1]  # 2 then 1, newest first
    async with raw(url_at_0) as db:
        assert await db.applied() == MIGRATION_FILES[:1]
        assert "is_default" not in await db.columns("racer_profiles")
    await isolated(database.apply_migrations, url_at_0)
    async with raw(url_at_0) as db:
        # Every row back, is_default included: the same profile is the default again.
        assert await snapshot(db) == upgraded
        assert await db.applied() == MIGRATION_FILES


async def test_downgrade_of_migration_1_drops_the_index_and_column_and_nothing_else(
    url_at_0, tmp_path
):
    async with raw(url_at_0) as db:
        await populate(db, [("Alice", at(0)), ("Bob", at(1))])
        schema_at_0 = await db.schema()
        rows_at_0 = await snapshot(db)
    assert schema_at_0["racer_profiles"] == PROFILE_COLUMNS_AT_0
    async with aerich_command(url_at_0, migrations_copy(tmp_path, up_to=1)) as command:
        await command.upgrade(run_in_transaction=True)
    async with raw(url_at_0) as db:
        assert "uq_racer_profiles_one_default" in await db.indexes()

    async with aerich_command(url_at_0, migrations_copy(tmp_path)) as command:
        assert await command.downgrade(version=1, delete=False) == [MIGRATION_FILES[1]]

    async with raw(url_at_0) as db:
        assert await db.schema() == schema_at_0
        assert await snapshot(db) == rows_at_0
        assert await db.applied() == MIGRATION_FILES[:1]


async def test_database_rejects_a_second_default_profile(migrated_database_url):
    async with raw(migrated_database_url) as db:
        await add_profile(db, "Alice", at(0), is_default=True)
        bob = await add_profile(db, "Bob", at(1), is_default=False)  # non-defaults are free

        with pytest.raises(IntegrityError):
            await db.execute(
                f'UPDATE "racer_profiles" SET "is_default" = TRUE WHERE "id" = {db.mark(1)}', bob
            )
        with pytest.raises(IntegrityError):
            await add_profile(db, "Carol", at(2), is_default=True)
        assert await db.default_names() == ["Alice"]


async def test_database_rejects_a_second_active_session_for_one_profile(migrated_database_url):
    async with raw(migrated_database_url) as db:
        alice = await add_profile(db, "Alice", at(0))
        bob = await add_profile(db, "Bob", at(0))
        await add_garage(db, alice, at(1), status="active")
        await add_garage(db, alice, at(2), status="completed")
        await add_garage(db, bob, at(1), status="active")  # another profile may have its own

        with pytest.raises(IntegrityError):
            await add_garage(db, alice, at(3), status="active")
        active = await db.query('SELECT COUNT(*) AS n FROM "sessions" WHERE "status" = \'active\'')
        assert active[0]["n"] == 2


async def test_database_rejects_a_profile_name_differing_only_by_case(migrated_database_url):
    async with raw(migrated_database_url) as db:
        await add_profile(db, "Alice", at(0))
        await add_profile(db, "Alicia", at(1))

        with pytest.raises(IntegrityError):
            await add_profile(db, "aLiCe", at(2))
        assert [row["name"] for row in await db.rows("racer_profiles")] == ["Alice", "Alicia"]


# A trigger that undoes whatever marks a profile as default, so that migration 1 finds no
# default after marking one: its verification must then abort the whole migration.
_UNDO_DEFAULT_TRIGGER = {
    "sqlite": [
        """CREATE TRIGGER "undo_default" AFTER UPDATE ON "racer_profiles"
        BEGIN UPDATE "racer_profiles" SET "is_default" = 0 WHERE "id" = NEW."id"; END""",
    ],
    "postgres": [
        """CREATE FUNCTION undo_default() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN NEW.is_default := FALSE; RETURN NEW; END $$""",
        """CREATE TRIGGER "undo_default" BEFORE UPDATE ON "racer_profiles"
        FOR EACH ROW EXECUTE FUNCTION undo_default()""",
    ],
}

_DROP_TRIGGER = {
    "sqlite": 'DROP TRIGGER "undo_default"',
    "postgres": 'DROP TRIGGER "undo_default" ON "racer_profiles"',
}


async def test_migration_1_rolls_back_completely_when_verification_fails(url_at_0):
    async with raw(url_at_0) as db:
        await populate(db, [("Alice", at(0)), ("Bob", at(1))])
        schema_before = await db.schema()
        rows_before = await snapshot(db)
        for statement in _UNDO_DEFAULT_TRIGGER[db.dialect]:
            await db.execute(statement)

    with pytest.raises(Exception, match="Expected exactly one default profile among 2, found 0"):
        await isolated(database.apply_migrations, url_at_0)

    async with raw(url_at_0) as db:
        # Not even the first statement (ADD COLUMN) survived, on SQLite too.
        assert await db.columns("racer_profiles") == PROFILE_COLUMNS_AT_0
        assert await db.schema() == schema_before
        assert await snapshot(db) == rows_before
        assert await db.applied() == MIGRATION_FILES[:1]
        await db.execute(_DROP_TRIGGER[db.dialect])
    # Without the sabotage the same database migrates: the failure came from the check.
    assert await isolated(database.apply_migrations, url_at_0) == MIGRATION_FILES[1:]


def _reset_aerich_diff_state(monkeypatch) -> None:
    # Migrate keeps its pending operators in class attributes that are never cleared.
    for name in (
        "upgrade_operators",
        "downgrade_operators",
        "_upgrade_fk_m2m_index_operators",
        "_downgrade_fk_m2m_index_operators",
        "_upgrade_m2m",
        "_downgrade_m2m",
    ):
        monkeypatch.setattr(Migrate, name, [])
    monkeypatch.setattr(Migrate, "_rename_fields", {})
    monkeypatch.setattr(Migrate, "_rename_models", {})


def _listing(location: Path) -> list[str]:
    """The files of a migrations location's app folder."""
    return sorted(p.name for p in (location / database.APP).iterdir() if p.is_file())


async def test_migrated_schema_matches_the_models(migrated_database_url, tmp_path, monkeypatch):
    """aerich compares the models with the state the last migration recorded: no difference."""
    location = migrations_copy(tmp_path)  # if there is a diff, aerich writes a file here
    repo_files = _listing(MIGRATIONS_DIR)
    _reset_aerich_diff_state(monkeypatch)

    async with aerich_command(migrated_database_url, location) as command:
        generated = await command.migrate(name="check", no_input=True)

    assert not generated, f"models differ from the migrations; aerich generated {generated}"
    assert _listing(location) == MIGRATION_FILES  # nothing generated
    assert _listing(MIGRATIONS_DIR) == repo_files


async def test_schema_check_detects_a_model_field_the_migrations_lack(
    migrated_database_url, tmp_path, monkeypatch
):
    """The check above can fail: hide is_default from the recorded state and aerich sees it."""
    location = migrations_copy(tmp_path)
    repo_files = _listing(MIGRATIONS_DIR)
    _reset_aerich_diff_state(monkeypatch)

    async with aerich_command(migrated_database_url, location) as command:
        recorded = copy.deepcopy(Migrate._last_version_content)
        profile = recorded["models.RacerProfile"]
        profile["data_fields"] = [f for f in profile["data_fields"] if f["name"] != "is_default"]
        monkeypatch.setattr(Migrate, "_last_version_content", recorded)
        generated = await command.migrate(name="check", no_input=True)

    assert generated and generated.startswith(f"{len(MIGRATION_FILES)}_")
    assert "is_default" in (location / database.APP / generated).read_text()
    assert _listing(MIGRATIONS_DIR) == repo_files  # nothing written into the repository


async def test_service_calls_can_follow_each_other_in_one_task(empty_database_url):
    await database.apply_migrations(empty_database_url)
    assert await database.pending_migrations(empty_database_url) == []


# --- migration 3: the racing workspace ----------------------------------------------------------

TABLES_AT_2 = (*TABLES_AT_0, "form_drafts")


async def populate_at_2(db: Raw) -> dict[str, int]:
    """Two racers with rows in every table of migration 2, sessions in every status."""
    alice = await add_profile(db, "Alice", at(0), is_default=True)
    bob = await add_profile(db, "Bob", at(1), is_default=False)
    ids = {"alice": alice, "bob": bob}
    for profile, status, day in (
        (alice, "completed", 1), (alice, "active", 2), (alice, "draft", 3),
        (bob, "archived", 1), (bob, "draft", 2),
    ):  # fmt: skip
        ids[f"{profile}-{status}"] = (await add_garage(db, profile, at(day), status=status))[1]
    for profile in (alice, bob):
        await db.insert("form_drafts", form="garage.add_car", data={"brand": "Mugen"},
                        updated_at=at(4), profile_id=profile)  # fmt: skip
    return ids


async def test_upgrade_from_2_keeps_every_row_and_fills_the_new_columns(url_at_2):
    async with raw(url_at_2) as db:
        ids = await populate_at_2(db)
        columns = {table: await db.columns(table) for table in TABLES_AT_2}
        before = {table: await db.rows(table) for table in TABLES_AT_2}
    assert all(before.values())  # every table holds rows

    assert await isolated(database.apply_migrations, url_at_2) == MIGRATION_FILES[3:]

    async with raw(url_at_2) as db:
        assert {t: await db.rows(t, columns[t]) for t in TABLES_AT_2} == before
        sessions = {row["id"]: row for row in await db.rows("sessions")}
        assert {row["version"] for row in sessions.values()} == {1}
        ended = {sid for sid, row in sessions.items() if row["ended_at"] is not None}
        assert ended == {ids[f"{ids['alice']}-completed"], ids[f"{ids['bob']}-archived"]}
        for row in await db.rows("run_results"):
            assert row["updated_at"] == row["created_at"]
        changes = await db.rows("setup_changes")
        assert all(c["message_id"] is None and c["reverts_id"] is None for c in changes)
        assert {row["version"] for row in await db.rows("vehicles")} == {1}
        assert [row["pin_hash"] for row in await db.rows("racer_profiles")] == [None, None]


async def test_migration_3_keeps_only_the_newest_draft_session_per_racer(url_at_2):
    async with raw(url_at_2) as db:
        alice = await add_profile(db, "Alice", at(0), is_default=True)
        bob = await add_profile(db, "Bob", at(0), is_default=False)
        _, old_draft = await add_garage(db, alice, at(1), status="draft")
        _, new_draft = await add_garage(db, alice, at(2), status="draft")
        _, bobs_draft = await add_garage(db, bob, at(1), status="draft")
        counts = {table: len(await db.rows(table)) for table in TABLES_AT_2}

    await isolated(database.apply_migrations, url_at_2)

    async with raw(url_at_2) as db:
        status = {row["id"]: row["status"] for row in await db.rows("sessions")}
        assert status == {old_draft: "archived", new_draft: "draft", bobs_draft: "draft"}
        assert {table: len(await db.rows(table)) for table in TABLES_AT_2} == counts
        with pytest.raises(IntegrityError):  # and from now on the database holds the rule
            await add_garage(db, bob, at(3), status="draft")


async def test_downgrade_of_migration_3_restores_the_schema_and_rows_of_2(url_at_2, tmp_path):
    async with raw(url_at_2) as db:
        await populate_at_2(db)
        schema_at_2 = await db.schema()
        rows_at_2 = {table: await db.rows(table) for table in TABLES_AT_2}
    await isolated(database.apply_migrations, url_at_2)
    async with raw(url_at_2) as db:  # rows that use the new columns, then undo
        change = (await db.rows("setup_changes"))[0]["id"]
        message = (await db.rows("messages"))[0]["id"]
        await db.execute(
            f'UPDATE "setup_changes" SET "message_id" = {db.mark(1)}, "reverts_id" = {db.mark(2)}',
            message, change,
        )  # fmt: skip

    async with aerich_command(url_at_2, migrations_copy(tmp_path)) as command:
        assert await command.downgrade(version=3, delete=False) == [MIGRATION_FILES[3]]

    async with raw(url_at_2) as db:
        assert await db.schema() == schema_at_2
        assert {table: await db.rows(table) for table in TABLES_AT_2} == rows_at_2
        assert await db.applied() == MIGRATION_FILES[:3]
    # And up again: nothing stands in the way of the upgrade a second time.
    assert await isolated(database.apply_migrations, url_at_2) == MIGRATION_FILES[3:]


async def test_deleting_a_message_or_a_reverted_change_keeps_the_changes(migrated_database_url):
    async with raw(migrated_database_url) as db:
        alice = await add_profile(db, "Alice", at(0), is_default=True)
        _, session = await add_garage(db, alice, at(1), status="active")
        message = (await db.rows("messages"))[0]["id"]
        first = (await db.rows("setup_changes"))[0]["id"]
        undo = await db.insert(
            "setup_changes", parameter="camber_front", old_value="-2.0", new_value="-1.5",
            source="manual", reasoning="undo", status="accepted", created_at=at(1),
            session_id=session, reverts_id=first, message_id=message,
        )  # fmt: skip
        await db.execute(f'DELETE FROM "messages" WHERE "id" = {db.mark(1)}', message)
        await db.execute(f'DELETE FROM "setup_changes" WHERE "id" = {db.mark(1)}', first)

        (row,) = await db.rows("setup_changes")
        assert (row["id"], row["message_id"], row["reverts_id"]) == (undo, None, None)
