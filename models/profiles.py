from tortoise import fields
from tortoise.models import Model

NAME_MAX_LENGTH = 60


class RacerProfile(Model):
    """A racer. Owns vehicles, sessions and everything below them; nothing is shared."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=NAME_MAX_LENGTH)
    email = fields.CharField(max_length=255, null=True)
    facebook = fields.CharField(max_length=255, null=True)
    instagram = fields.CharField(max_length=255, null=True)
    sponsors = fields.JSONField(default=list)
    # At most one row is default: a partial unique index enforces it.
    is_default = fields.BooleanField(default=False)
    # An optional profile lock: an argon2 hash of the racer's PIN, never the PIN itself.
    pin_hash = fields.CharField(max_length=255, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "racer_profiles"

    def __str__(self) -> str:
        return self.name
