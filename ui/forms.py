"""Form helpers: inputs whose typed values live in the workspace as a draft."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nicegui.elements.mixins.validation_element import ValidationElement

if TYPE_CHECKING:
    from ui.shell import AppShell


class DraftForm:
    """Fields of one form; every change is written to the workspace's ``form_drafts``.

    The draft survives a page reload and a dropped connection (tab storage), and is offered
    for keeping when the racer switches away.
    """

    def __init__(self, shell: AppShell, name: str) -> None:
        self.shell = shell
        self.name = name
        self.fields: dict[str, ValidationElement] = {}
        self.draft: dict[str, Any] = dict(shell.workspace.form_drafts.get(name, {}))

    def add(
        self,
        key: str,
        factory: Callable[..., ValidationElement],
        *args: Any,
        default: Any = None,
        **kwargs: Any,
    ) -> ValidationElement:
        element = factory(*args, value=self.draft.get(key, default), **kwargs)
        element.classes("w-full").props("outlined").mark(f"{self.name}.{key}")
        element.on_value_change(lambda e, k=key: self._changed(k, e.value))
        self.fields[key] = element
        return element

    def _changed(self, key: str, value: Any) -> None:
        self.draft[key] = value
        self.shell.workspace.form_drafts[self.name] = dict(self.draft)
        self.shell.save()

    def values(self) -> dict[str, Any]:
        return {key: field.value for key, field in self.fields.items()}

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, field in self.fields.items():
            field.error = errors.get(key)
        for key in errors.keys() - self.fields.keys():
            self.shell.notify(errors[key], type="negative")

    def clear_errors(self) -> None:
        for field in self.fields.values():
            field.error = None

    def submitted(self) -> None:
        """The input is saved for real: forget the draft."""
        self.draft.clear()
        self.shell.workspace.form_drafts.pop(self.name, None)
        self.shell.save()
