"""A racer's file out and in from the racer selector: an "Export" download on each racer's card
and an "Import a racer" upload that asks for another name when the name is taken."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import date

from nicegui import run, ui
from nicegui.events import UploadEventArguments

from services import transfer
from services.errors import NameTakenError, PitboxError, ValidationError
from ui.components import ask, dialog_card, named, submit_on_enter

Notify = Callable[..., None]
# The uploader's own header is small: make its "+" a thumb-sized target and drop the byte count.
UPLOAD_CSS = """
.racer-upload .q-uploader__header-content { min-height: 64px; }
.racer-upload .q-uploader__header .q-btn { min-width: 48px; min-height: 48px; }
.racer-upload .q-uploader__subtitle { display: none; }
.racer-upload .q-uploader__list { min-height: 0; padding: 0; }
"""


def file_name(racer_name: str, day: date | None = None) -> str:
    """ "pitbox-lena-2026-05-17.json": plain letters, so every phone and computer keeps it."""
    ascii_name = unicodedata.normalize("NFKD", racer_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()[:40] or "racer"
    return f"pitbox-{slug}-{(day or date.today()).isoformat()}.json"


def export_button(racer_id: int, racer_name: str, notify: Notify) -> ui.button:
    """An icon button on a racer's card that downloads the racer's whole notebook."""

    async def download() -> None:
        try:
            document = await transfer.export_racer(racer_id)
        except PitboxError as exc:  # deleted in another tab
            notify(str(exc), type="warning")
            return
        ui.download.content(transfer.dumps(document), file_name(racer_name), "application/json")
        counts = transfer.racer_counts(document)
        notify(f"Exported {racer_name}: {counts.describe()}", type="positive")

    button = (
        ui.button(icon="download", on_click=download)
        .props("flat round color=grey-9")
        .classes("tap")
        .mark(f"export-{racer_id}")
    )
    named(button, f"Export {racer_name}")
    button.tooltip("Export to a file")
    return button


def import_button(
    host: ui.element, notify: Notify, on_imported: Callable[[], Awaitable[None]]
) -> ui.button:
    """A wide "Import a racer" button; its dialog is created in ``host`` (never in content a
    refresh may delete)."""

    async def open_dialog() -> None:
        with host:
            dialog = ImportDialog(notify)
        if await dialog.ask():
            await on_imported()

    with (
        ui.button(on_click=open_dialog)
        .props("outline no-caps")
        .classes("tap pit-card w-full min-h-[56px] text-base bg-white")
        .mark("import-racer") as button
    ):
        ui.icon("upload_file", size="24px").classes("mr-2")
        ui.label("Import a racer")
    return button


class ImportDialog:
    """Upload a racer's file; a name already taken asks for a new one. Nothing is written
    until the whole file is checked, and a bad file changes nothing."""

    def __init__(self, notify: Notify) -> None:
        self.notify = notify
        self.records: transfer.RacerRecords | None = None
        self.dialog, card = dialog_card("Import a racer", marker="import-dialog")
        limit = transfer.MAX_FILE_BYTES // 1024 // 1024
        ui.add_css(UPLOAD_CSS)
        with card:
            ui.label(
                f"Choose a racer's file exported from Pitbox (.json, up to {limit} MB). "
                "The racer is added with all their cars and sessions."
            ).classes("text-slate-800")
            self.upload = (
                ui.upload(
                    auto_upload=True,
                    max_file_size=transfer.MAX_FILE_BYTES,
                    on_upload=self._uploaded,
                    on_rejected=self._rejected,
                    label="Tap + to choose the file",
                )
                .props("accept=.json,application/json flat bordered")
                .classes("w-full racer-upload")
                .mark("import-upload")
            )
            self.problem = (
                ui.label()
                .classes("text-red-800 font-semibold break-words")
                .props("role=alert")
                .mark("import-problem")
            )
            self.problem.set_visibility(False)
            with ui.column().classes("w-full gap-1").mark("import-rename-step") as self.rename_step:
                self.clash = ui.label().classes("text-slate-900 break-words")
                self.new_name = (
                    ui.input("Import as").classes("w-full").props("outlined").mark("import-rename")
                )
                submit = ui.button("Import", icon="upload", on_click=self._import_renamed)
                submit.classes("tap w-full").mark("import-rename-submit")
                submit_on_enter(submit, self.new_name)
            self.rename_step.set_visibility(False)
            with ui.row().classes("w-full justify-end mt-2"):
                ui.button("Close", on_click=self.dialog.close).props("flat").classes("tap").mark(
                    "import-close"
                )

    async def ask(self) -> bool:
        return bool(await ask(self.dialog))

    def _show_problem(self, message: str | None) -> None:
        self.problem.text = message or ""
        self.problem.set_visibility(bool(message))

    def _rejected(self) -> None:
        limit = transfer.MAX_FILE_BYTES // 1024 // 1024
        self._show_problem(
            f"That file cannot be a racer's file: choose a .json file of at most {limit} MB"
        )

    async def _uploaded(self, event: UploadEventArguments) -> None:
        self._show_problem(None)
        self.rename_step.set_visibility(False)
        raw = await event.file.read()
        self.upload.reset()
        try:
            # Checking a large file takes a moment: keep the page answering meanwhile.
            self.records = await run.io_bound(transfer.read_racer_file, raw)
        except ValidationError as exc:
            self._show_problem(f"Nothing was imported. {event.file.name}: {exc}")
            return
        await self._import(None)

    async def _import_renamed(self) -> None:
        self.new_name.error = None
        await self._import(self.new_name.value)

    async def _import(self, rename: str | None) -> None:
        assert self.records is not None
        try:
            report = await transfer.import_racer(self.records, rename=rename)
        except NameTakenError as exc:
            if rename is None:
                self.clash.text = (
                    f"There is already a racer called {exc.name}. Nothing was merged: "
                    "import the file as a new racer under another name."
                )
                self.new_name.value = f"{exc.name} (2)"
                self.rename_step.set_visibility(True)
            else:
                self.new_name.error = f"There is already a racer called {exc.name}"
            return
        except ValidationError as exc:
            self.new_name.error = exc.errors.get("name") or str(exc)
            return
        except PitboxError as exc:
            self._show_problem(f"Nothing was imported: {exc}")
            return
        self.notify(f"Imported {report.describe()}", type="positive")
        self.dialog.submit(True)
