"""The one path every racer-typed value takes before a service stores it.

Text is NFC-normalised and trimmed; control characters (C0, DEL, C1), text-direction overrides
and isolates, and unpaired surrogates are refused; lengths are counted after normalising.
Numbers must be finite and inside their range; whole numbers must be whole (2.7 rounds is an
error, not 2) and booleans are not numbers. Ids that cannot exist are "not found".

``Fields`` collects the message of every bad field, so that a form shows them all at once and
nothing is written while any is wrong::

    fields = Fields()
    name = fields.text("name", raw_name, "Name", max_length=100, required=True)
    rounds = fields.integer("practice_rounds", raw_rounds, "Practice rounds", minimum=0, maximum=20)
    fields.raise_if_any()
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from models.setup_sheet import (
    GROUPS,
    PARAMETERS,
    PARAMETERS_BY_KEY,
    TEXT_MAX_LENGTH,
    SetupParameter,
)
from services.errors import NotFoundError, StaleWriteError, ValidationError

T = TypeVar("T")

# Text-direction overrides, embeddings and isolates: they make text display as something else.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")
# The largest id either database can hold (PostgreSQL's INTEGER): anything above is not found.
MAX_ID = 2**31 - 1


class InvalidValue(ValueError):
    """One value is wrong; the message is fit to show beside its field."""


def text(
    value: Any,
    label: str,
    *,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str | None:
    """Clean text, or None when empty and not required; raise InvalidValue otherwise."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidValue(f"{label} must be text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue(f"{label} contains a character that cannot be stored") from None
    cleaned = unicodedata.normalize("NFC", value).strip()
    if multiline:
        cleaned = cleaned.replace("\r\n", "\n").replace("\r", "\n")
    if not cleaned:
        if required:
            raise InvalidValue(f"{label} is required")
        return None
    allowed = {"\n", "\t"} if multiline else set()
    if any(
        (unicodedata.category(ch) == "Cc" and ch not in allowed) or ch in BIDI_CONTROLS
        for ch in cleaned
    ):
        raise InvalidValue(f"{label} cannot contain control characters")
    if len(cleaned) > max_length:
        raise InvalidValue(f"{label} can be at most {max_length} characters")
    return cleaned


def number(
    value: Any,
    label: str,
    *,
    minimum: float,
    maximum: float,
    integer: bool = False,
    required: bool = True,
    unit: str = "",
) -> float | int | None:
    """A finite number inside [minimum, maximum]; text like "2,5" is read as 2.5."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidValue(f"{label} is required")
        return None
    if isinstance(value, bool):
        raise InvalidValue(f"{label} must be a number")
    try:
        if isinstance(value, str):
            parsed = float(value.strip().replace(",", "."))
        elif isinstance(value, int):
            parsed = value
        else:
            parsed = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidValue(f"{label} must be a number") from None
    if isinstance(parsed, float) and not math.isfinite(parsed):
        raise InvalidValue(f"{label} must be a number")
    if not minimum <= parsed <= maximum:
        unit_text = f" {unit}" if unit else ""
        raise InvalidValue(
            f"{label} must be between {_plain(minimum)} and {_plain(maximum)}{unit_text}"
        )
    if integer:
        if parsed != int(parsed):
            raise InvalidValue(f"{label} must be a whole number")
        return int(parsed)
    return float(parsed)


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def choice(value: Any, label: str, choices: Iterable[str], *, required: bool = True) -> str | None:
    """One of the given words, exactly as offered."""
    options = tuple(choices)
    if value is None or value == "":
        if required:
            raise InvalidValue(f"Choose a {label.lower()}")
        return None
    if not isinstance(value, str) or value not in options:
        raise InvalidValue(f"{label}: choose one of {', '.join(options)}")
    return value


def choice_list(values: Any, label: str, choices: Iterable[str], *, max_items: int) -> list[str]:
    """Several of the given words (taps on chips), in the order offered, each once."""
    options = tuple(choices)
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InvalidValue(f"{label} must be a list of choices")
    picked = list(values)
    if len(picked) > max_items * 4:  # don't look through an absurd list before refusing it
        raise InvalidValue(f"At most {max_items} {label.lower()}")
    unknown = [v for v in picked if not isinstance(v, str) or v not in options]
    if unknown:
        raise InvalidValue(f"{label}: {len(unknown)} of the choices are not on the list")
    chosen = [option for option in options if option in picked]
    if len(chosen) > max_items:
        raise InvalidValue(f"At most {max_items} {label.lower()}")
    return chosen


def day(value: Any, label: str) -> date:
    """A calendar date, given as a date or as ISO text (2026-05-17)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidValue(f"Pick the {label.lower()}")


