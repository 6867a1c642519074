"""What the browser itself does for a racer on a phone (``ui/static/pitbox.js``).

- The phone's Back button closes the open dialog instead of leaving the app.
- Typed input of a draft form is kept in the browser's own storage at once, and put back when
  the page opens again, until the server confirms it has saved it: a dropped Wi-Fi or a page
  closed mid-typing loses nothing, not even what the server never received.
- A lost connection is said plainly at the top of the screen, with what to do.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from nicegui import app, ui
from nicegui.client import Client
from nicegui.element import Element

_SCRIPT = Path(__file__).parent / "static" / "pitbox.js"
_URL = "/pitbox.js"

# NiceGUI's "connection lost" popup, moved from the bottom corner (under the thumb and the tab
# bar) to a plain banner at the top, where the racer looks.
_CSS = """
#popup.nicegui-error-popup { top: 0; bottom: auto; left: 0; right: 0; margin: 0;
  padding: 10px 16px 10px 3.2em; gap: 2px; border: 0; border-radius: 0;
  background: #78350F; color: white; box-shadow: 0 2px 8px rgba(0,0,0,.3); }
#popup.nicegui-error-popup span:first-child { font-weight: 700; font-size: 1rem; }
"""


def serve(local_file: Path, url_path: str) -> str:
    """Serve a static file (once, at startup); its address for pages, with the file's hash in
    it, so that a phone's cached copy of an older release is never used."""
    app.add_static_file(local_file=local_file, url_path=url_path, max_cache_age=86400)
    return f"{url_path}?v={hashlib.sha256(local_file.read_bytes()).hexdigest()[:12]}"


_address = _URL


def register() -> None:
    """Serve the script (once, at startup)."""
    global _address
    _address = serve(_SCRIPT, _URL)


def install() -> None:
    """Load the script and its styles on this page."""
    ui.add_head_html(f'<script src="{_address}" defer></script>')
    ui.add_css(_CSS)


def keep_locally(element: Element, racer_id: int, form: str, field: str) -> None:
    """Keep what is typed into ``element`` in the browser too, under its racer and form."""
    element.props(f'data-draft="{racer_id}|{form}|{field}"')


def local_copies_prop(racer_id: int, form: str) -> str:
    """The prop of an element that folds ``form`` away: the browser unfolds it (a click on
    its toggle) when it holds copies of that form's input the server never received."""
    return f'data-draft-form="{racer_id}|{form}"'


def _run(client: Client, code: str) -> None:
    if not client.is_deleted and client.has_socket_connection:
        client.run_javascript(f"window.pitbox && {code}")


def saved_locally_kept(client: Client, racer_id: int, form: str, values: dict[str, Any]) -> None:
    """The server has saved these values of the form: the browser may drop its copies."""
    shown = {key: "" if value is None else str(value) for key, value in values.items()}
    _run(client, f"pitbox.drafts.saved({racer_id}, {json.dumps(form)}, {json.dumps(shown)})")


def forget_locally_kept(client: Client, racer_id: int, form: str | None = None) -> None:
    """The form was saved or its input dropped (all of a racer's forms when ``form`` is None)."""
    _run(client, f"pitbox.drafts.forget({racer_id}, {json.dumps(form)})")
