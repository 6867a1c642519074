"""Pitbox settings: the one place that reads the environment.

Every knob is an environment variable so the same code runs on a laptop (embedded SQLite),
in a container (PostgreSQL through ``DATABASE_URL``) and in tests.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = PROJECT_DIR / "data"
SQLITE_FILE_NAME = "pitbox.sqlite3"

URL_HINT = "use postgres://user:password@host:5432/dbname or sqlite:///path/to/pitbox.sqlite3"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable and the fix."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    host: str | None  # None: the mode's default (see main.py)
    port: int | None
    storage_secret: str
    migrate_on_start: bool
    reconnect_timeout: float
    # None: a password is generated and kept in the data folder (see services/access.py).
    access_password: str | None = None
    # Behind a reverse proxy every request comes from the proxy: trust no address.
    behind_proxy: bool = False

    @property
    def dialect(self) -> str:
        return database_dialect(self.database_url)

    @property
    def sqlite_path(self) -> Path | None:
        return sqlite_path(self.database_url)


def database_dialect(url: str) -> str:
    scheme = urlsplit(url).scheme
    return "sqlite" if scheme == "sqlite" else "postgres"


def sqlite_path(url: str) -> Path | None:
    """The file behind a ``sqlite://`` URL, or None for PostgreSQL and in-memory databases."""
    if not url.startswith("sqlite://"):
        return None
    rest = url[len("sqlite://") :].split("?", 1)[0]
    if rest in {"", ":memory:"}:
        return None
    return Path(rest)


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def redacted_url(url: str) -> str:
    """The URL with its password masked, safe to print, even when the URL is malformed
    (a password holding ``@``, ``/`` or ``:``, a missing scheme)."""
    if "@" not in url:
        return url
    head, host = url.rsplit("@", 1)
    scheme = match.group(0) if (match := _SCHEME.match(head)) else ""
    credentials = head[len(scheme) :]
    if ":" not in credentials:
        return url
    return f"{scheme}{credentials.split(':', 1)[0]}:***@{host}"


def normalise_database_url(raw: str) -> str:
    """Check ``DATABASE_URL`` and return it in the form Tortoise expects.

    Raises SettingsError with one line that says what is wrong and what to write instead; the
    line never contains the URL's password.
    """
    url = raw.strip()
    shown = redacted_url(url)
    if url.startswith("postgresql://"):
        url = "postgres://" + url[len("postgresql://") :]
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        if sqlite_path(url) is None and ":memory:" not in url:
            raise SettingsError(f"DATABASE_URL={shown!r} has no file path; {URL_HINT}")
        return url
    if parts.scheme == "postgres":
        try:
            port = parts.port
        except ValueError:
            raise SettingsError(f"DATABASE_URL={shown!r} has a bad port; {URL_HINT}") from None
        if not parts.hostname or not parts.path.strip("/"):
            raise SettingsError(
                f"DATABASE_URL={shown!r} needs a host and a database name; {URL_HINT}"
            )
        del port
        return url
    raise SettingsError(f"DATABASE_URL={shown!r} is not a PostgreSQL or SQLite URL; {URL_HINT}")


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in {"", "0", "false", "no", "off"}:
        return False
    if value in {"1", "true", "yes", "on"}:
        return True
    raise SettingsError(f"{name}={value!r} must be true or false")


def _number(env: Mapping[str, str], name: str, default: float, kind: type) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} must be a number") from None
    if value <= 0:
        raise SettingsError(f"{name}={raw!r} must be greater than zero")
    return value


def _storage_secret(env: Mapping[str, str], data_dir: Path) -> str:
    """The secret that signs browser sessions.

    Deployments set PITBOX_STORAGE_SECRET. A local install gets a random one, kept in the data
    folder so that browser sessions survive a restart.
    """
    if secret := env.get("PITBOX_STORAGE_SECRET", "").strip():
        return secret
    secret_file = data_dir / ".storage_secret"
    if secret_file.exists():
        return secret_file.read_text().strip()
    secret = secrets.token_urlsafe(32)
    write_private_file(secret_file, secret)
    return secret


def write_private_file(path: Path, text: str) -> None:
    """Create a file only its owner can read, from the first byte."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def check_writable_folder(folder: Path, what: str) -> None:
    """Raise SettingsError (one line) unless this user can create files in ``folder``."""
    try:
        descriptor, probe = tempfile.mkstemp(prefix=".pitbox-write-check-", dir=folder)
    except OSError as exc:
        raise SettingsError(
            f"{what} {str(folder)!r} cannot be written by this user ({exc.strerror}): make it "
            "writable, or point PITBOX_DATA_DIR at a folder that is"
        ) from None
    os.close(descriptor)
    os.unlink(probe)


def data_dir_from(env: Mapping[str, str]) -> Path:
    return Path(env.get("PITBOX_DATA_DIR", "").strip() or DEFAULT_DATA_DIR).resolve()


def database_url_from(env: Mapping[str, str]) -> str:
    """``DATABASE_URL`` checked, or the embedded SQLite file in the data folder."""
    raw_url = env.get("DATABASE_URL", "").strip()
    if raw_url:
        return normalise_database_url(raw_url)
    return f"sqlite://{data_dir_from(env) / SQLITE_FILE_NAME}"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read every setting from the environment (``os.environ`` unless given)."""
    env = os.environ if env is None else env
    data_dir = data_dir_from(env)
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(
            f"PITBOX_DATA_DIR={str(data_dir)!r} cannot be created: {exc.strerror}"
        ) from None
    # The database, its backups and the secrets live here: fail now, in one line, rather
    # than with a traceback (or a hang in SQLite) later.
    check_writable_folder(data_dir, "The data folder (PITBOX_DATA_DIR)")

    url = database_url_from(env)
    if (path := sqlite_path(url)) is not None and not path.parent.exists():
        raise SettingsError(
            f"DATABASE_URL={redacted_url(env.get('DATABASE_URL', ''))!r}: the folder "
            f"{str(path.parent)!r} does not exist"
        )
    if path is not None and path.parent != data_dir:
        check_writable_folder(path.parent, "The database folder")

    return Settings(
        database_url=url,
        data_dir=data_dir,
        host=env.get("PITBOX_HOST", "").strip() or None,
        port=int(_number(env, "PITBOX_PORT", 0, int)) or None,
        storage_secret=_storage_secret(env, data_dir),
        migrate_on_start=_flag(env, "PITBOX_MIGRATE_ON_START"),
        # Pit Wi-Fi drops and phones lock between heats: keep the page alive for two minutes
        # instead of NiceGUI's 3 s, so a short drop does not reload the page.
        reconnect_timeout=_number(env, "PITBOX_RECONNECT_TIMEOUT", 120.0, float),
        access_password=env.get("PITBOX_ACCESS_PASSWORD", "").strip() or None,
        behind_proxy=_flag(env, "PITBOX_BEHIND_PROXY"),
    )
