"""The Devices page, on the laptop only: the password, a QR code to join, and changing it.

Only trusted clients (this machine, no proxy) reach ``/devices``: the gate refuses the others.
"""

from __future__ import annotations

import segno
from fastapi import Request
from nicegui import ui

from services import access as access_service
from services.errors import PitboxError, ValidationError
from ui import access, theme
from ui.components import ask, named_dialog, submit_on_enter

PATH = "/devices"


def add_devices_button(beside: ui.element) -> None:
    """The way to the Devices page, just after ``beside`` (in the header); shown only on this
    machine, which is the only one allowed to open it."""
    if not access.trusted_request(ui.context.client.request):
        return
    row = beside.parent_slot.parent if beside.parent_slot else None
    if row is None:
        return
    with row:
        button = (
            ui.button(icon="qr_code_2", on_click=lambda: ui.navigate.to(PATH))
            .props("flat round color=white aria-label=Devices")
            .classes("tap")
            .mark("open-devices")
        )
        button.tooltip("Devices: let a phone join")
    button.move(row, target_index=row.default_slot.children.index(beside) + 1)
    row.classes("no-wrap")


class DevicesPage:
    def __init__(self, request: Request) -> None:
        self.control = access.control()
        self.port = request.url.port or (443 if request.url.scheme == "https" else 80)
        self.scheme = request.url.scheme
        self.addresses = access_service.lan_addresses(access.listen_host)
        self.address = self.addresses[0] if self.addresses else None
        self.token = self.control.new_join_token()
        # Messages go here: a handler's own button may be redrawn away while it runs.
        self.root = ui.context.client.layout

    def url(self, path: str = "/") -> str:
        port = "" if self.port in {80, 443} else f":{self.port}"
        return f"{self.scheme}://{self.address}{port}{path}"

    def build(self) -> None:
        with ui.column().classes("w-full max-w-md mx-auto p-3 gap-3"):
            with ui.row().classes("w-full items-center gap-2"):
                ui.button(icon="arrow_back", on_click=lambda: ui.navigate.to("/")).props(
                    "flat round aria-label=Back"
                ).classes("tap").mark("back-to-app")
                ui.label("Devices").classes("text-xl font-bold")
            with ui.card().classes("w-full pit-card items-center gap-2"):
                ui.label("Let a phone join").classes("text-lg font-bold self-start")
                self.join_area = ui.column().classes("w-full items-center gap-2")
                self.render_join()
            with ui.card().classes("w-full pit-card gap-2"):
                ui.label("Password").classes("text-lg font-bold")
                self.password_area = ui.column().classes("w-full gap-2")
                self.render_password()
        # A used or expired code is replaced, so the next phone can scan straight away.
        ui.timer(2.0, self.check_token)

    def render_join(self) -> None:
        self.join_area.clear()
        with self.join_area:
            if self.address is None:
                ui.label(
                    "Phones cannot reach Pitbox: it listens on this computer only. Start it "
                    "with PITBOX_HOST=0.0.0.0 to let phones on this network join."
                ).classes("text-slate-700").mark("no-network")
                return
            if len(self.addresses) > 1:
                ui.select(self.addresses, value=self.address, label="Network address",
                          on_change=self.choose_address).classes("w-full")  # fmt: skip
            link = self.url(f"{access.JOIN_PREFIX}{self.token}")
            qr = segno.make(link, error="m")
            # The link is also an attribute, for a browser test to follow; this page already
            # shows the password, so it tells nobody anything new.
            ui.image(qr.svg_data_uri(scale=8, border=2, dark="#0F172A")).classes("w-64 h-64").props(
                f'alt="QR code to join Pitbox" data-join-link="{link}"'
            ).mark("join-qr")
            ui.label("Scan it with the phone's camera. It works once; a new one appears.").classes(
                "text-center text-slate-700"
            )
            ui.label("Or open this address and type the password:").classes(
                "text-center text-slate-700"
            )
            ui.label(self.url()).classes("font-mono font-bold text-center break-all").mark(
                "app-address"
            )

    def render_password(self) -> None:
        self.password_area.clear()
        with self.password_area:
            if self.control.environment_password:
                ui.label("Set with PITBOX_ACCESS_PASSWORD on the computer running Pitbox.").classes(
                    "text-slate-700"
                )
                return
            shown = self.control.shown_password
            if shown:
                ui.label(shown).classes("text-2xl font-mono font-bold tracking-wider").mark(
                    "access-password"
                )
            else:
                ui.label("You chose the password, so it is not shown.").classes("text-slate-700")
            ui.label(
                "Phones and other computers need it once. A new password signs them all out."
            ).classes("text-sm text-slate-600")
            with ui.row().classes("w-full gap-2"):
                ui.button("New password", icon="autorenew", on_click=self.rotate).props(
                    "outline"
                ).classes("tap").mark("rotate-password")
                ui.button("Choose one", icon="edit", on_click=self.choose).props("flat").classes(
                    "tap"
                ).mark("choose-password")

    async def choose_address(self, event) -> None:
        self.address = event.value
        self.render_join()

    def check_token(self) -> None:
        if self.address is not None and not self.control.join_token_open(self.token):
            self.token = self.control.new_join_token()
            self.render_join()

    async def rotate(self) -> None:
        with (
            named_dialog("Make a new password?") as dialog,
            ui.card().classes("pit-card max-w-md").mark("rotate-dialog"),
        ):
            ui.label("Make a new password?").classes("text-lg font-bold")
            ui.label("Every phone and other computer must log in again.")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=dialog.close).props("flat").classes("tap")
                ui.button("New password", on_click=lambda: dialog.submit(True)).classes("tap").mark(
                    "confirm-rotate"
                )
        if not await ask(dialog):
            return
        self.control.rotate()
        await self._signed_out_others()

    async def choose(self) -> None:
        with (
            named_dialog("Choose a password") as dialog,
            ui.card().classes("pit-card w-full max-w-md").mark("choose-dialog"),
        ):
            ui.label("Choose a password").classes("text-lg font-bold")
            field = (
                ui.input("New password", password=True, password_toggle_button=True)
                .props("outlined autocomplete=new-password")
                .classes("w-full")
                .mark("new-password")
            )
            ui.label("At least 8 characters. It is kept only as a hash, never shown.").classes(
                "text-sm text-slate-600"
            )

            def save() -> None:
                try:
                    self.control.change_password(field.value)
                except ValidationError as exc:
                    field.error = exc.errors.get("password", str(exc))
                    return
                dialog.submit(True)

            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=dialog.close).props("flat").classes("tap")
                submit = ui.button("Save", on_click=save).classes("tap").mark("save-password")
                submit_on_enter(submit, field)
        if await ask(dialog):
            await self._signed_out_others()

    async def _signed_out_others(self) -> None:
        self.token = self.control.new_join_token()
        self.render_join()
        self.render_password()
        count = await access.sign_out_other_devices()
        signed_out = f"; {count} open page(s) on other devices were signed out" if count else ""
        with self.root:
            ui.notify(f"Password changed{signed_out}", type="positive", position="top")


def register() -> None:
    @ui.page(PATH, title="Devices · Pitbox")
    def devices(request: Request) -> None:
        theme.apply()
        try:
            DevicesPage(request).build()
        except PitboxError as exc:
            ui.label(str(exc)).classes("p-4")
