"""Errors a racer can cause. Services raise them; the UI shows their message beside the field."""

from collections.abc import Mapping


class PitboxError(Exception):
    """Base of every domain error; ``str(error)`` is a message fit for the racer."""


class ValidationError(PitboxError):
    """Bad input. ``errors`` maps each field name to what is wrong with it; nothing was written."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors.items()))


class NotFoundError(PitboxError):
    """The record does not exist, or belongs to another racer (which is the same to the caller)."""


class RuleError(PitboxError):
    """The request breaks a rule of the notebook, e.g. deleting the only racer."""


class StaleWriteError(PitboxError):
    """Another screen saved the same record first; the caller should reload and show it."""


class NameTakenError(ValidationError):
    """Another racer already has that name; ask for a new one (nothing was written)."""

    def __init__(self, name: str, hint: str = "choose another name"):
        self.name = name
        super().__init__({"name": f"There is already a racer called {name}: {hint}"})
