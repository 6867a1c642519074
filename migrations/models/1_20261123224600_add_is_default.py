"""Phase 4.4: multi-racer support.

Adds racer_profiles.is_default, marks "Default Racer" (else the oldest profile) as the default,
and lets the database hold at most one default through a partial unique index. Aborts unless
exactly one profile is default wherever profiles exist. The downgrade removes the index and the
column and touches nothing else.
"""

from tortoise import BaseDBAsyncClient

from migrations.atomic import ALREADY_APPLIED, run_statements

RUN_IN_TRANSACTION = True

_ADD_COLUMN = {
    "sqlite": 'ALTER TABLE "racer_profiles" ADD "is_default" INT NOT NULL DEFAULT 0;',
    "postgres": 'ALTER TABLE "racer_profiles" ADD "is_default" BOOL NOT NULL DEFAULT FALSE;',
}

_MARK_DEFAULT = """
UPDATE "racer_profiles" SET "is_default" = TRUE WHERE "id" = (
    SELECT "id" FROM "racer_profiles"
    ORDER BY CASE WHEN "name" = 'Default Racer' THEN 0 ELSE 1 END, "created_at", "id"
    LIMIT 1
);
CREATE UNIQUE INDEX "uq_racer_profiles_one_default"
    ON "racer_profiles" ("is_default") WHERE "is_default" = TRUE;
"""

_COUNT = """
SELECT COUNT(*) AS "profiles",
       COALESCE(SUM(CASE WHEN "is_default" = TRUE THEN 1 ELSE 0 END), 0) AS "defaults"
FROM "racer_profiles"
"""


class DefaultProfileMigrationError(RuntimeError):
    pass


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Verified inside aerich's transaction: raising here rolls the whole migration back.
    await run_statements(db, _ADD_COLUMN[db.capabilities.dialect])
    await run_statements(db, _MARK_DEFAULT)
    counts = (await db.execute_query_dict(_COUNT))[0]
    profiles, defaults = int(counts["profiles"]), int(counts["defaults"])
    if profiles and defaults != 1:
        raise DefaultProfileMigrationError(
            f"Expected exactly one default profile among {profiles}, found {defaults}"
        )
    return ALREADY_APPLIED


async def downgrade(db: BaseDBAsyncClient) -> str:
    return await run_statements(db, """
DROP INDEX IF EXISTS "uq_racer_profiles_one_default";
ALTER TABLE "racer_profiles" DROP COLUMN "is_default";
""")


