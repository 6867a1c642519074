"""Form drafts, one active session per racer, racer names unique ignoring case.

Existing data is made to fit first: a racer with several active sessions keeps the newest one
active and the others become completed; a name that repeats another ignoring case gets its id
appended. Nothing is deleted.
"""

from tortoise import BaseDBAsyncClient

from migrations.atomic import run_statements

RUN_IN_TRANSACTION = True

_TYPES = {
    "sqlite": {"pk": "INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", "json": "JSON", "ts": "TIMESTAMP"},
    "postgres": {"pk": "SERIAL NOT NULL PRIMARY KEY", "json": "JSONB", "ts": "TIMESTAMPTZ"},
}

_UPGRADE = """
CREATE TABLE IF NOT EXISTS "form_drafts" (
    "id" {pk},
    "form" VARCHAR(60) NOT NULL,
    "data" {json} NOT NULL,
    "updated_at" {ts} NOT NULL,
    "profile_id" INT NOT NULL REFERENCES "racer_profiles" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_form_drafts_profile_21c9b5" UNIQUE ("profile_id", "form")
);
UPDATE "sessions" SET "status" = 'completed'
WHERE "status" = 'active' AND "id" NOT IN (
    SELECT MAX("id") FROM "sessions" WHERE "status" = 'active' GROUP BY "profile_id"
);
CREATE UNIQUE INDEX "uq_sessions_one_active_per_profile"
    ON "sessions" ("profile_id") WHERE "status" = 'active';
UPDATE "racer_profiles" SET "name" = SUBSTR("name", 1, 48) || ' (' || "id" || ')'
WHERE "id" NOT IN (SELECT MIN("id") FROM "racer_profiles" GROUP BY LOWER("name"));
CREATE UNIQUE INDEX "uq_racer_profiles_name_ci" ON "racer_profiles" (LOWER("name"))
"""

