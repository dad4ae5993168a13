"""Exports as background jobs: asked for on the web, written by the export worker with a
progress bar and a stop button, the file sealed and kept for the user who asked alone, for
a limited time, then deleted; every step where data leaves logged."""

import io
import os
import stat
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from conftest import exported, make_user, run_jobs
from guanai.accounts.models import Membership, Role
from guanai.accounts.services import membership_revoke
from guanai.audit.models import AccessEvent
from guanai.exports.models import ExportJob
from guanai.exports.services import MAX_PENDING, export_files_expire
from guanai.retention.services import retention_daily


def names_in(response) -> list[str]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    return sorted(str(row[0]) for row in book.get_sheet_by_index(0).to_python()[2:])


def ask(client, data: dict | None = None) -> ExportJob:
    response = client.post(reverse("roster:export"), data or {})
    assert response.status_code == 302, response.content.decode()
    return ExportJob.objects.latest("pk")


def detail(client, job: ExportJob):
    return client.get(reverse("exports:export_detail", args=[job.pk]))


def download(client, job: ExportJob):
    return client.get(reverse("exports:export_download", args=[job.pk]))


def stored(job: ExportJob) -> Path:
    job.refresh_from_db()
    return Path(settings.EXPORT_DIR) / job.stored_name


def test_the_request_only_queues_the_job_and_the_page_shows_its_progress(
    places, cast, kids, client_for
):
    client = client_for(cast["county_admin"])
    job = ask(client, {"format": "xlsx", "township": places.township.code})
    assert (job.state, job.kind, job.format, job.full) == ("queued", "roster", "xlsx", False)
    assert job.filter == {"township": places.township.code}
    assert not any(Path(settings.EXPORT_DIR).iterdir())  # nothing written in the request
    assert not AccessEvent.objects.exists()  # nothing has left the database yet
    page = detail(client, job).content.decode()
    assert 'data-testid="progress-bar"' in page
    assert "排队中" in page
    assert "东河镇" in page  # the filter, in words
    assert download(client, job).status_code == 404  # no file yet

    assert run_jobs("exports") == 1
    job.refresh_from_db()
    assert (job.state, job.rows, job.done, job.total) == ("done", 2, 2, 2)
    assert job.expires_at - job.finished_at == timedelta(hours=24)
    page = detail(client, job).content.decode()
    assert 'data-testid="progress-bar"' not in page
    assert reverse("exports:export_download", args=[job.pk]) in page
    assert "共 2 行" in page
    assert names_in(download(client, job)) == ["张小明", "李四"]
    listing = client.get(reverse("exports:export_list")).content.decode()
    assert reverse("exports:export_download", args=[job.pk]) in listing


def test_the_progress_poll_shows_the_bar_while_running_then_reloads_the_page(
    places, cast, kids, client_for
):
    client = client_for(cast["village_director"])
    job = ask(client)
    url = reverse("exports:export_progress", args=[job.pk])
    polled = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in polled
    assert "排队中" in polled
    ExportJob.objects.filter(pk=job.pk).update(state="running", done=2000, total=8000)
    polled = client.get(url).content.decode()
    assert 'value="25"' in polled
    assert "2000 / 8000 行" in polled
    assert "job-stalled" not in polled
    # No word from the job for minutes: is the export worker running?
    ExportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=3))
    assert "db_worker --queue-name exports" in client.get(url).content.decode()
    ExportJob.objects.filter(pk=job.pk).update(state="queued", done=0, total=0)
    run_jobs("exports")
    assert client.get(url, headers={"HX-Request": "true"})["HX-Refresh"] == "true"


def test_the_file_is_sealed_and_readable_by_the_server_user_alone(places, cast, kids, client_for):
    client = client_for(cast["county_admin"])
    job = ask(client, {"format": "csv"})
    run_jobs("exports")
    path = stored(job)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.parent == Path(settings.EXPORT_DIR)
    sealed = path.read_bytes()
    for secret in ("张小明", "李四", "王五", "姓名"):
        assert secret.encode() not in sealed
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no plain copy left
    plain = b"".join(download(client, job).streaming_content).decode("utf-8")
    assert "张小明" in plain
    assert len(plain.encode()) == job.size


