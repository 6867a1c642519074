"""Moving data from the command line: one racer, or the whole install.

    python main.py export --racer "NAME" [--output FILE]   (standard output without --output)
    python main.py import FILE [--rename "NEW NAME"]        (FILE "-" reads standard input)
    python main.py backup FILE
    python main.py restore FILE [--force]

They use the database the app uses (DATABASE_URL, else the embedded file) and bring it to the
current schema first, as the app does at startup. Each prints one line per racer with counts;
reading a large file shows a progress bar on standard error. Problems are one line on standard
error and exit status 1; nothing is half-written.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from tqdm import tqdm

import settings as settings_module
from services import database, transfer
from services.errors import NameTakenError, PitboxError

COMMANDS = frozenset({"export", "import", "backup", "restore"})
# Files with fewer records than this are written before a bar would be worth seeing.
PROGRESS_FROM = 2000


def is_command(argv: list[str]) -> bool:
    """True when the arguments ask for one of these commands rather than the app."""
    return bool(argv) and argv[0] in COMMANDS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python main.py", description="Move Pitbox data")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="one racer's notebook as a JSON file")
    export.add_argument("--racer", required=True, help="the racer's name")
    export.add_argument("--output", type=Path, help="the file to write (default: standard output)")
    imported = commands.add_parser("import", help="add a racer from an exported file")
    imported.add_argument("file", help="the racer's file, or - for standard input")
    imported.add_argument("--rename", help="import under this name (when the name is taken)")
    backup = commands.add_parser("backup", help="every racer of this install in one file")
    backup.add_argument("file", type=Path)
    restore = commands.add_parser("restore", help="replace this install's racers with a backup")
    restore.add_argument("file", help="the backup file, or - for standard input")
    restore.add_argument("--force", action="store_true", help="replace racers already here")
    return parser


def run(argv: list[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run one command; return the exit status."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    args = _parser().parse_args(argv)
    try:
        settings = settings_module.load_settings()
        return asyncio.run(_COMMANDS[args.command](args, settings, out, err))
    except NameTakenError as exc:
        print(f"pitbox: There is already a racer called {exc.name}: import again with "
              '--rename "NEW NAME"', file=err)  # fmt: skip
    except (PitboxError, database.DatabaseError, settings_module.SettingsError) as exc:
        print(f"pitbox: {exc}", file=err)
    except OSError as exc:
        print(f"pitbox: {exc.filename or ''}: {exc.strerror or exc}", file=err)
    return 1


@asynccontextmanager
async def _connected(settings: settings_module.Settings) -> AsyncIterator[None]:
    await database.migrate_for_startup(settings)
    await database.connect(settings.database_url)
    try:
        yield
    finally:
        await database.disconnect()


def _read(name: str, stdin: BinaryIO | None = None) -> bytes:
    # One byte over the limit is enough to refuse a huge file without reading all of it.
    if name == "-":
        return (stdin or sys.stdin.buffer).read(transfer.MAX_FILE_BYTES + 1)
    with open(name, "rb") as file:
        return file.read(transfer.MAX_FILE_BYTES + 1)


def _write(path: Path, data: bytes) -> None:
    # Through a temporary file: a full disk or a stop midway never leaves half a file.
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _progress_bar(total: int, err: TextIO) -> tqdm:
    return tqdm(total=total, file=err, unit=" records", disable=total < PROGRESS_FROM,
                leave=False, dynamic_ncols=True)  # fmt: skip


async def _export(args: Any, settings: Any, out: TextIO, err: TextIO) -> int:
    async with _connected(settings):
        racer = await transfer.find_racer(args.racer)
        document = await transfer.export_racer(racer.id)
    counts = transfer.racer_counts(document)
    if args.output is None:
        out.flush()
        getattr(out, "buffer", out).write(transfer.dumps(document))
        out.flush()
        print(f"Exported {racer.name}: {counts.describe()}", file=err)
    else:
        _write(args.output, transfer.dumps(document))
        print(f"Exported {racer.name}: {counts.describe()} to {args.output}", file=out)
    return 0


async def _import(args: Any, settings: Any, out: TextIO, err: TextIO) -> int:
    records = _checked(args.file, transfer.read_racer_file)
    async with _connected(settings):
        with _progress_bar(records.counts.rows, err) as bar:
            report = await transfer.import_racer(records, rename=args.rename, progress=bar.update)
    default = " (the default racer)" if report.is_default else ""
    print(f"Imported {report.describe()}{default}", file=out)
    return 0


async def _backup(args: Any, settings: Any, out: TextIO, err: TextIO) -> int:
    async with _connected(settings):
        document = await transfer.export_backup()
    _write(args.file, transfer.dumps(document))
    for racer in document["racers"]:
        counts = transfer.racer_counts(racer)
        print(f"Backed up {racer['racer']['name']}: {counts.describe()}", file=out)
    print(f"Wrote {len(document['racers'])} racers to {args.file}", file=out)
    return 0


async def _restore(args: Any, settings: Any, out: TextIO, err: TextIO) -> int:
    racers = _checked(args.file, transfer.read_backup_file)
    async with _connected(settings):
        with _progress_bar(sum(r.counts.rows for r in racers), err) as bar:
            reports = await transfer.restore_backup(racers, force=args.force, progress=bar.update)
    for report in reports:
        default = " (the default racer)" if report.is_default else ""
        print(f"Restored {report.describe()}{default}", file=out)
    return 0


def _checked(name: str, read: Callable[[bytes], Any]) -> Any:
    """The file read and checked before the database is touched; problems name the file."""
    raw = _read(name)
    try:
        return read(raw)
    except PitboxError as exc:
        shown = "standard input" if name == "-" else name
        raise PitboxError(f"{shown}: {exc}") from None


_COMMANDS = {"export": _export, "import": _import, "backup": _backup, "restore": _restore}
