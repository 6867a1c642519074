"""Run a migration's SQL so that a failure leaves the database as it was, on both dialects.

aerich runs the SQL a migration returns with ``execute_script``. On SQLite that commits the
open transaction before it starts (Python's ``executescript``), so a statement failing halfway
would leave the migration half-applied. Running the statements one by one with
``execute_query`` keeps them inside aerich's transaction on SQLite and PostgreSQL alike.
"""

from tortoise import BaseDBAsyncClient

# What a migration hands back to aerich once its statements have run: a statement that does
# nothing (aerich refuses an empty downgrade and asyncpg fails on an empty or comment-only script).
ALREADY_APPLIED = "SELECT 1"


async def run_statements(db: BaseDBAsyncClient, sql: str) -> str:
    """Execute each ``;``-separated statement of ``sql`` in order (no ``;`` inside literals)."""
    for statement in sql.split(";"):
        if statement.strip():
            await db.execute_query(statement)
    return ALREADY_APPLIED