_DOWNGRADE = """
DROP INDEX IF EXISTS "uq_racer_profiles_name_ci";
DROP INDEX IF EXISTS "uq_sessions_one_active_per_profile";
DROP TABLE IF EXISTS "form_drafts"
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return await run_statements(db, _UPGRADE.format(**_TYPES[db.capabilities.dialect]))


async def downgrade(db: BaseDBAsyncClient) -> str:
    return await run_statements(db, _DOWNGRADE)


MODELS_STATE = (
    "eJztXW1z4rYa/Ssaf2k6k5vZJdlsJ+3cGQdIy10CGWC3vW06HmEL8MRIXstOlmnz3yvJ72"
    "/ETiAxrr4kWNIjm/PI0tHRI/GXsiYGsujJFXHWPQcuXOUC/KVguEbsQz7zGCjQtuMsnuDC"
    "uSVKL1gxzeDlRDqcU9eBOq9xAS2KWJKBqO6YtmsSzA1mGxsZYO65wMMU3rPPvApgYttzj8"
    "Edsl1gIwewSthfSgAEhkNsbqMTjJHO6wEWoYgCTNyViZcn/MYG0dmd2dUe7+Fh86uHNJcs"
    "kbtCDrvTH38otkMWJsPi2MdC+fNP9snEBvqGKC/BL+07bWEiy0jhbBrChqdrLntgnjbA7p"
    "UoyL/RXNOJ5a1xXNjeuCuCo9ImFs5ZIowc6CJevet4HHPsWVbgodAN/sPHRfxHTNgYaAE9"
    "i3uOW/sPEKcpmjYaz7Rpf6ZpSs6roUXCCUESA5S3CPaoVHz7JX+E/3Ten308++H0/OwHVk"
    "Q8ZpTy8dG/dQyMbyjgGc2UR5EPXeiXEBjHoAoX5GDtrqBTjGtYPoMse+QssiGO26ANE2Js"
    "45fgNcBdw2+ahfDSXbHL83dbkPyiTrq/qJOj83ff8xsS9ir47/MoyOmILA52DC5HPQ/u/6"
    "bjUTG4YfkMuIapu+BvYJk013x3BbLy08LD/ms890zLNTE94bf9r7In6LdAzfHhNa8p/Wol"
    "IT66Vn/Lot8dji8FZIS6S0fUIiq4zLjCsw0OmQbdvEN6LMc116jYKWnLrGsC05PwwyG+BQ"
    "6Cxhhbm6Br2+Ka2eC6P52p1zcp//TUWZ/ndETqJpN6dJ7xWVQJ+HUw+wXwS/D7eNTPujEq"
    "N/td4c8EPZdomDxo0EhiFCbHTx97PRhrtFpDR9ro6SHkEFy8g1GEj8uLu8JBJDmkpzBmnA"
    "iZS/wJbQTUA/ZQEOuoANeARE04w7iJqzswnB/DthSmxmzBgQ8Rp8k0MQYD+/LI9YdeddpV"
    "e31F4D2H+t0DdAwtBTzPIR2SSYnK5rPWnXU2BWK4FPjwL8IfO3DANaIUitaSI7hh1lZ6u/"
    "YLVeS2Y4zYsMb+kAVgDBFA496kxOGs8h45FIoBieVBwKglZRd56vq8KgqYqaShb0hDHVLU"
    "fXAa2sfeOtd5pDAObZtMSZWJ2u1PLvwZ1C1We18G0zG7DlprtlVXoaudKnS1U05XOzm6ym"
    "7nIlxAkGboW0n7Tpg0Gf5d0NJZ/7fZdloaUZ/hePRzWDzLVTOQM+71PFqatpS0tCm0NOiV"
    "E6xUoJbyejAS1aOlaSNJS5+mpQFiO6Kl07i2A4O5KitNt7AmsdIk/gXMNOOecnYafMOK7F"
    "QFBtwA6ApeycvegQfTXQHC2KYOnROggoDIgxWkvOCa9RMim9Vr3qNy1rrbqiWbbRabFf8L"
    "2WwxrmH5VlCoNEt9/64KTWWlSnmqyHssHD8FUDVwztq1EO/TKnCflqN9Wgo2p5LFJHU72K"
    "HdNop6gLBvgZlTzAyIoovXxGzpWwHVL18SyBnKtYGdrw0wC/Y4mm5BSn3lqqp38pbNcA+/"
    "X2vcwwiPBy2NItez6zgna9cM17TqzWHzJtcreGOqCXex9esNxIoRhmjUUe96E/VqdgGE7S"
    "1Wu7PBl/5FwMRvcXd8fTPsz/q9C6CTtc3nTAYrxdBlxVgidPQVK2g0Q+Wz+aTH1JHmEA8b"
    "Bc6brqFlbVkdy5m/nhbxbr8TgtPOx/NoLsAvtk0DptfqcBjOBWJ4v7I+x1xs+LDwPIALK5"
    "AQS9H0Xy6aygiOtnldRnC8tmQV43qPVqZeF9e0kcRVRsa8SWRMQTveAcBf4ppaim369a27"
    "vpNYdUnE+KRBvwwsrz5NkCVCb8rxToQTtQTvtKiEKLvpCzGaeHgi6mkrSvoK4he3pClXeL"
    "qipjbhtO8F1Wg0KVlRTY425UuqIqJJC7rtygurwuoEjB8wBUG3RI/DNU0KIDYAukfORuwl"
    "AXNkkQe+VLr+MdxfAkwK6Ao6yChaXN119XKBVS6wNqbD2PeuFbSGplUH3cjgWfAG7bKZ6H"
    "Y+fKiiv374UC7A8rw0wAvWO80JuauDcdJGwlwJZpNT/qUDa+1vSxlJoCsBTW12S+LUWjlN"
    "2jRjYa5Va6Ymjb5DnloTYiGIS9p/yjDjGdYBWftySZTyuuhfjsfDFPqXg2zY9ufry/7k6L"
    "1wBStk+jNmuSzRfoFaLkv8G71etiyRk3mraGXxSQ/P1zdSJ0scWBuopAIlw7JfIJa1Mki/"
    "SO1+IVDtU7r3q5VFImyRUJZUaLeoZB7WEorw0xLZENqAd/uU713lYf+sBkAcsGJMIa94PV"
    "laCljNErC4Y7S6KlbKSEpZFaSsZHxuHaSzdu0TAnaPtQVtTfRBdWSAlJHUAXauA8wRdTUG"
    "ct4nVxaBJZ140ijjkwW3Ory2v22zxvjz5bAPbib97mA6CFwQTTVEZnriP+mrw2yE+j3DYo"
    "lqA52xk1hXwJrfjb2hCOubWlhn7CTWVbCWilbLtA15OkFjQgPl6QRtOZ0gGX9UIBFkwpO2"
    "nU7ACmqJkKhqB2j5BsAl8RlX31Hg734Dos5jfpgA6yWQwUWBNTRYTeK4AdOlgHiuTlhnnB"
    "MVdly3lCCaJUHY0GGfXOTUmRinjFooQZxVmRaflU+Lz3LTYsKquYeWV6D0lE+LU0YvmhYf"
    "DmHdy/wXo4f66KeMJPov2B5MPEd/9rl+sXWTOxole5bfLb5WR5/V4QUbDDEbJm/xcHA5US"
    "f/v2CtZu5AZ5MdaSsF7ux8HzCbwFCC+RPk/FN+3l/K6BV3bb+BHreX8/4OcMO8jbAROLzO"
    "a3HTH/UGo58vQGDPt813+zdilzzUdWSLTfK9/mjAUwyEzaZskA/lT22OFmwq9izpNGErla"
    "YKSlOEG1wUMtIqkEemEnGp7UltL0Qt5XUD6abxLK+nLXfg9cN53Zrk5ILgNKngSgW3Ca/O"
    "ASu4YURcgXqbCJYrV26TcXlVtj/q0AEmBtDfqPgdBUvIF4ITyqmDFshBrNGAo1uFrojNZp"
    "OU8Ztb5Xtfdy3a9rirap/63S42i8XChwIK+Qteb6rjRs6oquFGBk2WVRoT1uQ38RrwRgYS"
    "3grwYlO/q72bN2EjI/OexpjdCvP9dka9tZ6MWfuQ3oemGgyv9U8rLTBtRjxkqw4slapH+b"
    "vRXtVD7tFrm9fL9ujJowP3MwHZooLII+5e9ccf5a7JN98QqCLH1FdKgVgU5Bxv04pgXOYp"
    "pagcBhlM1ywRhv/UaKEUXD69Spi0UCnYy0Ez/KWqgXBQvIXo7uVXlUp//rN80lr+85+vMF"
    "k98EC5GsdJ7H4we/wHuO69fA=="
)
