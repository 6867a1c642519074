"""Install to the home screen: the web app manifest, its icons and the tags every page's head
needs so that a phone offers "Add to Home Screen" and opens Pitbox full screen, like an app.

The manifest and the icons are open to every client (a phone fetches them when it installs,
before or without logging in); see ``ui.access``.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.responses import Response
from nicegui import app, ui

from ui.theme import BACKGROUND, PRIMARY

MANIFEST_PATH = "/manifest.webmanifest"
ICONS_PATH = "/icons"  # a mount of its own: nothing but the icons is reachable under it
ICONS_DIR = Path(__file__).parent / "static" / "icons"
DESCRIPTION = "Pit-side setup notebook for RC racers: cars, setups, sessions and lap times."


def manifest() -> dict:
    return {
        "name": "Pitbox",
        "short_name": "Pitbox",
        "description": DESCRIPTION,
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": BACKGROUND,
        "theme_color": PRIMARY,
        "icons": [
            {"src": f"{ICONS_PATH}/icon-192.png", "sizes": "192x192", "type": "image/png",
             "purpose": "any"},
            {"src": f"{ICONS_PATH}/icon-512.png", "sizes": "512x512", "type": "image/png",
             "purpose": "any"},
            {"src": f"{ICONS_PATH}/icon-maskable-512.png", "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
        ],
    }  # fmt: skip


HEAD_HTML = f"""
<meta name="description" content="{DESCRIPTION}">
<meta name="theme-color" content="{PRIMARY}">
<link rel="manifest" href="{MANIFEST_PATH}">
<link rel="icon" type="image/png" sizes="192x192" href="{ICONS_PATH}/icon-192.png">
<link rel="apple-touch-icon" href="{ICONS_PATH}/apple-touch-icon.png">
<meta name="mobile-web-app-capable" content="yes">
<meta name="apple-mobile-web-app-capable" content="yes">
<meta name="apple-mobile-web-app-title" content="Pitbox">
<meta name="apple-mobile-web-app-status-bar-style" content="default">
"""


def register() -> None:
    """Serve the manifest and the icons, and link them from the head of every page."""
    ui.add_head_html(HEAD_HTML, shared=True)
    body = json.dumps(manifest(), indent=2)

    @app.get(MANIFEST_PATH, include_in_schema=False)
    def web_manifest() -> Response:
        return Response(body, media_type="application/manifest+json",
                        headers={"Cache-Control": "public, max-age=3600"})  # fmt: skip

    app.add_static_files(ICONS_PATH, ICONS_DIR, max_cache_age=86400)
