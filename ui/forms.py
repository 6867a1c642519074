"""Form helpers: inputs whose typed values live in the workspace as a draft."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nicegui.elements.mixins.validation_element import ValidationElement

from services import drafts

if TYPE_CHECKING:
    from ui.shell import AppShell


class DraftForm:
    """Fields of one form whose typed values are kept as a draft.

    Every change goes to the workspace's ``form_drafts`` (tab storage: survives a reload and a
    dropped connection); leaving a field also saves the draft in the database for the racer,
    so it survives a server restart and shows up in the racer's other tabs.
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
        element.on("blur", self._persist)
        self.fields[key] = element
        return element

    def _changed(self, key: str, value: Any) -> None:
        self.draft[key] = value
        self.shell.workspace.form_drafts[self.name] = dict(self.draft)
        self.shell.save()

    async def _persist(self) -> None:
        if self.shell.racer is not None and self.name in self.shell.workspace.form_drafts:
            await drafts.save_draft(self.shell.racer.id, self.name, self.draft)

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

    async def submitted(self) -> None:
        """The input is saved for real: forget the draft, here and in the database."""
        self.draft.clear()
        self.shell.workspace.form_drafts.pop(self.name, None)
        self.shell.save()
        if self.shell.racer is not None:
            await drafts.discard_draft(self.shell.racer.id, self.name)
