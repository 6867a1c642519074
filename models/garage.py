from tortoise import fields
from tortoise.models import Model


class Vehicle(Model):
    """A car in a racer's garage, with its reference ("shop master") setup."""

    id = fields.IntField(primary_key=True)
    profile = fields.ForeignKeyField(
        "models.RacerProfile", related_name="vehicles", on_delete=fields.CASCADE
    )
    brand = fields.CharField(max_length=60)
    model = fields.CharField(max_length=60)
    nickname = fields.CharField(max_length=60, null=True)
    transponder = fields.CharField(max_length=20, null=True)
    reference_setup = fields.JSONField(default=dict)
    # Bumped on every change of the reference setup: a second tab's stale save is refused.
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "vehicles"
        unique_together = (("profile", "brand", "model"),)

    @property
    def display_name(self) -> str:
        """How the racer calls the car: its nickname, else brand and model."""
        return self.nickname or self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.brand} {self.model}"
