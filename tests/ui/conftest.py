"""UI tests: NiceGUI's simulated ``user`` runs main.py against a freshly migrated database."""

import re

import pytest
from nicegui import Client
from nicegui.testing import User

_GET = re.compile(r"sessionStorage\.getItem\('([\w.]+)'\)")
_SET = re.compile(r"sessionStorage\.setItem\('([\w.]+)', '(.*)'\)")


def _with_session_storage(monkeypatch) -> None:
    """Give every simulated user a browser tab's ``sessionStorage`` (it survives a server
    restart, unlike NiceGUI's tab storage)."""
    original_init = User.__init__
    original_patch = User._patch_outbox_emit_function

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.session_storage = {}
        self.javascript_rules[_GET] = lambda m: self.session_storage.get(m.group(1))

    def patch_emit(self):
        original_patch(self)
        emit = self._client.outbox._emit

        async def with_storage(message):
            _, kind, data = message
            if kind == "run_javascript" and (match := _SET.match(data["code"])):
                self.session_storage[match.group(1)] = match.group(2)
                return  # answered here: nobody waits for it
            await emit(message)

        self._client.outbox._emit = with_storage

    monkeypatch.setattr(User, "__init__", init)
    monkeypatch.setattr(User, "_patch_outbox_emit_function", patch_emit)


def _patient(monkeypatch) -> None:
    """Wait up to 5 s (not 0.3 s) for what a person would wait for: the machine running the
    tests is shared, and a panel builds after its database queries."""
    for name in ("should_see", "should_not_see"):
        original = getattr(User, name)

        async def patient(self, *args, _original=original, retries: int = 50, **kwargs):
            return await _original(self, *args, retries=retries, **kwargs)

        monkeypatch.setattr(User, name, patient)


@pytest.fixture(autouse=True)
def app_environment(migrated_database_url, tmp_path, monkeypatch):
    """Point the app at this test's database before the ``user`` fixture starts it."""
    monkeypatch.setenv("DATABASE_URL", migrated_database_url)
    monkeypatch.setenv("PITBOX_DATA_DIR", str(tmp_path))
    _with_session_storage(monkeypatch)
    _patient(monkeypatch)
    return migrated_database_url


@pytest.fixture(autouse=True)
def delete_clients_after(user):
    """Delete the test's pages properly before NiceGUI resets its globals.

    Otherwise their dialogs outlive them and try to delete themselves at interpreter exit,
    printing a traceback per dialog after the test summary.
    """
    yield
    for client in list(Client.instances.values()):
        client.delete()
