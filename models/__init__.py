"""Tortoise models and value types. No business flow lives here."""

from models.drafts import FormDraft
from models.garage import Vehicle
from models.profiles import NAME_MAX_LENGTH, RacerProfile
from models.sessions import (
    ChangeSource,
    ChangeStatus,
    Message,
    MessageRole,
    RaceSession,
    RunResult,
    SessionStatus,
    SetupChange,
)

__all__ = [
    "NAME_MAX_LENGTH",
    "ChangeSource",
    "ChangeStatus",
    "FormDraft",
    "Message",
    "MessageRole",
    "RaceSession",
    "RacerProfile",
    "RunResult",
    "SessionStatus",
    "SetupChange",
    "Vehicle",
]