def test_the_download_is_404_for_anyone_but_the_user_who_asked(places, cast, kids, client_for):
    """Another county admin of the same county, the system admin, the township supervisor
    above the village director who asked: none of them reaches the export or its file."""
    director = client_for(cast["village_director"])
    job = ask(director)
    run_jobs("exports")
    fellow = make_user("wangcang_admin2", role="county_admin", area=places.county)
    others = [fellow, cast["county_admin"], cast["system_admin"], cast["township_supervisor"]]
    for user in others:
        client = client_for(user)
        for name in ("export_detail", "export_progress", "export_download"):
            assert client.get(reverse(f"exports:{name}", args=[job.pk])).status_code == 404
        assert client.post(reverse("exports:export_cancel", args=[job.pk])).status_code == 404
        listing = client.get(reverse("exports:export_list")).content.decode()
        assert reverse("exports:export_detail", args=[job.pk]) not in listing
    job.refresh_from_db()
    assert job.state == "done"
    assert stored(job).exists()
    assert not AccessEvent.objects.filter(field="download").exists()
    assert download(director, job).status_code == 200


def test_a_user_who_lost_the_right_cannot_download_what_was_made_for_them(
    places, cast, kids, client_for
):
    director = cast["village_director"]
    client = client_for(director)
    full = ask(client, {"full": "1", "reason": "报送县民政局", "format": "csv"})
    run_jobs("exports")
    Membership.objects.filter(user=director).update(role=Role.objects.get(code="volunteer"))
    assert download(client, full).status_code == 404  # volunteers reveal nothing
    Membership.objects.filter(user=director).delete()
    assert download(client, full).status_code == 404


def test_a_file_made_before_a_role_was_revoked_is_no_longer_theirs(places, cast, kids, client_for):
    """Still a director of the next village, they may export; the file made while they
    also held this village is not theirs any more."""
    director = cast["village_director"]
    role = Role.objects.get(code="village_director")
    Membership.objects.create(user=director, role=role, area=places.sibling_village)
    client = client_for(director)
    made = ask(client, {"format": "csv"})
    run_jobs("exports")
    assert download(client, made).status_code == 200
    here = Membership.objects.get(user=director, area=places.village)
    membership_revoke(revoked_by=cast["county_admin"], user_id=director.pk, membership_id=here.pk)
    assert download(client, made).status_code == 404
    again = ask(client, {"format": "csv"})
    run_jobs("exports")
    assert download(client, again).status_code == 200


def test_a_role_revoked_while_the_job_waited_fails_the_job(places, cast, kids, client_for):
    director = cast["village_director"]
    client = client_for(director)
    job = ask(client, {"full": "1", "reason": "核对", "format": "xlsx"})
    Membership.objects.filter(user=director).delete()
    run_jobs("exports")
    job.refresh_from_db()
    assert job.state == "failed"
    assert job.message == "您已没有导出这些数据的权限，没有生成文件。"
    assert not any(Path(settings.EXPORT_DIR).iterdir())
    assert not AccessEvent.objects.exists()


def test_expired_files_are_refused_then_deleted_by_the_daily_run(places, cast, kids, client_for):
    client = client_for(cast["county_admin"])
    job = ask(client)
    run_jobs("exports")
    path = stored(job)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert download(client, job).status_code == 404  # past its time, even before the run
    assert "文件已过期删除" in detail(client, job).content.decode()
    assert path.exists()
    # A file a killed worker left behind an hour ago, and one being written now.
    stray, fresh = path.parent / "9-left.xlsx.sealed", path.parent / "10-new.xlsx.sealed"
    stray.write_bytes(b"x")
    fresh.write_bytes(b"x")
    hour_ago = (timezone.now() - timedelta(hours=2)).timestamp()
    os.utime(stray, (hour_ago, hour_ago))
    run = retention_daily()
    assert run.expired["exports.files"] == 1
    job.refresh_from_db()
    assert (job.state, job.stored_name) == ("expired", "")
    assert not path.exists()
    assert not stray.exists()
    assert fresh.exists()
    assert "已过期删除" in detail(client, job).content.decode()


@override_settings(EXPORT_FILE_HOURS=2)
def test_the_time_a_file_is_kept_is_a_setting(places, cast, kids, client_for):
    client = client_for(cast["county_admin"])
    job = ask(client)
    run_jobs("exports")
    job.refresh_from_db()
    assert job.expires_at - job.finished_at == timedelta(hours=2)
    assert export_files_expire(now=timezone.now() + timedelta(hours=1)) == 0
    assert export_files_expire(now=timezone.now() + timedelta(hours=3)) == 1
    assert not any(Path(settings.EXPORT_DIR).iterdir())


