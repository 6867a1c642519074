"""``python main.py export|import|backup|restore`` for real, on both databases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from models import RacerProfile, RunResult
from services import transfer
from tests.notebook import seed_racer
from tests.servers import child_env

REPO = Path(__file__).resolve().parents[1]


def pitbox(url: str, tmp_path: Path, *args: str, stdin: bytes | None = None):
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=REPO, input=stdin, capture_output=True,
        env=child_env(DATABASE_URL=url, PITBOX_DATA_DIR=str(tmp_path)), timeout=120,
    )  # fmt: skip


def text(stream: bytes) -> str:
    return stream.decode()


@pytest.fixture
async def lena(db):
    return await seed_racer("Lena", sessions=3)


async def test_export_and_import_a_racer_from_the_command_line(db, lena, tmp_path):
    file = tmp_path / "lena.json"
    done = pitbox(db, tmp_path, "export", "--racer", "lena", "--output", str(file))
    assert done.returncode == 0, text(done.stderr)
    counts = "2 cars, 3 sessions, 9 setup changes, 6 messages, 6 lap results"
    assert text(done.stdout) == f"Exported Lena: {counts} to {file}\n"
    assert json.loads(file.read_text())["format"] == "pitbox-racer"

    clash = pitbox(db, tmp_path, "import", str(file))
    assert clash.returncode == 1
    assert text(clash.stderr) == (
        'pitbox: There is already a racer called Lena: import again with --rename "NEW NAME"\n'
    )
    done = pitbox(db, tmp_path, "import", str(file), "--rename", "Lena (club laptop)")
    assert done.returncode == 0, text(done.stderr)
    assert text(done.stdout) == f"Imported Lena (club laptop): {counts}\n"
    copy = await RacerProfile.get(name="Lena (club laptop)")
    assert await RunResult.filter(session__profile_id=copy.id).count() == 6


async def test_export_without_a_file_writes_the_file_to_standard_output(db, lena, tmp_path):
    done = pitbox(db, tmp_path, "export", "--racer", "Lena")
    assert done.returncode == 0, text(done.stderr)
    assert json.loads(done.stdout)["racer"]["name"] == "Lena"
    assert text(done.stderr).startswith("Exported Lena: 2 cars")
    # And back in through standard input.
    again = pitbox(db, tmp_path, "import", "-", "--rename", "Lena 2", stdin=done.stdout)
    assert again.returncode == 0, text(again.stderr)


async def test_an_unknown_racer_is_one_line_naming_the_racers(db, lena, tmp_path):
    done = pitbox(db, tmp_path, "export", "--racer", "Nobody")
    assert done.returncode == 1 and done.stdout == b""
    assert text(done.stderr) == "pitbox: There is no racer called 'Nobody'. Racers: Lena\n"


async def test_a_bad_file_is_one_line_and_changes_nothing(db, lena, tmp_path):
    document = await transfer.export_racer(lena.id)
    document["racer"]["name"] = "Someone else"
    document["sessions"][2]["vehicle"] = 17
    file = tmp_path / "bad.json"
    file.write_bytes(transfer.dumps(document))
    before = await transfer.export_backup()
    done = pitbox(db, tmp_path, "import", str(file))
    assert done.returncode == 1
    assert text(done.stderr) == (
        f"pitbox: {file}: sessions[2].vehicle: refers to car 17, which is not in the file\n"
    )
    after = await transfer.export_backup()
    assert after["racers"] == before["racers"]


async def test_backup_and_restore_from_the_command_line(db, lena, tmp_path):
    await seed_racer("Dad", sessions=1, active=False)
    file = tmp_path / "install.json"
    done = pitbox(db, tmp_path, "backup", str(file))
    assert done.returncode == 0, text(done.stderr)
    assert text(done.stdout).splitlines() == [
        "Backed up Lena: 2 cars, 3 sessions, 9 setup changes, 6 messages, 6 lap results",
        "Backed up Dad: 2 cars, 1 session, 3 setup changes, 2 messages, 2 lap results",
        f"Wrote 2 racers to {file}",
    ]
    refused = pitbox(db, tmp_path, "restore", str(file))
    assert refused.returncode == 1
    assert text(refused.stderr).count("\n") == 1 and "--force" in text(refused.stderr)

    await RacerProfile.filter(name="Dad").delete()
    done = pitbox(db, tmp_path, "restore", str(file), "--force")
    assert done.returncode == 0, text(done.stderr)
    assert text(done.stdout).splitlines() == [
        "Restored Lena: 2 cars, 3 sessions, 9 setup changes, 6 messages, 6 lap results "
        "(the default racer)",
        "Restored Dad: 2 cars, 1 session, 3 setup changes, 2 messages, 2 lap results",
    ]
    assert sorted(await RacerProfile.all().values_list("name", "is_default")) == [
        ("Dad", False),
        ("Lena", True),
    ]


async def test_a_large_restore_shows_a_progress_bar(db, lena, tmp_path):
    document = await transfer.export_backup()
    racer = document["racers"][0]
    laps = racer["run_results"][0]
    racer["run_results"] = [{**laps, "id": n} for n in range(1, 2501)]
    file = tmp_path / "large.json"
    file.write_bytes(transfer.dumps(document))
    done = pitbox(db, tmp_path, "restore", str(file), "--force")
    assert done.returncode == 0, text(done.stderr)
    assert "records" in text(done.stderr) and "%|" in text(done.stderr)
    assert "2500 lap results" in text(done.stdout)
    assert await RunResult.all().count() == 2500


def test_python_main_py_still_tells_its_options(tmp_path):
    done = subprocess.run(
        [sys.executable, "main.py", "restore", "--help"], cwd=REPO, capture_output=True,
        env=child_env(PITBOX_DATA_DIR=str(tmp_path)), timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and "--force" in text(done.stdout)
