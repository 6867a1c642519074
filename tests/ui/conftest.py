"""UI tests: NiceGUI's simulated ``user`` runs main.py against a freshly migrated database."""

import pytest


@pytest.fixture(autouse=True)
def app_environment(migrated_database_url, tmp_path, monkeypatch):
    """Point the app at this test's database before the ``user`` fixture starts it."""
    monkeypatch.setenv("DATABASE_URL", migrated_database_url)
    monkeypatch.setenv("PITBOX_DATA_DIR", str(tmp_path))
    return migrated_database_url
