"""Exporting the roster on a phone (Debian's Chromium through Playwright): the list's export
menu queues a job, its page shows the progress bar until the export worker beside the
server has written the file, then the file downloads."""

import io

import pytest
from python_calamine import CalamineWorkbook

from conftest import artifact, log_in, make_child, make_id_number
from guanai.audit.models import AccessEvent
from guanai.roster.tests.test_browser import worker

pytestmark = pytest.mark.browser


def test_a_village_director_exports_the_roster_on_a_phone(phone, live_server, director, places):
    for i, name in enumerate(["张小明", "李小红", "王小刚"]):
        make_child(places.village, name=name, id_number=make_id_number(sequence=700 + i))
    base = live_server.url
    log_in(phone, base)
    phone.goto(f"{base}/children/")
    phone.click("[data-testid=export-menu]")
    phone.click("[data-testid=export-xlsx]")

    # No worker yet: the export waits in its queue, with its progress bar and a cancel button.
    phone.wait_for_selector("[data-testid=progress-bar]")
    assert "排队中" in phone.inner_text("[data-testid=job-progress]")
    assert phone.is_visible("[data-testid=stop-job]")
    phone.screenshot(path=str(artifact("phone-export-queued.png")), full_page=True)
    with worker():
        # The page polls, and reloads with the file once the job has written it.
        phone.wait_for_selector("[data-testid=export-download]", timeout=30_000)
    assert "共 3 行" in phone.inner_text("[data-testid=export-ready]")
    phone.screenshot(path=str(artifact("phone-export-ready.png")), full_page=True)
    with phone.expect_download() as download:
        phone.click("[data-testid=export-download]")
    assert download.value.suggested_filename.startswith("留守儿童花名册-")
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as handle:
        rows = CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
    names = sorted(row[0] for row in rows.get_sheet_by_index(0).to_python()[2:])
    assert names == ["张小明", "李小红", "王小刚"]
    assert AccessEvent.objects.filter(action="export").count() == 2  # made, downloaded
    assert phone.csp_errors == []  # type: ignore[attr-defined]
