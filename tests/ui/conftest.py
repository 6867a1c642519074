"""UI tests: NiceGUI's simulated ``user`` runs main.py against a freshly migrated database."""

import pytest
from nicegui import Client


@pytest.fixture(autouse=True)
def app_environment(migrated_database_url, tmp_path, monkeypatch):
    """Point the app at this test's database before the ``user`` fixture starts it."""
    monkeypatch.setenv("DATABASE_URL", migrated_database_url)
    monkeypatch.setenv("PITBOX_DATA_DIR", str(tmp_path))
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
