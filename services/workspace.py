"""The per-tab workspace: one typed object holding everything a tab is working on for a racer.

Every profile-scoped key is declared here, in ``PROFILE_SCOPED_KEYS`` (the allow-list): a
switch of racer replaces the whole workspace, so nothing can bleed from one racer to another.
The UI stores the workspace in NiceGUI's tab storage under one key and never invents others.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from services import drafts, sessions
from services.errors import NotFoundError


@dataclass
class Workspace:
    racer_id: int | None = None
    # Profile-scoped working state: cleared by a switch of racer.
    active_session_id: int | None = None
    actual_setup: dict[str, Any] = field(default_factory=dict)
    pending_changes: list[dict[str, Any]] = field(default_factory=list)
    track_context: dict[str, str] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    form_drafts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_storage(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_storage(cls, data: Any) -> Workspace:
        """Rebuild from tab storage; anything unknown or malformed gives an empty workspace."""
        if not isinstance(data, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except TypeError:
            return cls()

    def unsaved_forms(self) -> list[str]:
        """Forms with typed input that has not been submitted."""
        return [
            form
            for form, values in self.form_drafts.items()
            if any(v not in (None, "", [], {}) for v in values.values())
        ]


PROFILE_SCOPED_KEYS: tuple[str, ...] = tuple(
    f.name for f in fields(Workspace) if f.name != "racer_id"
)


@dataclass(frozen=True)
class SwitchImpact:
    """What a switch of racer would clear from the tab; empty means nothing to warn about."""

    session: sessions.ActiveSession | None
    unsaved_forms: tuple[str, ...]

    @property
    def needs_warning(self) -> bool:
        return self.session is not None or bool(self.unsaved_forms)


async def switch_impact(workspace: Workspace) -> SwitchImpact:
    """What leaving the current racer would clear: the open session and unsaved input."""
    session = None
    if workspace.racer_id is not None and workspace.active_session_id is not None:
        current = await sessions.active_session(workspace.racer_id)
        if current is not None and current.id == workspace.active_session_id:
            session = current
    return SwitchImpact(session=session, unsaved_forms=tuple(workspace.unsaved_forms()))


async def switch_to(old: Workspace, racer_id: int, *, keep_drafts: bool) -> Workspace:
    """The workspace for ``racer_id``; the old racer's typed input is kept as drafts or dropped.

    Nothing of the old workspace is carried over: the new one starts empty and takes the new
    racer's saved drafts from the database.
    """
    if old.racer_id is not None:
        for form in old.unsaved_forms():
            if keep_drafts:
                await drafts.save_draft(old.racer_id, form, old.form_drafts[form])
            else:
                await drafts.discard_draft(old.racer_id, form)
    return await open_workspace(racer_id)


async def open_workspace(racer_id: int) -> Workspace:
    """A fresh workspace for the racer, with the drafts they saved."""
    return Workspace(racer_id=racer_id, form_drafts=await drafts.load_drafts(racer_id))


async def resume_session(workspace: Workspace) -> Workspace:
    """Load the racer's active session from the database into the workspace."""
    assert workspace.racer_id is not None
    current = await sessions.active_session(workspace.racer_id)
    if current is None:
        raise NotFoundError("This racer has no active session to resume")
    state = await sessions.working_state(workspace.racer_id, current.id)
    return replace(workspace, **state)
