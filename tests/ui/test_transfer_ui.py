"""Export and import from the racer selector, as a racer uses them (NiceGUI's simulated user)."""

import json

from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User

from models import RacerProfile
from services import transfer
from tests.notebook import seed_racer
from tests.ui.test_racer_selector import manage, open_app, open_selector


async def upload(user: User, name: str, content: bytes) -> None:
    await user.should_see(marker="import-upload")
    element = user.find(marker="import-upload").elements.pop()
    assert isinstance(element, ui.upload)
    await element.handle_uploads([SmallFileUpload(name, "application/json", content)])


async def test_a_racer_is_exported_and_imported_again_under_a_new_name(user: User):
    lena = await seed_racer("Lena", sessions=2)
    await open_app(user)
    await manage(user)
    user.find(marker=f"export-{lena.id}").click()
    downloaded = await user.download.next(timeout=5)
    document = json.loads(downloaded.content)
    assert (document["format"], document["racer"]["name"]) == ("pitbox-racer", "Lena")
    assert transfer.racer_counts(document).sessions == 2

    user.find(marker="import-racer").click()
    await upload(user, "lena.json", downloaded.content)
    await user.should_see("There is already a racer called Lena. Nothing was merged")
    assert await RacerProfile.all().count() == 1
    rename = user.find(marker="import-rename")
    rename.clear().type("Lena <b>club</b>")
    user.find(marker="import-rename-submit").click()
    await user.should_see("Imported Lena <b>club</b>: 2 cars, 2 sessions")
    await user.should_see(
        marker="racer-card-" + str((await RacerProfile.get(name="Lena <b>club</b>")).id)
    )


async def test_a_bad_file_says_what_is_wrong_and_imports_nothing(user: User):
    lena = await seed_racer("Lena", sessions=1)
    document = await transfer.export_racer(lena.id)
    document["racer"]["name"] = "Someone new"
    document["sessions"][0]["vehicle"] = 17
    await open_app(user)
    await open_selector(user)
    user.find(marker="import-racer").click()
    await upload(user, "broken.json", transfer.dumps(document))
    await user.should_see(
        "Nothing was imported. broken.json: sessions[0].vehicle: refers to car 17, which is not "
        "in the file"
    )
    await upload(user, "notes.txt", b"front diff 7000")
    await user.should_see("Nothing was imported. notes.txt: file: Not a Pitbox file")
    assert await RacerProfile.all().values_list("name", flat=True) == ["Lena"]
