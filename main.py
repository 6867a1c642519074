"""Pitbox: start the app.

python main.py            serve on 0.0.0.0:8080 (PITBOX_HOST / PITBOX_PORT)
python main.py --native   open a desktop window on the embedded database
python main.py export|import|backup|restore ...   move data (see cli.py)
"""

import argparse
import asyncio
import logging
import os
import sys

from nicegui import helpers, ui

import cli
import settings as settings_module
from services import database
from services.access import AccessControl
from services.errors import PitboxError
from ui import access, browser, speedups, theme, webapp
from ui.pages import register_pages
from ui.startup import connect_database_before_serving

log = logging.getLogger("pitbox")


def _fail(message: str) -> None:
    print(f"pitbox: {message}", file=sys.stderr)
    sys.exit(1)


def main(argv: list[str]) -> None:
    # Everything Pitbox creates (database, backups, exports, secrets, browser storage) is
    # readable by its owner only.
    os.umask(0o077)
    if cli.is_command(argv):  # export, import, backup, restore: no server
        sys.exit(cli.run(argv))
    parser = argparse.ArgumentParser(prog="pitbox", description="Pit-side setup notebook")
    parser.add_argument("--native", action="store_true", help="open in a desktop window")
    args, _ = parser.parse_known_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("tortoise").setLevel(logging.WARNING)

    try:
        settings = settings_module.load_settings()
    except settings_module.SettingsError as exc:
        _fail(str(exc))

    # Migrate (or refuse) before the server starts, so that problems are one clear line on
    # the terminal. Under the test fixtures the database is already migrated and a loop runs.
    if not helpers.is_user_simulation():
        try:
            asyncio.run(database.migrate_for_startup(settings))
        except database.DatabaseError as exc:
            _fail(str(exc))

    # Phones on the network may join either way (the access gate asks them for the password);
    # a native window takes a free port, so that it never collides with a running server.
    host = settings.host or "0.0.0.0"
    try:
        control = AccessControl(
            settings.data_dir,
            settings.storage_secret,
            environment_password=settings.access_password,
            behind_proxy=settings.behind_proxy,
        )
    except (PitboxError, OSError) as exc:
        _fail(str(exc))
    access.install(control, host=host)
    connect_database_before_serving(settings.database_url)
    speedups.install()
    register_pages()
    browser.register()
    webapp.register()
    theme.register()
    ui.run(
        host=host,
        port=settings.port or (None if args.native else 8080),
        title="Pitbox",
        favicon="🏁",
        language="en-US",  # the html tag's lang, for screen readers and translation
        tailwind=False,  # compiled at build time instead: ui/theme.py
        native=args.native,
        reload=False,
        show=False,
        storage_secret=settings.storage_secret,
        reconnect_timeout=settings.reconnect_timeout,
    )


if __name__ in {"__main__", "__mp_main__"}:
    main(sys.argv[1:])
