"""The demo county (旺苍县, about 43 600 children, as `make run` builds it) exported through
the web as xlsx while a roster import runs: the request returns at once, the export
worker writes the file beside the import worker, the progress bar moves, and the whole
county downloads. Inside one request this took 40–50 s on a busy two-core machine and
ended in the web server's 30-second timeout ("Internal Server Error")."""

import io
import re
import threading
import time
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import logged_in_client, make_id_number, run_jobs
from guanai.accounts.models import User
from guanai.children.choices import Status
from guanai.children.selectors import children_visible_to
from guanai.exports.models import ExportJob
from guanai.roster.models import ImportBatch
from guanai.roster.tests.test_importing import line, roster

BAR = re.compile(r'<progress[^>]* value="(\d+)"')
# Rows of the roster imported meanwhile: enough for its check to run for seconds.
IMPORT_ROWS = 6000


def import_roster_file() -> bytes:
    """New children of 长滩村, their ID numbers of a county the demo has none of."""
    start = date(2012, 1, 1)
    return roster(
        *(
            line(
                i + 1,
                f"冯{i}",
                make_id_number("510823", start + timedelta(days=i // 800), 100 + i % 800),
            )
            for i in range(IMPORT_ROWS)
        )
    )


def worker(queue: str, errors: list[BaseException]) -> None:
    """A db_worker for one queue, in a thread with its own database connection."""
    try:
        run_jobs(queue)
    except BaseException as error:  # handed to the test to fail on
        errors.append(error)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_the_demo_county_is_exported_through_the_web_as_xlsx_while_an_import_runs(roles):
    # The roles, as their migration writes them: a test before may have flushed them.
    call_command("load_demo", stdout=StringIO())  # 旺苍县, 43 600 children
    admin = User.objects.get(username="county_admin")
    director = User.objects.get(username="village_director")
    expected = children_visible_to(admin).filter(status=Status.ACTIVE).count()
    assert expected > 40_000

    importer = logged_in_client(director)
    upload = SimpleUploadedFile("东河镇长滩村花名册.csv", import_roster_file())
    assert importer.post(reverse("roster:import"), {"file": upload}).status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.state == "checking"  # queued for the import worker

    exporter = logged_in_client(admin)
    started = time.perf_counter()
    asked = exporter.post(reverse("roster:export"), {"format": "xlsx"})
    request_seconds = time.perf_counter() - started
    assert asked.status_code == 302
    assert request_seconds < 5  # it only queues the job
    job = ExportJob.objects.get()
    progress = reverse("exports:export_progress", args=[job.pk])

    errors: list[BaseException] = []
    exports = threading.Thread(target=worker, args=("exports", errors))
    imports = threading.Thread(target=worker, args=("default", errors))
    exports.start()
    seen = []  # (export state, rows written, import state, import rows read), polled
    bars = set()
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        polled = exporter.get(progress, headers={"HX-Request": "true"})
        job.refresh_from_db()
        batch.refresh_from_db()
        seen.append((job.state, job.done, batch.state, batch.done))
        if polled.get("HX-Refresh") != "true":  # still running: the bar, as htmx shows it
            bars.update(int(v) for v in BAR.findall(polled.content.decode()))
        if job.state == "running" and job.done and not imports.is_alive() and not imports.ident:
            imports.start()  # the import starts while the export is under way
        if not job.running and imports.ident and not imports.is_alive():
            break
        if errors or (job.running and not exports.is_alive()):
            break  # a worker died: said below
        time.sleep(0.3)
    exports.join(timeout=60)
    imports.join(timeout=60)
    assert not errors, errors

    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.state == "done", job.message
    assert batch.state == "checked", batch.message
    assert batch.counts["create"] == IMPORT_ROWS
    # Both jobs ran at once: the export written partly while the import was being read.
    together = [
        s for s in seen if s[0] == "running" and 0 < s[1] < expected and s[2] == "checking" and s[3]
    ]
    assert together, seen[:50]
    assert any(0 < percent < 100 for percent in bars), sorted(bars)

    page = exporter.get(reverse("exports:export_detail", args=[job.pk])).content.decode()
    assert f"共 {expected} 行" in page
    download = exporter.get(reverse("exports:export_download", args=[job.pk]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "留守儿童花名册（身份证号码、电话和住址已脱敏）"
    assert len(rows) - 2 == expected == job.rows
    print(
        f"demo county: {expected} children, request {request_seconds * 1000:.0f} ms, "
        f"job {(job.finished_at - job.started_at).total_seconds():.1f} s, "
        f"{len(content) / 1e6:.1f} MB xlsx"
    )
