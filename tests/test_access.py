"""Access rules: who is trusted, the password, device sessions, join links, the slow-down for
wrong tries, and racer PINs (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import stat

import pytest

from services import access, profile_service
from services.access import AccessControl, Throttle
from services.errors import NotFoundError, RuleError, ValidationError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def control(tmp_path, **kwargs) -> AccessControl:
    return AccessControl(tmp_path, "a-storage-secret", **kwargs)


# --- who is trusted ----------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_clients_are_trusted(tmp_path, host):
    assert control(tmp_path).trusts(host, ["host", "accept"])


@pytest.mark.parametrize("host", ["192.168.1.20", "10.0.0.7", "fd00::2", "198.18.0.2", "", None])
def test_other_addresses_are_not_trusted(tmp_path, host):
    assert not control(tmp_path).trusts(host, ["host"])


@pytest.mark.parametrize("header", ["X-Forwarded-For", "forwarded", "X-Real-IP"])
def test_a_request_through_a_proxy_is_not_trusted_even_from_loopback(tmp_path, header):
    assert not control(tmp_path).trusts("127.0.0.1", ["host", header])


def test_behind_a_proxy_nobody_is_trusted_by_address(tmp_path):
    assert not control(tmp_path, behind_proxy=True).trusts("127.0.0.1", ["host"])


# --- the password --------------------------------------------------------------------------


def test_first_run_generates_a_password_kept_for_the_owner_only(tmp_path):
    first = control(tmp_path)

    password = first.shown_password
    assert password and len(password.replace("-", "")) == 12
    assert stat.S_IMODE((tmp_path / access.ACCESS_FILE_NAME).stat().st_mode) == 0o600
    # The next start uses the same password.
    assert control(tmp_path).shown_password == password


async def test_the_password_logs_in_and_a_wrong_one_does_not(tmp_path):
    gate = control(tmp_path)

    assert (await gate.log_in(gate.shown_password, "192.168.1.20")).accepted
    wrong = await gate.log_in("hunter2", "192.168.1.20")
    assert not wrong.accepted
    assert "not the password" in wrong.message


async def test_a_password_from_the_environment_is_never_written_or_shown(tmp_path):
    gate = control(tmp_path, environment_password="pit lane 42")

    assert gate.shown_password is None
    assert not (tmp_path / access.ACCESS_FILE_NAME).exists()
    assert (await gate.log_in("pit lane 42", "10.0.0.7")).accepted
    with pytest.raises(RuleError, match="PITBOX_ACCESS_PASSWORD"):
        gate.rotate()


async def test_an_environment_password_compares_like_a_typed_one(tmp_path):
    gate = control(tmp_path, environment_password="Cafe\u0301 racer")  # decomposed é

    assert (await gate.log_in(" Caf\u00e9 racer ", "10.0.0.7")).accepted


def test_an_environment_password_with_control_characters_is_refused(tmp_path):
    with pytest.raises(RuleError, match="PITBOX_ACCESS_PASSWORD cannot contain control"):
        control(tmp_path, environment_password="pit\x00lane")


def test_changing_the_environment_password_signs_devices_out(tmp_path):
    token = control(tmp_path, environment_password="first one").session_token()

    assert control(tmp_path, environment_password="first one").session_valid(token)
    assert not control(tmp_path, environment_password="second one").session_valid(token)


async def test_a_chosen_password_is_kept_only_as_a_hash(tmp_path):
    gate = control(tmp_path)

    gate.change_password("  my own pit password ")

    text = (tmp_path / access.ACCESS_FILE_NAME).read_text()
    assert "pit password" not in text
    assert json.loads(text)["password_hash"].startswith("$argon2id$")
    assert gate.shown_password is None
    restarted = control(tmp_path)
    assert (await restarted.log_in("my own pit password", "10.0.0.7")).accepted


@pytest.mark.parametrize("bad", ["short", "", None, "tab\tinside", "x" * 129])
def test_a_chosen_password_must_be_usable(tmp_path, bad):
    gate = control(tmp_path)
    before = (tmp_path / access.ACCESS_FILE_NAME).read_text()

    with pytest.raises(ValidationError) as raised:
        gate.change_password(bad)

    assert "password" in raised.value.errors
    assert (tmp_path / access.ACCESS_FILE_NAME).read_text() == before


def test_rotating_signs_every_device_out_and_the_old_password_stops_working(tmp_path):
    gate = control(tmp_path)
    old_password, token = gate.shown_password, gate.session_token()

    new_password = gate.rotate()

    assert new_password != old_password
    assert not gate.session_valid(token)
    assert not control(tmp_path).session_valid(token)  # also after a restart
    assert gate.session_valid(gate.session_token())


def test_a_damaged_password_file_is_one_clear_message(tmp_path):
    (tmp_path / access.ACCESS_FILE_NAME).write_text("{not json")

    with pytest.raises(RuleError, match="delete it and restart"):
        control(tmp_path)


# --- device sessions -------------------------------------------------------------------------


def test_a_device_stays_logged_in_across_a_restart(tmp_path):
    token = control(tmp_path).session_token()

    assert control(tmp_path).session_valid(token)  # same data folder, same storage secret


def test_a_session_cookie_needs_the_storage_secret(tmp_path):
    gate = control(tmp_path)
    token = gate.session_token()
    other_install = AccessControl(tmp_path, "another-secret")

    assert gate.session_valid(token)
    assert not other_install.session_valid(token)
    assert not gate.session_valid(token[:-2] + "xx")
    assert not gate.session_valid("")
    assert not gate.session_valid(None)


# --- join links --------------------------------------------------------------------------------


def test_a_join_link_works_once(tmp_path):
    gate = control(tmp_path)
    token = gate.new_join_token()

    assert gate.join_token_open(token)
    assert gate.redeem(token, "192.168.1.20").accepted
    assert not gate.join_token_open(token)
    assert not gate.redeem(token, "192.168.1.21").accepted


def test_a_join_link_expires(tmp_path):
    clock = Clock()
    gate = control(tmp_path, clock=clock)
    token = gate.new_join_token()

    clock.now += access.JOIN_LINK_MAX_AGE + 1

    assert not gate.redeem(token, "192.168.1.20").accepted


def test_join_links_kept_are_bounded(tmp_path):
    gate = control(tmp_path)
    first = gate.new_join_token()
    for _ in range(access.JOIN_LINKS_KEPT):
        gate.new_join_token()

    assert not gate.join_token_open(first)
    assert len(gate._join_links) == access.JOIN_LINKS_KEPT


# --- slowing down wrong tries ------------------------------------------------------------------


def test_wrong_tries_are_free_at_first_then_wait_longer_each_time():
    clock = Clock()
    throttle = Throttle(free_tries=3, base_delay=1.0, max_delay=8.0, clock=clock)

    waits = [throttle.failed("10.0.0.7") for _ in range(7)]

    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert throttle.retry_after("10.0.0.7") == 8.0
    assert throttle.retry_after("10.0.0.8") == 0.0  # another address is not slowed down
    clock.now += 8.0
    assert throttle.retry_after("10.0.0.7") == 0.0


def test_the_table_of_addresses_is_bounded_and_forgets_quiet_ones():
    clock = Clock()
    throttle = Throttle(free_tries=1, max_keys=100, forget_after=60.0, clock=clock)

    for i in range(1000):
        throttle.failed(f"10.0.{i // 256}.{i % 256}")

    assert len(throttle) == 100
    assert throttle.retry_after("10.0.3.231") > 0  # the most recent are kept
    clock.now += 3600
    throttle.retry_after("anything")
    assert len(throttle) == 0


async def test_after_repeated_wrong_passwords_even_the_right_one_must_wait(tmp_path):
    clock = Clock()
    gate = control(tmp_path, throttle=Throttle(free_tries=3, base_delay=2.0, clock=clock))
    attempts = [await gate.log_in("guess", "192.168.1.20") for _ in range(3)]

    refused = await gate.log_in(gate.shown_password, "192.168.1.20")

    assert [a.retry_after for a in attempts] == [0.0, 0.0, 2.0]
    assert not refused.accepted and refused.retry_after == 2.0
    assert "Wait 2 s" in refused.message
    assert (await gate.log_in(gate.shown_password, "192.168.1.21")).accepted  # other device
    clock.now += 2.0
    assert (await gate.log_in(gate.shown_password, "192.168.1.20")).accepted


def test_ipv6_devices_are_counted_by_their_network():
    assert access.client_key("2001:db8:1:2::10") == access.client_key("2001:db8:1:2::99")
    assert access.client_key("2001:db8:1:3::10") != access.client_key("2001:db8:1:2::10")
    assert access.client_key("::ffff:192.168.1.5") == "192.168.1.5"


def test_lan_addresses_follow_where_pitbox_listens():
    assert access.lan_addresses("127.0.0.1") == []
    assert access.lan_addresses("192.168.1.5") == ["192.168.1.5"]
    assert all(not a.startswith("127.") for a in access.lan_addresses("0.0.0.0"))


# --- racer PINs (both databases) ---------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_pin_tries():
    access.PIN_TRIES._keys.clear()


async def test_a_racer_without_a_pin_is_not_locked(db):
    racer = await profile_service.create_profile("Lena")

    assert not await access.is_locked(racer.id)
    await access.check_pin(racer.id, None)  # nothing to check


async def test_a_pin_locks_the_racer_and_is_stored_only_as_a_hash(db):
    racer = await profile_service.create_profile("Lena")

    await access.set_pin(racer.id, "4821")

    stored = (await profile_service.get_profile(racer.id)).pin_hash
    assert stored is not None and "4821" not in stored and stored.startswith("$argon2id$")
    assert [p.locked for p in await profile_service.list_profiles()] == [True]
    await access.check_pin(racer.id, "4821")
    with pytest.raises(ValidationError) as raised:
        await access.check_pin(racer.id, "1111")
    assert raised.value.errors == {"pin": "Wrong PIN"}


@pytest.mark.parametrize("bad", ["12", "123456789", "12a4", "١٢٣٤", " ", None, 1234, "12\x0034"])
async def test_a_pin_is_four_to_eight_digits(db, bad):
    racer = await profile_service.create_profile("Lena")

    with pytest.raises(ValidationError) as raised:
        await access.set_pin(racer.id, bad)

    assert "new_pin" in raised.value.errors
    assert not await access.is_locked(racer.id)


async def test_changing_or_clearing_a_pin_needs_the_current_one(db):
    racer = await profile_service.create_profile("Lena")
    await access.set_pin(racer.id, "4821")

    with pytest.raises(ValidationError):
        await access.set_pin(racer.id, "9999", current_pin="0000")
    with pytest.raises(ValidationError):
        await access.clear_pin(racer.id, current_pin=None)
    await access.check_pin(racer.id, "4821")  # unchanged

    await access.set_pin(racer.id, "9999", current_pin="4821")
    await access.check_pin(racer.id, "9999")
    await access.clear_pin(racer.id, current_pin="9999")
    assert not await access.is_locked(racer.id)


async def test_wrong_pins_are_slowed_down_per_racer(db):
    racer = await profile_service.create_profile("Lena")
    other = await profile_service.create_profile("Max")
    await access.set_pin(racer.id, "4821")
    await access.set_pin(other.id, "1357")

    for _ in range(access.PIN_TRIES.free_tries):
        with pytest.raises(ValidationError):
            await access.check_pin(racer.id, "0000")

    with pytest.raises(RuleError, match="Too many wrong PINs"):
        await access.check_pin(racer.id, "4821")
    await access.check_pin(other.id, "1357")  # another racer is not held up


@pytest.mark.parametrize("racer_id", [0, -1, 2**31, 2**63, "1", True, None])
async def test_pins_of_impossible_racers_are_not_found(db, racer_id):
    with pytest.raises(NotFoundError):
        await access.check_pin(racer_id, "1234")
    with pytest.raises(NotFoundError):
        await access.set_pin(racer_id, "1234")


async def test_pins_of_a_deleted_racer_are_not_found(db):
    racer = await profile_service.create_profile("Lena")
    await profile_service.create_profile("Max")
    await profile_service.set_default_profile((await profile_service.list_profiles())[1].id)
    await profile_service.delete_profile(racer.id)

    with pytest.raises(NotFoundError):
        await access.set_pin(racer.id, "1234")
