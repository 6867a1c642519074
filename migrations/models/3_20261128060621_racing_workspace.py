"""The racing workspace: what the Garage, Event, Setup, Advisor, Scoreboard and History tabs and
the profile lock need.

- sessions: track name, closing summary and rating, end time, a version for stale writes;
  at most one draft session per racer (older extra drafts are archived first, nothing deleted).
- vehicles: a version for stale writes of the reference setup.
- racer_profiles: the hash of an optional PIN.
- setup_changes: the advisor rule and message behind a change, the change an undo takes back,
  and the laps before and after it with a verdict.
- messages: a structured part (a debrief's symptoms, an answer's proposals).
- run_results: when the laps were last edited.

The downgrade removes exactly what the upgrade added.
"""

from tortoise import BaseDBAsyncClient

from migrations.atomic import run_statements

RUN_IN_TRANSACTION = True

_TYPES = {
    "sqlite": {"json": "JSON", "ts": "TIMESTAMP", "float": "REAL",
               "epoch": "'1970-01-01 00:00:00+00:00'"},
    "postgres": {"json": "JSONB", "ts": "TIMESTAMPTZ", "float": "DOUBLE PRECISION",
                 "epoch": "CURRENT_TIMESTAMP"},
}  # fmt: skip

_UPGRADE = """
ALTER TABLE "racer_profiles" ADD "pin_hash" VARCHAR(255);
ALTER TABLE "vehicles" ADD "version" INT NOT NULL DEFAULT 1;
ALTER TABLE "sessions" ADD "track_name" VARCHAR(100);
ALTER TABLE "sessions" ADD "summary" TEXT;
ALTER TABLE "sessions" ADD "rating" SMALLINT;
ALTER TABLE "sessions" ADD "ended_at" {ts};
ALTER TABLE "sessions" ADD "version" INT NOT NULL DEFAULT 1;
UPDATE "sessions" SET "ended_at" = "updated_at" WHERE "status" IN ('completed', 'archived');
UPDATE "sessions" SET "status" = 'archived'
WHERE "status" = 'draft' AND "id" NOT IN (
    SELECT MAX("id") FROM "sessions" WHERE "status" = 'draft' GROUP BY "profile_id"
);
CREATE UNIQUE INDEX "uq_sessions_one_draft_per_profile"
    ON "sessions" ("profile_id") WHERE "status" = 'draft';
CREATE INDEX "idx_sessions_profile_date" ON "sessions" ("profile_id", "session_date");
ALTER TABLE "messages" ADD "data" {json};
ALTER TABLE "setup_changes" ADD "rule_id" VARCHAR(60);
ALTER TABLE "setup_changes" ADD "message_id" INT
    REFERENCES "messages" ("id") ON DELETE SET NULL;
ALTER TABLE "setup_changes" ADD "reverts_id" INT
    REFERENCES "setup_changes" ("id") ON DELETE SET NULL;
ALTER TABLE "setup_changes" ADD "average_lap_before" {float};
ALTER TABLE "setup_changes" ADD "average_lap_after" {float};
ALTER TABLE "setup_changes" ADD "verdict" VARCHAR(20);
CREATE INDEX "idx_setup_changes_session_status" ON "setup_changes" ("session_id", "status");
CREATE INDEX "idx_setup_changes_message" ON "setup_changes" ("message_id");
CREATE INDEX "idx_setup_changes_reverts" ON "setup_changes" ("reverts_id");
ALTER TABLE "run_results" ADD "updated_at" {ts} NOT NULL DEFAULT {epoch};
UPDATE "run_results" SET "updated_at" = "created_at"
"""