MODELS_STATE = (
    "eJztnW1v27YWx78KoTfLgN6gTdJ0yC4GKI66+c6xA9vt3UMGgZZoW4hMqqSU1Njy3UdSz7"
    "LkSImdyRrftDHJQ8m/Q5E8f5Lyn9qK2Mhlx9eIMbhA2gX4U8NwJf4oZr0BGvS8NEMk+HDm"
    "hmXDQjIRzphPoeXz9Dl0GeJJNmIWdTzfIViUHmEEXIf/Q+bAXyIA7XuHEQosgu8RZVCUE3"
    "kQMF4v/3As6rWJxSt28OL5VQTY+RIg0ycLxI0or+j3P3iyg230ld989NG7M+cOcu0cDccW"
    "Fch00197Mq2P/Y+yoLi7mWkRN1jhtLC39pcEJ6Ud7IvUBcKIQh+J6n0aCDw4cN2IZEwsvN"
    "O0SHiLGRsbzWHgCsjCOryBNE0zzeFoak6MqWlqGw6ILTJAoySOTziP3yqT3142if+cvDv7"
    "cPbd6fnZd7yIvM0k5cNjeOkUTGgo8Qyn2qPMhz4MS0jGKVRKXLSJtbeE1MDBSrLt8xuC2E"
    "IbjGPbAmV++0XKMdNtmOOElHPadp8PWhvrPWN8AfjjgOgt1q8+9ycj/jlqrcVWXeGEFfxq"
    "uggv/KUg/3YL8c/6uPeTPj46efutqJvw64bP5zDKOZFZwimpE/jlfBS2zbwfpuhrRfvOmL"
    "QZf+12vgXp1PhlKmpeMfbFzaI8utZ/kZRX6yhnMBr+GBfPoO8NRpdF5BQJOCYsoX7Fc3xn"
    "hSrI5ywL8O3I9Dj+4wBdofEvaI+wu466um2u6V8bk6l+fZPzz5U+NUTOSc43cerReeHJSC"
    "oB/+9PfwLiI/htNDQkXsL8BZVXTMtNf9PEPcHAJyYmDya0M71ynBpTy3k9GonMRkNJ3ujp"
    "IeUQXLyDUUWM0/O70kElIrbJ+COhyFngn9F6Y2QpcI2mPmPebU/S2g4M82PclOLUtJlS+J"
    "BMcQotjP/Bvzvyw5FYn/T0K0OTuGfQunuA1DZz3EUOOSGFlKTsZtbqZFVMgZjPHe3oi4jb"
    "LuFfMjMtuKd6dhp9w5qzUx3YcA2gL+eVouwdeHD8JSB8tmlBegx04FEyd1wElpCJgiveT8"
    "hsXq9zj6pnrbutWs1m2zWblf+XzmbLucblOzGFys9S372tM03lpSrnqTLvsXT8lKAacC7a"
    "dZD3aR3cp9W0Tythi6lk+SR1O+zYbtsU9QCxb8EsppgFiLKLN2W09LVkqv+/yWhYTnHDsI"
    "jRsXzwF3AdtrcJoPbfeYAtqaPMAsf1HcyOxWV/0F4frQC1PQgrxluF2buooBiEcQt+O6bl"
    "QsZC5aqudzYt2+Eecb3OuIdPeALomgz5gdfEOUW7drimU08Oj5v8oOSJqSfcpdavNxBrNo"
    "VzvyF/7Wqsf5xeAGl7i/XetP/ZuIhm4re4N7q+GRhT4+oCWGTliZjJ5qU4XV6MJ0JqLXlB"
    "ux0qnyeCHsdCJiUBtkucN1lB162MAUrMX0+LeLvfgOD05MN5EguID9vCgMm1PhjEsUCK9w"
    "vvc5z5WgwLzwNcWoFCrETTf7loGnj2M72et1Reb4vXY0YZt0d3nx2tpArWTCrPGympXNvs"
    "Q+/R0rGacs0bKa5PL0FELXFHSxD0Jq3uwDjXXYPIP7rlaxAl7XgHgD+nNXWUbf7xbbq+k1"
    "l1yezxyUO/jCw//jxGrtx6U807s52oI7zzohJi/KIvZDQO8FjW01VK1hLiF7ekiVB4erKm"
    "LnHa94JqMppUrKhmR5vqJVW5o8mMuu3aC6vS6hiMHjADUbfE3sRrmgxAbAN0jyh3N0cHZs"
    "glD2KpdPU9wCRMcxhgS0iRXba4uuvq1QKrWmBtTYeRFwjP6wiE59UC4fmGQIhW0HGb0E0M"
    "noU3apftpHvy/n0d/fX9+2oBVuTlAc957zQj5K4J46yNwlwLsyOm/AsKV00454wU6Fqgmc"
    "cvSWijldOsTTsW5jq1Zuqw5DtsTq0JcRHEFe0/Z1jwDO+A3H25JEl5XfqXo9EgR/+yX9y2"
    "/en60hgfvZOu4IWcMGJWyxLdF6jVssS/0etVyxIbMm8drSy74/gFOlAn95+XCbkvBNU9EX"
    "e/MlCiL5ZpQFnxcYsAFGAzI3Y+rf4MoAdEj8bEsUyxo53XAAgFSz4Iboo5T5ZW2ky7tBnh"
    "GLOpQJMzUipNDZUmu/W0CemiXfdi3N2zdqFnyj6oSYSbM1Ih7s5D3Blivskhlyz9ugRWdO"
    "JZo4JP5sLq8Nr+tnMIo0+XAwPcjI1ef9KPXJDMomVmPqYdG/qguPn6nrNYoMagC3aKdQ3W"
    "4mr8CUXYWjdiXbBTrOuwVmJNx8J2dfC+Nbve1MH7rhy8z26tKZEICjtvth285wXNzG6feu"
    "+GCg2AT9LXN33DQHiwC8g634hz8ryXQLYQBVbQ5jXJk/SOzwAJfIvwznhDVNhx3UqCaJcE"
    "4UHK//IRbRIY54w6KEGc1QmLz6rD4rONsJjwau6hG5QoPdVhcc7oRWHx4UxY9xL/YvTQnH"
    "7OSNF/wclXElDr2a+sS63b3NFoxdfU3eJrffhJH1zwwRDzYfIWD/qXY3386wVvNTMK6bo4"
    "0tbak7LzI648gGEEizvY8E/1q+xyRq94IPkf0OP28iq7AzwL7iFsRw5v8ljcGMOr/vDHCx"
    "DZixPhPeNGHgCHloU8ef77yhj2RYqNsNOWs9+x/GnO0JyHYs+STjO2SmmqoTQl3OC8dEZa"
    "B3liqogrbU9pezG1nNdtZDn2s7yet9yB1w/ncWuTk0v2XSkFVym4bXh0DljBjXfElai3mc"
    "1y1cptdl9enZN9FqTAwQCGZ/C+YWABxUJwRjmlaI4o4o0GHN1qbEk8Hk0yPr+51b4Nddey"
    "E327qrZEqv09e0qfR7FY+lCi0P5QOu4/qOMmzqir4SYGbZZVWrOtKWziDfAmBgpvDbzYse"
    "4aH1TN2KideU8z5pfC4iiZ3Wytp2DWPdL70FSj4bX5izhLTNuxH7JT7+JUqkf1s9Fd1UMd"
    "P+ua16uOn6m34u0nANmigqi3t+3h7W3q1GSLDwTqiDrWUisRi6KcN9u0IpiWeUopqsagNt"
    "O1S4QRv6JZKgVXh1cZkw4qBXt5h4p4qBoQjop3kO5efjCo8pctq4PW6l+2fIVg9cA3yjV4"
    "U8LuB7PHvwHk6NjR"
)