def moment(value: Any, label: str) -> datetime:
    """A point in time given as ISO text with its UTC offset (2026-05-17T14:03:00+00:00), in UTC."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    raise InvalidValue(f"{label} must be a date and time with its UTC offset")


def json_data(
    value: Any, label: str, *, max_depth: int = 6, max_items: int = 500, max_length: int = 4000
) -> Any:
    """Structured data kept beside a record (an advisor message's symptoms or proposals).

    Objects, lists, finite numbers, true/false and null, nested at most ``max_depth`` deep;
    every text (keys too) is cleaned like any other text.
    """

    def clean(item: Any, depth: int) -> Any:
        if depth > max_depth:
            raise InvalidValue(f"{label} is nested too deeply")
        if item is None or isinstance(item, bool):
            return item
        if isinstance(item, int | float):
            # Checked, not converted: a whole number stays whole.
            number(item, label, minimum=-1e12, maximum=1e12)
            return item
        if isinstance(item, str):
            return text(item, label, max_length=max_length, multiline=True) or ""
        if isinstance(item, list | tuple):
            if len(item) > max_items:
                raise InvalidValue(f"{label} has more than {max_items} items in one list")
            return [clean(element, depth + 1) for element in item]
        if isinstance(item, Mapping):
            if len(item) > max_items:
                raise InvalidValue(f"{label} has more than {max_items} named values")
            cleaned: dict[str, Any] = {}
            for key, element in item.items():
                name = text(key, f"{label}: a name", max_length=100, required=True)
                cleaned[name] = clean(element, depth + 1)
            return cleaned
        raise InvalidValue(f"{label} must be plain data")

    return clean(value, 0)


def text_list(
    values: Any, label: str, *, max_items: int, max_length: int, item_label: str | None = None
) -> list[str]:
    """A list of short texts (racing classes, sponsors), each required; duplicates kept once."""
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InvalidValue(f"{label} must be a list of names")
    items = list(values)
    if len(items) > max_items * 4:  # don't clean an absurd list before refusing it
        raise InvalidValue(f"At most {max_items} {label.lower()}")
    cleaned: list[str] = []
    for item in items:
        word = text(
            item, item_label or f"Each of {label.lower()}", max_length=max_length, required=True
        )
        if word not in cleaned:
            cleaned.append(word)
    if len(cleaned) > max_items:
        raise InvalidValue(f"At most {max_items} {label.lower()}")
    return cleaned


def record_id(value: Any, message: str = "That record does not exist") -> int:
    """An id that could exist; anything else (text, bool, 0, 2**63) is simply not found."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise NotFoundError(message)
    return value


def version(value: Any, message: str) -> int:
    """The version of a record a form was loaded at; anything that cannot be one is stale."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise StaleWriteError(message)
    return value


def setup_value(parameter: SetupParameter, value: Any) -> float | int | str | None:
    """One setup-sheet value, checked against its parameter; None means "not recorded"."""
    if parameter.is_number:
        assert parameter.minimum is not None and parameter.maximum is not None
        return number(
            value, parameter.label, minimum=parameter.minimum, maximum=parameter.maximum,
            integer=parameter.integer, required=False, unit=parameter.unit,
        )  # fmt: skip
    return text(value, parameter.label, max_length=TEXT_MAX_LENGTH)


def setup_values(data: Any, *, partial: bool = False) -> dict[str, float | int | str | None]:
    """A clean setup sheet; ValidationError maps each bad parameter key to its message.

    With ``partial`` only the given parameters are returned (an edit of some fields);
    otherwise all 24 are, the missing ones as None.
    """
    try:
        values = mapping(data, "The setup")
    except InvalidValue as exc:
        raise ValidationError({"setup": str(exc)}) from None
    fields = Fields()
    for key in values:
        if key not in PARAMETERS_BY_KEY:
            fields.add(str(key)[:40], "Unknown setup parameter")
    clean: dict[str, float | int | str | None] = {}
    for parameter in PARAMETERS:
        if partial and parameter.key not in values:
            continue
        value = fields.check(parameter.key, setup_value, parameter, values.get(parameter.key))
        clean[parameter.key] = round(value, 3) if isinstance(value, float) else value
    fields.raise_if_any()
    return clean


def setup_groups(groups: Any) -> list[str]:
    """The setup groups a copy takes, in sheet order: all of them for None."""
    if groups is None:
        return list(GROUPS)
    choose = f"Choose the groups to copy among {', '.join(GROUPS)}"
    if isinstance(groups, str) or not isinstance(groups, Iterable):
        raise ValidationError({"groups": choose})
    chosen = list(groups)
    if not all(isinstance(group, str) and group in GROUPS for group in chosen):
        raise ValidationError({"groups": choose})
    if not chosen:
        raise ValidationError({"groups": "Choose at least one group to copy"})
    return [group for group in GROUPS if group in chosen]


def mapping(value: Any, label: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidValue(f"{label} must be a set of named values")
    return value


@dataclass
class Fields:
    """Cleans several fields of one form, collecting every message before raising once."""

    errors: dict[str, str] = field(default_factory=dict)

    def check(self, key: str, cleaner: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return cleaner(*args, **kwargs)
        except InvalidValue as exc:
            self.errors.setdefault(key, str(exc))
            return None

    def text(self, key: str, value: Any, label: str, **kwargs: Any) -> str | None:
        return self.check(key, text, value, label, **kwargs)

    def number(self, key: str, value: Any, label: str, **kwargs: Any) -> float | int | None:
        return self.check(key, number, value, label, **kwargs)

    def integer(self, key: str, value: Any, label: str, **kwargs: Any) -> int | None:
        result = self.check(key, number, value, label, integer=True, **kwargs)
        return None if result is None else int(result)

    def choice(self, key: str, value: Any, label: str, choices: Iterable[str], **kwargs: Any):
        return self.check(key, choice, value, label, choices, **kwargs)

    def choice_list(self, key: str, values: Any, label: str, choices: Iterable[str], **kwargs):
        return self.check(key, choice_list, values, label, choices, **kwargs) or []

    def day(self, key: str, value: Any, label: str) -> date | None:
        return self.check(key, day, value, label)

    def text_list(self, key: str, values: Any, label: str, **kwargs: Any) -> list[str]:
        return self.check(key, text_list, values, label, **kwargs) or []

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)
