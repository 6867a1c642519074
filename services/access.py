"""Who may use this install: the access password, device sessions, join links and racer PINs.

Clients on this machine's loopback (the native window, a browser at localhost) are trusted.
Every other client needs the instance's access password, or a one-time join link that the
laptop's own page shows as a QR code. Behind a reverse proxy every request comes from the
proxy's address, so nobody is trusted by address there.

Passwords and PINs are hashed with argon2; a device that logged in carries a cookie signed with
the storage secret, naming the current "epoch": changing or rotating the password starts a new
epoch, which signs every other device out. Repeated wrong tries from one address (or on one
racer's PIN) are slowed down, with a bounded table of addresses.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ifaddr
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from models import RacerProfile
from services import validation
from services.errors import NotFoundError, RuleError, ValidationError

ACCESS_FILE_NAME = "access.json"
COOKIE_NAME = "pitbox_access"
SESSION_MAX_AGE = 30 * 24 * 3600  # a race season's weekend after weekend, then log in again
JOIN_LINK_MAX_AGE = 15 * 60
JOIN_LINKS_KEPT = 32
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
PIN_MIN_LENGTH = 4
PIN_MAX_LENGTH = 8
# Headers a reverse proxy adds: when present, the peer address is the proxy's, not the client's.
FORWARDED_HEADERS = frozenset({"forwarded", "x-forwarded-for", "x-real-ip", "x-forwarded-host"})
# Letters and digits that cannot be mistaken for each other when typed from a laptop screen.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

# argon2id with the library's defaults (RFC 9106, low memory: 64 MiB, 3 passes). Each check
# takes that memory for a moment, so at most two run at once, off the event loop.
_HASHER = PasswordHasher()
_CHECKS_AT_ONCE = 2
_semaphores: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}


def hash_secret(secret: str) -> str:
    """An argon2 hash of a password or PIN, never the text itself."""
    return _HASHER.hash(secret)


async def _matches(hashed: str | None, candidate: str) -> bool:
    if not hashed:
        return False
    loop = asyncio.get_running_loop()
    semaphore = _semaphores.setdefault(loop, asyncio.Semaphore(_CHECKS_AT_ONCE))
    async with semaphore:
        return await asyncio.to_thread(_verify, hashed, candidate)


def _verify(hashed: str, candidate: str) -> bool:
    try:
        return _HASHER.verify(hashed, candidate)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- slowing down repeated failures -----------------------------------------------------------


@dataclass
class _Failures:
    count: int
    blocked_until: float
    last: float


class Throttle:
    """Counts wrong tries per key (an address, a racer) and makes the key wait after a few.

    The first ``free_tries`` failures cost nothing; after that each failure makes the key wait
    ``base_delay`` seconds, doubling up to ``max_delay``. At most ``max_keys`` keys are kept
    (the least recently seen go first), and a key quiet for ``forget_after`` seconds is forgotten.
    """

    def __init__(
        self,
        *,
        free_tries: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        max_keys: int = 4096,
        forget_after: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_tries = free_tries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_keys = max_keys
        self.forget_after = forget_after
        self.clock = clock
        self._keys: OrderedDict[str, _Failures] = OrderedDict()

    def __len__(self) -> int:
        return len(self._keys)

    def retry_after(self, key: str) -> float:
        """Seconds this key must still wait before its next try (0: it may try now)."""
        self._forget_quiet()
        record = self._keys.get(key)
        if record is None:
            return 0.0
        return max(0.0, record.blocked_until - self.clock())

    def failed(self, key: str) -> float:
        """Count a wrong try; return the seconds the key must now wait."""
        now = self.clock()
        self._forget_quiet()
        record = self._keys.pop(key, None) or _Failures(0, 0.0, now)
        record.count += 1
        record.last = now
        if record.count >= self.free_tries:
            delay = self.base_delay * 2 ** (record.count - self.free_tries)
            record.blocked_until = now + min(self.max_delay, delay)
        self._keys[key] = record
        while len(self._keys) > self.max_keys:
            self._keys.popitem(last=False)
        return max(0.0, record.blocked_until - now)

    def succeeded(self, key: str) -> None:
        self._keys.pop(key, None)

    def _forget_quiet(self) -> None:
        horizon = self.clock() - self.forget_after
        while self._keys:
            key, record = next(iter(self._keys.items()))
            if record.last > horizon or record.blocked_until > self.clock():
                break
            del self._keys[key]


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 and their IPv4-mapped forms; not this machine's network addresses."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def client_key(host: str | None) -> str:
    """The key a client's failures count under: its address, or its /64 for IPv6, where one
    device easily holds many addresses of its network."""
    try:
        address = ipaddress.ip_address((host or "").split("%", 1)[0])
    except ValueError:
        return f"host:{host or 'unknown'}"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def lan_addresses(listen_host: str | None) -> list[str]:
    """This machine's IPv4 addresses that phones on the same network can reach.

    Empty when Pitbox listens on loopback only; the given address when it listens on one.
    """
    if listen_host and listen_host not in {"0.0.0.0", "::", ""}:
        return [] if is_loopback(listen_host) else [listen_host]
    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):  # IPv6: phones scan the IPv4 address more easily
                continue
            address = ipaddress.IPv4Address(ip.ip)
            if address.is_loopback or address.is_link_local or address.is_unspecified:
                continue
            if ip.ip not in found:
                found.append(ip.ip)
    return found


def generate_password() -> str:
    """Twelve letters and digits in groups of four (about 59 bits): easy to type on a phone."""
    letters = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(12))
    return "-".join(letters[i : i + 4] for i in range(0, 12, 4))


@dataclass(frozen=True)
class LoginAttempt:
    accepted: bool
    retry_after: float = 0.0  # seconds the address must wait before trying again

    @property
    def message(self) -> str:
        if self.accepted:
            return ""
        if self.retry_after > 0:
            return (
                f"Too many wrong tries from this device. Wait {int(self.retry_after + 0.999)} s, "
                "then try again."
            )
        return "That is not the password. It is shown on the laptop running Pitbox."


class AccessControl:
    """The access rules of one install (see the module's docstring)."""

    def __init__(
        self,
        data_dir: Path,
        storage_secret: str,
        *,
        environment_password: str | None = None,
        behind_proxy: bool = False,
        throttle: Throttle | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.data_dir = data_dir
        self.behind_proxy = behind_proxy
        self.throttle = throttle if throttle is not None else Throttle()
        self.clock = clock
        self._serializer = URLSafeTimedSerializer(storage_secret, salt="pitbox-access")
        self._storage_secret = storage_secret
        self._join_links: OrderedDict[str, float] = OrderedDict()
        self.environment_password = bool(environment_password)
        if environment_password:
            # The same cleaning as a typed password, so that both compare equal.
            try:
                environment_password = validation.text(
                    environment_password, "PITBOX_ACCESS_PASSWORD", max_length=PASSWORD_MAX_LENGTH
                )
            except validation.InvalidValue as exc:
                raise RuleError(str(exc)) from None
            assert environment_password is not None
            self._shown: str | None = None
            self._hash = hash_secret(environment_password)
            # Derived from the password: changing the variable signs every device out.
            self.epoch = hmac.new(
                storage_secret.encode(), environment_password.encode(), hashlib.sha256
            ).hexdigest()[:32]
        else:
            self._load_or_create()

    # --- the password file ----------------------------------------------------------------

    @property
    def access_file(self) -> Path:
        return self.data_dir / ACCESS_FILE_NAME

    def _load_or_create(self) -> None:
        try:
            data = json.loads(self.access_file.read_text())
            self._shown = data.get("password") or None
            self._hash = data.get("password_hash") or hash_secret(data["password"])
            self.epoch = str(data["epoch"])
        except FileNotFoundError:
            self._set_generated(generate_password())
        except (ValueError, KeyError, TypeError):
            raise RuleError(
                f"{self.access_file} is damaged: delete it and restart Pitbox to get a new "
                "access password"
            ) from None

    def _set_generated(self, password: str) -> None:
        self._shown = password
        self._hash = hash_secret(password)
        self.epoch = secrets.token_urlsafe(16)
        self._write({"password": password, "epoch": self.epoch})

    def _write(self, data: dict[str, Any]) -> None:
        # Owner-only from the first byte: create the new file 0600, then move it into place.
        temporary = self.access_file.with_name(f".{ACCESS_FILE_NAME}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(data, file)
        os.replace(temporary, self.access_file)

    # --- who is trusted -------------------------------------------------------------------

    def trusts(self, host: str | None, header_names: Iterable[str]) -> bool:
        """Whether a client at ``host`` needs no password: loopback, and no proxy in between."""
        if self.behind_proxy or not is_loopback(host):
            return False
        return not FORWARDED_HEADERS.intersection(name.lower() for name in header_names)

    # --- the password ---------------------------------------------------------------------

    @property
    def shown_password(self) -> str | None:
        """The generated password, for the laptop's own page; None when it was chosen or set
        in the environment (then only its hash is known)."""
        return self._shown

    async def log_in(self, candidate: Any, host: str | None) -> LoginAttempt:
        """Check a typed password from the client at ``host``, slowing down repeated failures."""
        key = client_key(host)
        if (wait := self.throttle.retry_after(key)) > 0:
            return LoginAttempt(False, wait)
        try:
            password = validation.text(candidate, "Password", max_length=PASSWORD_MAX_LENGTH)
        except validation.InvalidValue:
            password = None
        if password and await _matches(self._hash, password):
            self.throttle.succeeded(key)
            return LoginAttempt(True)
        return LoginAttempt(False, self.throttle.failed(key))

    def rotate(self) -> str:
        """A new generated password; every device that logged in must log in again."""
        self._require_file_password()
        self._set_generated(generate_password())
        self._join_links.clear()
        assert self._shown is not None
        return self._shown

    def change_password(self, new_password: Any) -> None:
        """Use a password of the racer's choosing (kept only as a hash); signs devices out."""
        self._require_file_password()
        fields = validation.Fields()
        password = fields.text(
            "password", new_password, "Password", max_length=PASSWORD_MAX_LENGTH, required=True
        )
        if password is not None and len(password) < PASSWORD_MIN_LENGTH:
            fields.add("password", f"Use at least {PASSWORD_MIN_LENGTH} characters")
        fields.raise_if_any()
        assert password is not None
        self._shown = None
        self._hash = hash_secret(password)
        self.epoch = secrets.token_urlsafe(16)
        self._join_links.clear()
        self._write({"password_hash": self._hash, "epoch": self.epoch})

    def _require_file_password(self) -> None:
        if self.environment_password:
            raise RuleError(
                "The password is set by PITBOX_ACCESS_PASSWORD: change it there and restart"
            )

    # --- device sessions ------------------------------------------------------------------

    def session_token(self) -> str:
        """The signed cookie value for a device that just got in."""
        return self._serializer.dumps({"e": self.epoch})

    def session_valid(self, token: str | None) -> bool:
        if not token:
            return False
        try:
            data = self._serializer.loads(token, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return False
        return isinstance(data, dict) and hmac.compare_digest(str(data.get("e")), self.epoch)

    # --- one-time join links --------------------------------------------------------------

    def new_join_token(self) -> str:
        """A token for one device to join without typing the password, valid a short while."""
        self._forget_old_links()
        token = secrets.token_urlsafe(16)
        self._join_links[token] = self.clock() + JOIN_LINK_MAX_AGE
        while len(self._join_links) > JOIN_LINKS_KEPT:
            self._join_links.popitem(last=False)
        return token

    def join_token_open(self, token: str) -> bool:
        """Whether the token can still be used (not used, not expired)."""
        self._forget_old_links()
        return token in self._join_links

    def redeem(self, token: str, host: str | None) -> LoginAttempt:
        """Use a join token: it works once. Wrong tokens count as wrong tries."""
        key = client_key(host)
        if (wait := self.throttle.retry_after(key)) > 0:
            return LoginAttempt(False, wait)
        self._forget_old_links()
        if self._join_links.pop(token, None) is not None:
            self.throttle.succeeded(key)
            return LoginAttempt(True)
        return LoginAttempt(False, self.throttle.failed(key))

    def _forget_old_links(self) -> None:
        now = self.clock()
        for token, expires in list(self._join_links.items()):
            if expires <= now:
                del self._join_links[token]


# --- racer PINs -------------------------------------------------------------------------------

# Per racer, not per device: every device of the install shares one table of tries.
PIN_TRIES = Throttle(free_tries=5, base_delay=2.0, max_delay=300.0, max_keys=4096)


def clean_pin(value: Any, key: str = "new_pin") -> str:
    """A PIN as typed, checked: 4 to 8 digits; ValidationError under ``key`` otherwise."""
    fields = validation.Fields()
    pin = fields.text(key, value, "PIN", max_length=PIN_MAX_LENGTH * 4, required=True)
    if pin is not None and not (
        pin.isascii() and pin.isdigit() and PIN_MIN_LENGTH <= len(pin) <= PIN_MAX_LENGTH
    ):
        fields.add(key, f"A PIN is {PIN_MIN_LENGTH} to {PIN_MAX_LENGTH} digits")
    fields.raise_if_any()
    assert pin is not None
    return pin


async def _racer(profile_id: Any) -> RacerProfile:
    racer_id = validation.record_id(profile_id, "That racer no longer exists")
    racer = await RacerProfile.get_or_none(id=racer_id)
    if racer is None:
        raise NotFoundError("That racer no longer exists")
    return racer


async def is_locked(profile_id: int) -> bool:
    """Whether this racer set a PIN."""
    return (await _racer(profile_id)).pin_hash is not None


async def check_pin(profile_id: int, pin: Any) -> None:
    """Pass if the racer has no PIN or ``pin`` is theirs; ValidationError ("pin") otherwise.

    After a few wrong PINs for a racer every further try waits (RuleError says how long).
    """
    racer = await _racer(profile_id)
    if racer.pin_hash is None:
        return
    key = f"racer:{racer.id}"
    if (wait := PIN_TRIES.retry_after(key)) > 0:
        raise RuleError(f"Too many wrong PINs. Wait {int(wait + 0.999)} s, then try again.")
    try:
        clean = clean_pin(pin, "pin")
    except ValidationError:
        clean = ""
    if clean and await _matches(racer.pin_hash, clean):
        PIN_TRIES.succeeded(key)
        return
    PIN_TRIES.failed(key)
    raise ValidationError({"pin": "Wrong PIN"})


async def set_pin(profile_id: int, new_pin: Any, current_pin: Any = None) -> None:
    """Lock a racer with a PIN, or change it; changing needs the current PIN."""
    pin = clean_pin(new_pin)
    await check_pin(profile_id, current_pin)
    await RacerProfile.filter(id=profile_id).update(pin_hash=hash_secret(pin))


async def clear_pin(profile_id: int, current_pin: Any) -> None:
    """Remove a racer's PIN; needs the current PIN."""
    await check_pin(profile_id, current_pin)
    await RacerProfile.filter(id=profile_id).update(pin_hash=None)
