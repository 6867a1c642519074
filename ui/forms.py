"""Forms whose typed values are kept as a draft of the racer they were typed for."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from nicegui import background_tasks, ui
from nicegui.element import Element
from nicegui.elements.mixins.validation_element import ValidationElement

from services import drafts
from services.errors import ValidationError
from ui import browser
from ui.tabs.context import TabContext

# Typed input reaches the database this long after the last keystroke at most: a phone that
# locks or a server that restarts loses no more than the last second of typing.
SAVE_DELAY = 1.0


class DraftKeeper:
    """Keeps one form's typed values as the racer types: in the browser and the tab's workspace
    at once, and in the racer's drafts in the database shortly after.

    The keeper is bound to the racer the form was built for: once the tab works as another
    racer, late input events of this form are dropped instead of landing in the wrong racer.
    """

    def __init__(self, ctx: TabContext, form: str) -> None:
        self.ctx = ctx
        self.form = form
        self.racer_id = ctx.racer.id
        self.draft: dict[str, Any] = ctx.workspace.typed(form)
        self._saving: asyncio.Task | None = None
        self._refused = False
        self._client = ui.context.client
        self._fields: dict[str, Element] = {}

    def keep_locally(self, element: Element, field: str) -> None:
        """Keep what is typed into a text or number field in the browser as well, until it
        is saved: what a dropped connection kept from the server comes back from there."""
        if isinstance(element, (ui.input, ui.number)):
            browser.keep_locally(element, self.racer_id, self.form, field)
            self._fields[field] = element

    @property
    def current(self) -> bool:
        """Whether the tab still works as the racer this form was built for."""
        return self.ctx.workspace.racer_id == self.racer_id

    def keep(self, values: dict[str, Any]) -> None:
        self.draft = dict(values)
        if not self.ctx.workspace.keep_typed(self.racer_id, self.form, self.draft):
            return
        self.ctx.save_workspace()
        if self._saving is None or self._saving.done():
            self._saving = background_tasks.create(self._save_soon(), name="save draft")

    async def _save_soon(self) -> None:
        await asyncio.sleep(SAVE_DELAY)
        await self.persist()

    async def persist(self) -> None:
        """Save the draft for the racer now (nothing once the tab has moved on)."""
        if not self.current:
            return
        typed = {key: field.value for key, field in self._fields.items()}
        try:
            await drafts.save_draft(self.racer_id, self.form, self.draft)
            browser.saved_locally_kept(self._client, self.racer_id, self.form, typed)
        except ValidationError as exc:
            # Too much typed to keep (a whole results page pasted): say so once, keep the tab's
            # copy, and let the racer save the form itself.
            if not self._refused:
                self._refused = True
                self.ctx.notify(
                    f"{' '.join(exc.errors.values())}: save the form to keep it", type="warning"
                )

    async def submitted(self) -> None:
        """The input is saved for real: forget the draft, here and in the database."""
        self.draft = {}
        if self._saving is not None:
            self._saving.cancel()
        self.ctx.workspace.forget_typed(self.racer_id, self.form)
        self.ctx.save_workspace()
        browser.forget_locally_kept(self._client, self.racer_id, self.form)
        await drafts.discard_draft(self.racer_id, self.form)


class DraftForm:
    """Fields of one form whose typed values are kept as a draft (see ``DraftKeeper``)."""

    def __init__(self, ctx: TabContext, form: str) -> None:
        self.keeper = DraftKeeper(ctx, form)
        self.name = form
        self.fields: dict[str, ValidationElement] = {}
        self._quiet = False

    @property
    def has_draft(self) -> bool:
        return drafts.has_input(self.keeper.draft)

    @property
    def local_copies_prop(self) -> str:
        """For the element that folds this form away: the browser unfolds it when it holds
        copies of input the server never received (see ``browser.keep_locally``)."""
        return browser.local_copies_prop(self.keeper.racer_id, self.name)

    def add(
        self,
        key: str,
        factory: Callable[..., ValidationElement],
        *args: Any,
        default: Any = None,
        **kwargs: Any,
    ) -> ValidationElement:
        value = self.keeper.draft.get(key, default)
        element = factory(*args, value=value, **kwargs)
        element.classes("w-full").props("outlined").mark(f"{self.name.split(':')[0]}.{key}")
        element.on_value_change(lambda _e: self._quiet or self.keeper.keep(self.values()))
        element.on("blur", self.keeper.persist)
        self.keeper.keep_locally(element, key)
        self.fields[key] = element
        return element

    def values(self) -> dict[str, Any]:
        return {key: field.value for key, field in self.fields.items()}

    def set(self, key: str, value: Any) -> None:
        self.fields[key].value = value

    def reset(self, **values: Any) -> None:
        """Put values in the fields without counting them as typed (a fresh form)."""
        self._quiet = True
        try:
            for key, value in values.items():
                self.fields[key].value = value
        finally:
            self._quiet = False
        self.clear_errors()

    def show_errors(self, errors: dict[str, str], *, aliases: dict[str, str] | None = None) -> None:
        """Each message beside its field; ``aliases`` maps service field names to form keys.
        Messages for fields the form lacks go to a notification."""
        aliases = aliases or {}
        mapped = {aliases.get(key, key): message for key, message in errors.items()}
        for key, field in self.fields.items():
            field.error = mapped.get(key)
        for key in mapped.keys() - self.fields.keys():
            self.keeper.ctx.notify(mapped[key], type="negative")

    def clear_errors(self) -> None:
        for field in self.fields.values():
            field.error = None

    async def submitted(self) -> None:
        await self.keeper.submitted()