def test_a_filter_reaching_out_of_scope_exports_nothing_of_it(places, cast, kids, client_for):
    """The filter is applied to the children the user may see: another county's township or
    village, or a school there, gives an empty file, never their children."""
    admin = client_for(cast["county_admin"])
    for data in (
        {"township": places.other_county_township.code},
        {"village": places.other_county_village.code},
        {"school": str(places.other_county_school.pk)},
    ):
        response = exported(admin, reverse("roster:export"), data)
        assert response.status_code == 200
        assert names_in(response) == []
        job = ExportJob.objects.latest("pk")
        assert job.rows == 0
        page = detail(admin, job).content.decode()
        assert places.other_county_school.name not in page  # a name is not learnt this way
    director = client_for(cast["village_director"])
    response = exported(director, reverse("roster:export"), {"township": places.township.code})
    assert names_in(response) == ["张小明"]  # their village only, in their township


def test_cancelling_a_waiting_export_stopping_a_running_one_deleting_a_file(
    places, cast, kids, client_for
):
    client = client_for(cast["county_admin"])
    waiting = ask(client)
    response = client.post(reverse("exports:export_cancel", args=[waiting.pk]))
    assert response.status_code == 302
    assert run_jobs("exports") == 1  # the job finds it cancelled and does nothing
    waiting.refresh_from_db()
    assert waiting.state == "cancelled"
    assert not any(Path(settings.EXPORT_DIR).iterdir())

    running = ask(client)
    ExportJob.objects.filter(pk=running.pk).update(state="running")
    client.post(reverse("exports:export_cancel", args=[running.pk]))
    running.refresh_from_db()
    assert (running.state, running.cancel_requested) == ("running", True)
    assert "正在停止" in detail(client, running).content.decode()
    ExportJob.objects.filter(pk=running.pk).update(state="cancelled")

    done = ask(client)
    run_jobs("exports")
    path = stored(done)
    client.post(reverse("exports:export_cancel", args=[done.pk]))
    done.refresh_from_db()
    assert (done.state, done.stored_name) == ("deleted", "")
    assert not path.exists()
    assert download(client, done).status_code == 404


def test_a_job_asked_to_stop_stops_at_its_next_report_and_leaves_no_file(
    places, cast, kids, client_for
):
    client = client_for(cast["county_admin"])
    job = ask(client)
    # Asked to stop just as the worker takes it up: it stops at its first report.
    ExportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    run_jobs("exports")
    job.refresh_from_db()
    assert (job.state, job.message) == ("cancelled", "已停止，没有生成文件。")
    assert bytes(job.sealed_request) == b""
    assert not any(Path(settings.EXPORT_DIR).iterdir())
    assert not AccessEvent.objects.exists()
    assert "已停止，没有生成文件。" in detail(client, job).content.decode()


def test_a_failed_job_says_so_in_chinese(places, cast, kids, client_for):
    client = client_for(cast["county_admin"])
    job = ask(client)
    # The request can no longer be read (sealed under another key, altered): an error the
    # job did not expect.
    ExportJob.objects.filter(pk=job.pk).update(sealed_request=b"\x00" * 40)
    assert run_jobs("exports") == 1
    job.refresh_from_db()
    assert job.state == "failed"
    page = detail(client, job).content.decode()
    assert "导出时出错，没有生成文件。请稍后重试，或联系系统管理员。" in page
    assert 'data-testid="progress-bar"' not in page
    assert not any(Path(settings.EXPORT_DIR).iterdir())


def test_an_xlsx_larger_than_a_sheet_is_refused_with_the_reason(
    places, cast, kids, client_for, monkeypatch
):
    monkeypatch.setattr("guanai.exports.services.XLSX_MAX_ROWS", 2)
    client = client_for(cast["county_admin"])
    job = ask(client)
    run_jobs("exports")
    job.refresh_from_db()
    assert job.state == "failed"
    assert "超过 Excel 一张表的 2 行" in job.message
    csv = exported(client, reverse("roster:export"), {"format": "csv"})
    assert csv.status_code == 200  # CSV has no such limit


def test_a_user_has_at_most_a_few_exports_waiting(places, cast, kids, client_for):
    client = client_for(cast["village_director"])
    for _ in range(MAX_PENDING):
        ask(client)
    refused = client.post(reverse("roster:export"), {"format": "csv"})
    assert refused.status_code == 400
    assert "请等它们完成后再导出" in refused.content.decode()
    assert ExportJob.objects.count() == MAX_PENDING
    run_jobs("exports")
    ask(client)  # once they are done, more may be asked for


def test_a_worker_that_died_leaves_a_failed_job_not_one_running_forever(
    places, cast, kids, client_for
):
    job = ask(client_for(cast["county_admin"]))
    ExportJob.objects.filter(pk=job.pk).update(
        state="running", updated_at=timezone.now() - timedelta(hours=2)
    )
    export_files_expire()
    job.refresh_from_db()
    assert job.state == "failed"
    assert "后台任务停止" in job.message
    assert bytes(job.sealed_request) == b""
