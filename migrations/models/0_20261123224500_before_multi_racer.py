"""The schema before multi-racer support: every table, racer_profiles without is_default.

SQL is keyed by dialect so that one history serves SQLite and PostgreSQL.
"""

from tortoise import BaseDBAsyncClient

from migrations.atomic import run_statements

RUN_IN_TRANSACTION = True

_TABLES = """
CREATE TABLE IF NOT EXISTS "racer_profiles" (
    "id" {pk},
    "name" VARCHAR(60) NOT NULL,
    "email" VARCHAR(255),
    "facebook" VARCHAR(255),
    "instagram" VARCHAR(255),
    "sponsors" {json} NOT NULL,
    "created_at" {ts} NOT NULL,
    "updated_at" {ts} NOT NULL
);
CREATE TABLE IF NOT EXISTS "vehicles" (
    "id" {pk},
    "brand" VARCHAR(60) NOT NULL,
    "model" VARCHAR(60) NOT NULL,
    "nickname" VARCHAR(60),
    "transponder" VARCHAR(20),
    "reference_setup" {json} NOT NULL,
    "created_at" {ts} NOT NULL,
    "updated_at" {ts} NOT NULL,
    "profile_id" INT NOT NULL REFERENCES "racer_profiles" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_vehicles_profile_89ae5d" UNIQUE ("profile_id", "brand", "model")
);
CREATE TABLE IF NOT EXISTS "sessions" (
    "id" {pk},
    "name" VARCHAR(100) NOT NULL,
    "session_type" VARCHAR(30) NOT NULL,
    "session_date" DATE NOT NULL,
    "track_context" {json} NOT NULL,
    "racing_classes" {json} NOT NULL,
    "actual_setup" {json} NOT NULL,
    "status" VARCHAR(20) NOT NULL,
    "practice_rounds" SMALLINT NOT NULL,
    "qualifying_rounds" SMALLINT NOT NULL,
    "created_at" {ts} NOT NULL,
    "updated_at" {ts} NOT NULL,
    "profile_id" INT NOT NULL REFERENCES "racer_profiles" ("id") ON DELETE CASCADE,
    "vehicle_id" INT NOT NULL REFERENCES "vehicles" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "messages" (
    "id" {pk},
    "role" VARCHAR(20) NOT NULL,
    "content" TEXT NOT NULL,
    "created_at" {ts} NOT NULL,
    "session_id" INT NOT NULL REFERENCES "sessions" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "run_results" (
    "id" {pk},
    "heat_name" VARCHAR(60) NOT NULL,
    "racing_class" VARCHAR(60),
    "lap_times" {json} NOT NULL,
    "best_lap" {float},
    "average_lap" {float},
    "consistency" {float},
    "created_at" {ts} NOT NULL,
    "session_id" INT NOT NULL REFERENCES "sessions" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "setup_changes" (
    "id" {pk},
    "parameter" VARCHAR(40) NOT NULL,
    "old_value" {json},
    "new_value" {json},
    "source" VARCHAR(20) NOT NULL,
    "reasoning" TEXT NOT NULL,
    "status" VARCHAR(20) NOT NULL,
    "best_lap_before" {float},
    "best_lap_after" {float},
    "created_at" {ts} NOT NULL,
    "decided_at" {ts},
    "session_id" INT NOT NULL REFERENCES "sessions" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_vehicles_profile" ON "vehicles" ("profile_id");
CREATE INDEX IF NOT EXISTS "idx_sessions_profile" ON "sessions" ("profile_id");
CREATE INDEX IF NOT EXISTS "idx_sessions_vehicle" ON "sessions" ("vehicle_id");
CREATE INDEX IF NOT EXISTS "idx_messages_session" ON "messages" ("session_id");
CREATE INDEX IF NOT EXISTS "idx_run_results_session" ON "run_results" ("session_id");
CREATE INDEX IF NOT EXISTS "idx_setup_changes_session" ON "setup_changes" ("session_id");
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" {pk},
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" {json} NOT NULL
);
"""

_TYPES = {
    "sqlite": {"pk": "INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", "json": "JSON",
               "ts": "TIMESTAMP", "float": "REAL"},
    "postgres": {"pk": "SERIAL NOT NULL PRIMARY KEY", "json": "JSONB",
                 "ts": "TIMESTAMPTZ", "float": "DOUBLE PRECISION"},
}


