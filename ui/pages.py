"""Pages of the app."""

from nicegui import ui

from models import RacerProfile


def register_pages() -> None:
    @ui.page("/")
    async def index() -> None:
        ui.label("Pitbox").classes("text-2xl font-bold")
        profiles = await RacerProfile.all().order_by("-is_default", "name")
        if not profiles:
            ui.label("No racers yet.")
        for profile in profiles:
            ui.label(f"{profile.name}{' ★' if profile.is_default else ''}")
