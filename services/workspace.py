"""The per-tab workspace: which racer a browser tab works as, and what it has typed.

Everything a racer works on — the active session, its actual setup, pending changes, track
context and messages — lives in the database, scoped by racer, and a tab reads it when it shows
it. The tab keeps no copy of it, so a copy can never go stale or outlive a switch. What only the
tab has is typed input that is not submitted yet: the form drafts. ``PROFILE_SCOPED_KEYS`` is
the allow-list of what belongs to the racer; a switch replaces the whole workspace.

The UI stores the workspace in NiceGUI's tab storage under one key and never builds one by
hand: it calls the transitions below.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from services import drafts, sessions, validation
from services.errors import NotFoundError, ValidationError


@dataclass
class Workspace:
    racer_id: int | None = None
    # Profile-scoped: typed input by form key (see services.drafts.FORMS); cleared by a switch.
    form_drafts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_storage(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_storage(cls, data: Any) -> Workspace:
        """Rebuild from tab storage; anything unknown or malformed is left out, an impossible
        racer gives an empty workspace."""
        if not isinstance(data, dict):
            return cls()
        racer_id = data.get("racer_id")
        if racer_id is not None:
            try:
                racer_id = validation.record_id(racer_id)
            except NotFoundError:
                return cls()
        form_drafts = data.get("form_drafts")
        kept: dict[str, dict[str, Any]] = {}
        for form, values in form_drafts.items() if isinstance(form_drafts, dict) else ():
            try:
                drafts.check_draft(form, values)
            except ValidationError:
                continue
            kept[form] = dict(values)
        return cls(racer_id=racer_id, form_drafts=kept)

    def unsaved_forms(self) -> list[str]:
        """Form keys with typed input that has not been submitted."""
        return [form for form, values in self.form_drafts.items() if drafts.has_input(values)]

    def typed(self, form: str) -> dict[str, Any]:
        """The tab's typed input of one form (empty when none)."""
        return dict(self.form_drafts.get(form, {}))

    def keep_typed(self, racer_id: int, form: str, values: dict[str, Any]) -> bool:
        """Record typed input for ``racer_id``'s form; refused (False) once the tab works as
        another racer, so late input events of a form never land in the next racer's drafts,
        and for what could not be kept as a draft (an unknown form, too much input)."""
        if racer_id != self.racer_id:
            return False
        try:
            drafts.check_draft(form, values)
        except ValidationError:
            return False
        # A form emptied here stays as an empty entry: a draft saved before the clearing is
        # dropped when the tab leaves the racer (switch_to), not left to come back.
        self.form_drafts[form] = dict(values) if drafts.has_input(values) else {}
        return True

    def forget_typed(self, racer_id: int, form: str) -> None:
        if racer_id == self.racer_id:
            self.form_drafts.pop(form, None)


PROFILE_SCOPED_KEYS: tuple[str, ...] = tuple(
    f.name for f in fields(Workspace) if f.name != "racer_id"
)


@dataclass(frozen=True)
class SwitchImpact:
    """What a switch of racer would leave behind; empty means nothing to warn about."""

    session: sessions.ActiveSession | None
    unsaved_forms: tuple[str, ...]

    @property
    def needs_warning(self) -> bool:
        return self.session is not None or bool(self.unsaved_forms)

    @property
    def unsaved_titles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(drafts.form_title(f) for f in self.unsaved_forms))


async def switch_impact(workspace: Workspace) -> SwitchImpact:
    """What leaving the current racer would leave: the open session and unsaved input."""
    session = None
    if workspace.racer_id is not None:
        session = await sessions.active_session(workspace.racer_id)
    return SwitchImpact(session=session, unsaved_forms=tuple(workspace.unsaved_forms()))


async def switch_to(old: Workspace, racer_id: int, *, keep_drafts: bool) -> Workspace:
    """The workspace for ``racer_id``; the old racer's typed input is kept as drafts or dropped.

    Nothing of the old workspace is carried over: the new one starts empty and takes the new
    racer's saved drafts from the database.
    """
    if old.racer_id is not None:
        unsaved = set(old.unsaved_forms())
        for form in old.form_drafts:
            if keep_drafts and form in unsaved:
                await drafts.save_draft(old.racer_id, form, old.form_drafts[form])
            else:
                # Dropped, or emptied in this tab (cleared fields): an older draft saved before
                # the clearing must not come back as the racer's unsaved input.
                await drafts.discard_draft(old.racer_id, form)
    return await open_workspace(racer_id)


async def open_workspace(racer_id: int) -> Workspace:
    """A fresh workspace for the racer, with the drafts they saved."""
    return Workspace(racer_id=racer_id, form_drafts=await drafts.load_drafts(racer_id))