async def upgrade(db: BaseDBAsyncClient) -> str:
    return await run_statements(db, _TABLES.format(**_TYPES[db.capabilities.dialect]))


async def downgrade(db: BaseDBAsyncClient) -> str:
    return await run_statements(db, """
DROP TABLE IF EXISTS "setup_changes";
DROP TABLE IF EXISTS "run_results";
DROP TABLE IF EXISTS "messages";
DROP TABLE IF EXISTS "sessions";
DROP TABLE IF EXISTS "vehicles";
DROP TABLE IF EXISTS "racer_profiles";
""")


MODELS_STATE = (
    "eJztXW1v2zYQ/iuEvqwDuqBN0nTIhgGqo27eHDuw3a7bMgi0RNtCJFIlpaRGl/8+kpKsF0"
    "uOlNiZrPFLG5O8E/0cX+4e8uSvmkds5LKjS8QYXCDtHHzVMPTEH8Wql0CDvp9WiIIAztyo"
    "bdRIFsIZCyi0Al4+hy5DvMhGzKKOHzgEi9YjjIDr8H/IHARLBKB96zBCgUXwLaIMinaiDg"
    "LG9fIPR0KvTSyu2MGLx6sIsfM5RGZAFogLUa7or795sYNt9IV3Pv7o35hzB7l2Dg3HFgpk"
    "uRmsfFnWx8F72VD0bmZaxA09nDb2V8GS4HVrBweidIEwojBAQn1AQwEPDl03RjJBLOpp2i"
    "TqYkbGRnMYugJkIR11IC3TTHM4mpoTY2qa2oYBEokMoHERh08Yj3eVyW8vh8R3x69P355+"
    "f3J2+j1vIru5Lnl7Hz06BSYSlPAMp9q9rIcBjFpIjFNQKXHRJqy9JaQGDj2JbZ93CGILbW"
    "CcyBZQ5t0vopxgug3mpCDFOR27jwdaG+s9Y3wO+HRA9BrrFx/7kxH/HI/W4qiuMIIHv5gu"
    "wotgKZB/tQXxj/q494s+fnH86luhm/DnRvNzGNccyyphlNQI/HEBisZm3g5T9KVifGdE2g"
    "x/7XG+BdKp8WkqNHuMfXazUL641D9JlL1VXDMYDX9Ommeg7w1G74qQUyTAMWEJ6he8JnA8"
    "VIF8TrIAvh2LHiV/HKApNP4F7RF2V/FSt800/UtjMtUvr3L2udCnhqg5ztkmKX1xVpgZay"
    "Xg9/70FyA+gj9HQ0PCS1iwoPKJabvpn5roEwwDYmJyZ0I7syonpQlqOavHO5HZaCvJCz28"
    "pRyCiXewq4h9en5TuqnEiG1i/J5Q5Czwb2i1sbMUcI1dnzFftieptgOD+T4ZSklpOkwpvF"
    "u7OIURxv/g3x0F0U6sT3r6haFJuGfQurmD1DZzuIsackwKJeu2m1XesVcsgZj7jnb8RUS3"
    "S/Av8UwL5qn2TuNvWNM71YENVwAG0q8UbW/AnRMsAeHepgXpEdCBT8nccRFYQiYaenydkN"
    "Vcr3OLqr3W3apW3my7vFn5f6k3W45r0r4TLlTeS339qo6byltV+qmy7r50/5RANcC5KNdB"
    "vE/qwH1SjfZJJdjClSx3UreDnchtc1EPEPYtMAsXswCiXOJNGS19KXH1f52MhuUobggWYX"
    "SsAPwDXIftzQHUfpyH2JI8yix03MDB7Eg89ift+aEVQG0PworxVsF7FwqKQRiX4N0xLRcy"
    "FjFXda2zKdkO84jndcY83OEJoWsyFIR+E+MU5dphmk7NHB43BWHJjKlH3KXSz7cRazaF86"
    "Ah/trFWH8/PQdS9hrrvWn/o3Eee+LXuDe6vBoYU+PiHFjE80XMZPNWHF3ejBdCai15Q7sd"
    "LJ8vgh7HQiYlIbZLjDfxoOtWxgAl4s/HRbzab0Bwcvz2bB0LiA/bwoDJpT4YJLFACu9nvu"
    "Y485XYFh4HcKkCBbEiTf/npGno24+0el5SWb0tVk8wypg97n12t5IsWDOqPC+kqHJtcw29"
    "RUvHaoprXkjh+vARRDwSd3QEQa9SdQeGc90ziPzULT+DKBnHOwD4Y6qpo9jmp2/T853MqU"
    "vmjk8e9Hex5PvfxsiVV2+q8c5cJ+oI3nlSCTH+0CdiNA7xWOrpKkrWEuInj6SJYHh6UlOX"
    "cNr3gep6N6k4Uc3uNtVHqvJGkxkv27UPVqXUERjdYQbiZYm9TM40GYDYBugWUW5uDh2YIZ"
    "fciaNS7weASVTmMMCWkCK77HB11+rVAas6YG3NgpEnCM/qEIRn1QTh2QZBiDzouE3QXQs8"
    "Ct54XLYT3eM3b+rwr2/eVBOwoi4P8JyvTjNCbppgnJVRMNeC2REu/4JCrwnOOSEFdC2gmc"
    "8fSWijk9OsTDsO5jp1Zqoo8uoJcZhkqaLI/49Wr6LINyjHOrxN9vbrEziJTt6FLiMVnwhU"
    "9wjF/VISa66rjI/IEmFbyIgQmxni7WEmYgB9IFY0JlIExe1qrgEQCpZ8E9wkFh5srXiCdv"
    "EEwjBmU7IgJ6QYgxqMQfYaZBOki3Ldi7d2j7ULfVOuQU2irZyQCrd2Hm7NEAtMDnLJMaRL"
    "YMUinhUq2GQupA5v7G+7Ez/68G5ggKux0etP+rEJ1l60rBRFvMCJTiTHhj4oXgS+5VgsUG"
    "OgC3IK6xpYi6fxGYqwtWqEdUFOYV0Ha0XWdCxsV0ngrbmBpZLAu5IEnr3mUUIRFG6BbEsC"
    "5w3NzM2Teu8pigRAQNJXCX3DQJRkBKTOlyJnm68SyBakgAdtrklmdTsBAyQMLMIX4w1SYc"
    "e6FQXRLgrCh5T/FSDaJDDOCXWQgjitExafVofFpxthMeFqbqEbljA91WFxTuhJYfHhOKx7"
    "iX8xumuOfk5Iof+ELEwSUuvRr09Lpdu80GjFV6Zd40t9+EEfnPPNEPNt8hoP+u/G+viPcz"
    "5qZhTSVXGnrXU/YufpljyAYQSLHmzYp/q1ajmhZ0yO/Q/4uL28Vu0A85J9hO3Y4E2mxZUx"
    "vOgPfz4HsbzITu4ZVzIZGVoW8mUu8oUx7IsSG2GnLXnICf1pztCch2KPok4zsoppqsE0rX"
    "GD81KPtA7ka1GFuOL2FLeXoJazuo0sx36U1fOSO7D64Uy3Nhm55N6VYnAVg9uGqXPADG5y"
    "I66Evc1clqtmbrP38upkmVmQAgcDGOWDfcPAAoqD4AxzStEcUcQHDXhxrbEl8Xk0ybh/c6"
    "19G/GuZdllu1JbQtX+lc0Y51EsljaUUGh/Kx73P+Rx18aoy+GuBdpMq7TmWlM0xBvAuxZQ"
    "8NaAFzvWTeOkyYyMupn3MMb8UVikNdnNznoKYt1Deh+cary9Nn8pZIloO+5Dduq9kIr1qJ"
    "4b3WU9VPpZ16xelX6m3tC2nwBEvUnsed8kprImW5wQqCPqWEuthCyKa15u44pg2uYhpqga"
    "BnWZrl0kjPhFx1IquDq8yoh0kCnYy/s8xKRqgHDcvIPo7uXHayp/ZbE6aK3+lcVnCFYP/K"
    "Jcgzcl7H4zu/8XybFiaA=="
)
