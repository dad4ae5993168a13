"""Uploading a roster with faults in a real browser (Debian's Chromium through Playwright),
with the background worker running beside the server as `make run` starts it."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection

from conftest import artifact, log_in, make_id_number, run_jobs
from guanai.children.models import Child
from guanai.roster.tests.test_importing import line, roster

pytestmark = pytest.mark.browser


@contextmanager
def worker() -> Iterator[None]:
    """A job worker in a thread of its own (its own database connection), as db_worker."""
    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.is_set():
                if not run_jobs():
                    time.sleep(0.1)
        finally:
            connection.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def test_a_village_director_uploads_a_roster_imports_the_valid_rows_and_gets_the_faulty_ones(
    phone, live_server, director, places, tmp_path
):
    path = tmp_path / "长滩村花名册.csv"
    path.write_bytes(
        roster(
            line(1, "陈一", make_id_number(sequence=501)),
            line(2, "陈二", make_id_number(sequence=502)),
            line(3, "陈三", "5.10821E+17"),
        )
    )
    base = live_server.url
    log_in(phone, base)
    phone.goto(f"{base}/children/")
    phone.click("[data-testid=roster-import]")
    phone.set_input_files("input[type=file]", str(path))
    phone.click("[data-testid=upload]")

    # No worker yet: the file waits in the queue, shown with its progress bar.
    phone.wait_for_selector("[data-testid=progress-bar]")
    assert "排队中" in phone.inner_text("[data-testid=job-progress]")
    phone.screenshot(path=str(artifact("phone-import-queued.png")), full_page=True)
    with worker():
        # The page polls, and reloads with the result once the check is done.
        phone.wait_for_selector("[data-testid=import-counts]", timeout=20_000)
        _check_and_import(phone)


def _check_and_import(phone) -> None:
    assert phone.inner_text("[data-testid=count-create]") == "2"
    assert phone.inner_text("[data-testid=count-error]") == "1"
    assert "丢失" in phone.inner_text("[data-testid=import-errors]")
    assert not Child.objects.exists()  # checked, nothing written yet
    phone.screenshot(path=str(artifact("phone-import-check.png")), full_page=True)

    with phone.expect_download() as download:
        phone.click("[data-testid=download-errors]")
    assert download.value.suggested_filename.endswith(".xlsx")

    phone.click("[data-testid=import-valid]")
    phone.wait_for_selector("[data-testid=undo-batch]", timeout=20_000)
    assert phone.inner_text("[data-testid=batch-state]") == "已导入"
    assert sorted(Child.objects.values_list("name", flat=True)) == ["陈一", "陈二"]
    phone.screenshot(path=str(artifact("phone-import-done.png")), full_page=True)

    phone.once("dialog", lambda dialog: dialog.accept())  # 确定撤销这次导入吗？
    phone.click("[data-testid=undo-batch]")
    phone.wait_for_selector("text=已撤销：删除新增的 2 名", timeout=20_000)
    assert not Child.objects.exists()
    assert phone.csp_errors == []  # type: ignore[attr-defined]