_DOWNGRADE = """
DROP INDEX IF EXISTS "idx_setup_changes_reverts";
DROP INDEX IF EXISTS "idx_setup_changes_message";
DROP INDEX IF EXISTS "idx_setup_changes_session_status";
DROP INDEX IF EXISTS "idx_sessions_profile_date";
DROP INDEX IF EXISTS "uq_sessions_one_draft_per_profile";
ALTER TABLE "run_results" DROP COLUMN "updated_at";
ALTER TABLE "setup_changes" DROP COLUMN "verdict";
ALTER TABLE "setup_changes" DROP COLUMN "average_lap_after";
ALTER TABLE "setup_changes" DROP COLUMN "average_lap_before";
ALTER TABLE "setup_changes" DROP COLUMN "reverts_id";
ALTER TABLE "setup_changes" DROP COLUMN "message_id";
ALTER TABLE "setup_changes" DROP COLUMN "rule_id";
ALTER TABLE "messages" DROP COLUMN "data";
ALTER TABLE "sessions" DROP COLUMN "version";
ALTER TABLE "sessions" DROP COLUMN "ended_at";
ALTER TABLE "sessions" DROP COLUMN "rating";
ALTER TABLE "sessions" DROP COLUMN "summary";
ALTER TABLE "sessions" DROP COLUMN "track_name";
ALTER TABLE "vehicles" DROP COLUMN "version";
ALTER TABLE "racer_profiles" DROP COLUMN "pin_hash"
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return await run_statements(db, _UPGRADE.format(**_TYPES[db.capabilities.dialect]))


async def downgrade(db: BaseDBAsyncClient) -> str:
    return await run_statements(db, _DOWNGRADE)


MODELS_STATE = (
    "eJztXW1T27gW/isaf1k6w2VaoO0Ou3NnAoTd3A0JE9Lu3i0dj2IriQdHci0byuzlv98j2Y"
    "7fgx0ScFx9gUTSkZTnyNJ50/E/2oKZxOYHF8xdnLt46mkn6B+N4gWBD/nKfaRhx4mrRIGH"
    "J7ZsPYVmuinayXI84Z6LDdHjFNucQJFJuOFajmcxKgjGDw4x0cT3kE85voPPogtkUcf39t"
    "EtcTzkEBdBJ/CXM4SR6TJH0BiMUmKIfpDNOOGIMm9u0dmBGNhkBowM37Y4hk+tbz7RPTYj"
    "3py4MNKXL5rjsqkFWOwHWGhfv8Ini5rkO+Gihfjq3OpTi9hmCmfLlDSiXPdgwqKsR70L2V"
    "D8ooluMNtf0Lix8+DNGV22tqhkzoxQ4mKPiO491xeYU9+2Qw5FbAgmHzcJppigMckU+7bg"
    "nKAOJhCXabo+GI716+5Y17UcVyOKBBPCIgBUrAiYKpe/fiam8K/Dd8cfj38++nD8MzSR01"
    "yWfHwMho6BCQglPIOx9ijrsYeDFhLjGFTJghysZ3PsFuMatc8gC1POIhvhuAraqCDGNn4I"
    "XgLcBf6u24TOvDl8/fB2BZKfO6Oz3zujvQ9v34gBGTwKwfM8CGsOZZUAOwZXoJ4H9z/Xw0"
    "ExuFH7DLimZXjof8i2eG75bgpk7depT4PHeOJbtmdRfiCG/be2JehXQC3wET0vOP9mJyHe"
    "u+z8lUX/rD88lZAx7s1c2Yvs4DTDCt8xBWQ69vIMOYcaz1qQYqakKbOsCUkPog+7+BS4BJ"
    "tDaj+EW9sK1ox7l93rcefyKsWf8864K2oOZelDpnTvQ4Zny07Qn73x70h8RX8PB90sG5ft"
    "xn9rYk7Y95hO2b2OzSRGUXE8+5jr4Vmj1zo60kRPHyG7wOINnCLiXJ7eFh4iySM9hTHIRM"
    "Sa0T/Ig4S6B5PC1CAFuIZC1EhIGFdxdzuG82O0lqLSWFpw8f1SpsksMYABfjzxgqO3c33W"
    "Oe9qEu8JNm7vsWvqKeBFDTtkmZJl23zV4nCRLcEUzyQ+4oeIaYcMuCScY7lacgJuVLVSvF"
    "0EjSrKtkNK4FiDP2yKQEJE2LyzOHOFVHlHXI7lgQR1GIFoyeFLXnRdr4sCyVSJoa8ohrqs"
    "aPsQYmiX+ovc5pHCOKJtskiqjTpn3dFJoEHd0M755971EL6HqzW7qquIq4dVxNXDcnH1MC"
    "euwnAeoQUC0ph8L1nfCZImw78JsXTc/Wu8Wixdij794eC3qHlWVm2AhhBuHDuA+VZUAQPk"
    "3fVUgTSlUgWaogqECzqhCUjUUlwPT/96qkCaSKkCT6sCIWIbUgWu4952DOaqmkB6hdXVBB"
    "Kb2hzTUOxO434aEl78MSK2lIbLIb8mnu+cyZ529hjJIf64TXUpuUgLVKbMGi5Xm8JlUFFt"
    "6iATPyDsSYVHtL1F95Y3RwzUIAO7eSXpKYIbCjIpCrVSNMdctF3ABixbwFysOxLpTwhTM1"
    "UtnRlob6lgoQmBYaE34mCXmDcUisS43TuQFBH85De/IKjxLGyjYPGgUO9Cc2abaMK8uVLS"
    "Gqikyf85WMt9BVH7VmgGaeXr3dsq2he0KlW/ZN1joYgigaqBc5auhXgfVYH7qBzto1Kwhb"
    "RerAesBjuiW6UF7CDsK2AWUnwGRHmU6HX3hTTVWqu1YbLHC2wOAWjS3vK9QHEtNxnkCJV3"
    "ceMmBaCA6eiGjTkvEsLLuZOnbAZ7xHitYQ8IsD62dS7UmzrMydI1gzWtenK4hz2/4ImpZv"
    "qPqV9O5tHMKMirjv3/fNS5GJ8EuhLoWmfj3ufuSahZ3dCz4eVVvzvunp8ggy0cYQEAvUmg"
    "C82gELvGHBqazfATOEI7tQyiu8ynZgHzrhfYtlf413PkL2dZe7stCSDQvY4OP35Yql3iyy"
    "qN6/qy0+9HalcM7zfYc6zpgzgW1gO4sAMFcXLX8RcL7D7U8XQlSNogsb60owuQEdOpuZJj"
    "qrWWb8Mw3+ACJvAL1vFgJek24L9qGMA74q4qiFzL+6tE8EqhI6X0YUlQvNxm/267z8ozbZ"
    "nK6ftjO31V1G/buK6ifl9vD70jc8uoi2uaSOGqoqlfJZq6YB1vAODPcU8txTb9+K4fn5KM"
    "C18/QCURgt4SvNNKMuEw6DMxGvl0JPtpK0qvEOq0MzhtO9ZpeZqUBDslT5vyaCcZBa+H23"
    "blmCdJdYCG95SjcFvi+1HQEZdhSQR04Ad5/xhNiM3uRdzR4pfoTjKyOOJzEZNUFCG16e5V"
    "9JKKXmrMhrHtm85kgS27DrpLgjYY0zMOt/fvq3jc3r8vd7mJujTAU9idJozd1sE4SaNgrg"
    "SzJUT+mYtr5URIESmgKwHNHRiSubViZZI0zQjFaFWUjMWXvyEvWjNmE0xL1n+KMMMZ2IDs"
    "bbFkWfKy6J8Oh/0U+qe9rAf00+Vpd7T3TrICGlmBxpw3qTkW1eeYz+tsN0katdtU2m2U96"
    "cc/d30Ayjvz4/I9TLvT86aXsUkGSdhW9+MlEr6tmNroJKxLXkx7Rk2yVbe5SxyKjwTqPY5"
    "FLZrklzauovskUlD+ApjpE/1hOH9aUtkHztIbPtcpJURFyChB8RcNAdJIW9YfLK1shM2y0"
    "4oGFP7SlOKSFkMK1gMkxdf6iCdpWufBrR5rG3s6HIPqmNtSREpc8vGzS0Twj0dQM7z5MJm"
    "uGQTTxJleDIVVLu39lddOB1+Ou130dWoe9a77oUsWKoasjJtXxl1O/3s1a87wGJGagOdoV"
    "NYV8BajAZPKKFGwc2KFVhn6BTWVbBWFq2W2TaURetH5HqVeGaVukylLmuAJWd/o6nLtmkW"
    "Sgb3FRiGMrF/q7JyQUM9EW9YLaNxQIA8Ficd/omjIJkAkn3ui1xbsEsQU5iCFtiEnmRCLs"
    "vjiPmewWAzzpmSNty3Mjw1y/DkYBc+ecSt5QxOErXQ8HRcxRhyXG4MOc4ZQxh0c4dtv8C+"
    "V24MSRGp5LvrWz0oua+PfopIof+MbCvMd421E63H1E3eaLRscvUbetkZfOr0T+AwpHBM3t"
    "B+73TUGf33BFbNxA2TOrx+WhVQYDijhVkSytNSpIheMAnOK1hht5KXYgfzDzmEmiHD6zwW"
    "V93BeW/w2wkK6UUWorPulUw6hA2DODLn0Hl30BMlJqFWU/INuX7JpdMVXiK/7MqpchAVOI"
    "git4I+IVNQdtdySSRolQW3ggV3iRueFsr8VSBfkirE6/mC1lnoxeQK+ZrI11/uhdQK9wq4"
    "A3BCP6pzciZI2ndybuGdScoP1zKPTBU/nEkMa70EbGlKlYKtOW63PJfDnBX1/G5pohalLd"
    "xYGiFXXKP3eD1Y00QK1oKcpspLrLzEu+klLth0N4Bv9WRBDdsZqkKbPmpS0MIU0OBTv68V"
    "7bwbwLaVbwrL4ps+c0rwrXLTLOgIpL5JQWCkekHbNkNBogtVBWEgibtW5SEgyWtdVZIUGd"
    "hFFkU4SCf0E0czLGwXiRAMl0yJS+DpQns3Gp8zBy0w94h7o70JAjiKkhNtqtuCmI8vyYSD"
    "ExdTudolFNpXFRDyigEhS2ZUtd0sCZrsn22M0yNY4jXgXRIoeCvASy3jtnbOrQRN+6yPm8"
    "cYhqIiK45ZL2gsQ9Y+pLcRnBEer/XfIlVA2ozrdK16kZR6X8IGZBHl1/ix/RrqflHbuF7l"
    "fpF6X4LK698EQ9D+Gnn9q5jfVA6jVzK+dYhrGXOtwPYW1uyvMr3huM1ThrdyGNQlp2bZtE"
    "rF9JURSSVyehsML1vJdykeqhoIh81biO5WXsUu36VOa72EPUHy8rr/64T7bEzLz4lUL3mp"
    "+PH/+5p2eg=="
)
