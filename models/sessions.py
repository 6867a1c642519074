from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class SessionStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    ARCHIVED = "archived"


class ChangeSource(StrEnum):
    ADVISOR = "advisor"
    MANUAL = "manual"
    LIBRARY = "library"


class ChangeStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DENIED = "denied"


class MessageRole(StrEnum):
    RACER = "racer"
    ADVISOR = "advisor"


class SetupValueField(fields.JSONField):
    """A setup value as JSON: a number, or text such as "Green" or "1.6" kept as text.

    Tortoise's JSONField takes a Python str for JSON already encoded: it refuses "Green" and
    would read a spring rate "1.6" back as a number. This field always encodes on write, so
    the database holds '"1.6"' for text and 1.6 for a number, and reads each back as it was.
    """

    def to_db_value(self, value: Any, instance: Any) -> str | None:
        return None if value is None else self.encoder(value)

    def describe(self, serializable: bool) -> dict:
        # The column is a plain JSON column: tell the migration tool so, not a new type.
        return super().describe(serializable) | {"field_type": "JSONField"}


class RaceSession(Model):
    """A day at the track with one car.

    A profile has at most one active session and at most one draft (a session being prepared
    on the Event tab); partial unique indexes hold both.
    """

    id = fields.IntField(primary_key=True)
    profile = fields.ForeignKeyField(
        "models.RacerProfile", related_name="sessions", on_delete=fields.CASCADE
    )
    vehicle = fields.ForeignKeyField(
        "models.Vehicle", related_name="sessions", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    session_type = fields.CharField(max_length=30)
    session_date = fields.DateField()
    # Racers return to the same tracks: the name is offered again with its last context.
    track_name = fields.CharField(max_length=100, null=True)
    track_context = fields.JSONField(default=dict)
    racing_classes = fields.JSONField(default=list)
    # The digital twin: starts as a copy of the vehicle's reference setup.
    actual_setup = fields.JSONField(default=dict)
    status = fields.CharEnumField(SessionStatus, max_length=20, default=SessionStatus.DRAFT)
    practice_rounds = fields.SmallIntField(default=0)
    qualifying_rounds = fields.SmallIntField(default=0)
    # Closing words: how the day went and how the car felt (1-5).
    summary = fields.TextField(null=True)
    rating = fields.SmallIntField(null=True)
    ended_at = fields.DatetimeField(null=True)
    # Bumped on every write of the twin or the context: a second tab's stale write is refused.
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "sessions"


class SetupChange(Model):
    """One change to a session's actual setup, proposed or made, with its outcome."""

    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField(
        "models.RaceSession", related_name="changes", on_delete=fields.CASCADE
    )
    parameter = fields.CharField(max_length=40)
    old_value = SetupValueField(null=True)
    new_value = SetupValueField(null=True)
    source = fields.CharEnumField(ChangeSource, max_length=20)
    reasoning = fields.TextField(default="")
    status = fields.CharEnumField(ChangeStatus, max_length=20, default=ChangeStatus.PENDING)
    # The advisor rule that proposed it, and the advisor message it came with.
    rule_id = fields.CharField(max_length=60, null=True)
    message = fields.ForeignKeyField(
        "models.Message", related_name="changes", null=True, on_delete=fields.SET_NULL
    )
    # An undo is a change of its own that points at the change it takes back.
    reverts = fields.ForeignKeyField(
        "models.SetupChange", related_name="reverted_by", null=True, on_delete=fields.SET_NULL
    )
    # "Did it work?": laps of the session's runs before and after the change was accepted.
    best_lap_before = fields.FloatField(null=True)
    best_lap_after = fields.FloatField(null=True)
    average_lap_before = fields.FloatField(null=True)
    average_lap_after = fields.FloatField(null=True)
    verdict = fields.CharField(max_length=20, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "setup_changes"

    def __init__(self, **kwargs: Any) -> None:
        # Values given in Python are already Python values: set them as they are, so the text
        # "1.6" is not decoded to a number (rows read from the database are decoded instead).
        values = {k: kwargs.pop(k) for k in ("old_value", "new_value") if k in kwargs}
        super().__init__(**kwargs)
        for key, value in values.items():
            setattr(self, key, value)


class Message(Model):
    """One line of the advisor conversation of a session."""

    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField(
        "models.RaceSession", related_name="messages", on_delete=fields.CASCADE
    )
    role = fields.CharEnumField(MessageRole, max_length=20)
    content = fields.TextField()
    # Structured part of the message: a debrief's symptoms and rating, an answer's proposals.
    data = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "messages"


class RunResult(Model):
    """Lap times of one run or heat."""

    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField(
        "models.RaceSession", related_name="results", on_delete=fields.CASCADE
    )
    heat_name = fields.CharField(max_length=60)
    racing_class = fields.CharField(max_length=60, null=True)
    lap_times = fields.JSONField(default=list)
    # Kept with the laps for lists and sorting (the results service writes them with the laps);
    # the other statistics are computed from the laps when shown.
    best_lap = fields.FloatField(null=True)
    average_lap = fields.FloatField(null=True)
    consistency = fields.FloatField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "run_results"
