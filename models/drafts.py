from tortoise import fields
from tortoise.models import Model


class FormDraft(Model):
    """Typed but unsaved form input, kept per racer so a dropped connection loses nothing."""

    id = fields.IntField(primary_key=True)
    profile = fields.ForeignKeyField(
        "models.RacerProfile", related_name="drafts", on_delete=fields.CASCADE
    )
    form = fields.CharField(max_length=60)
    data = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "form_drafts"
        unique_together = (("profile", "form"),)
