"""Exports as background jobs.

A county's roster (43 600 children) takes 30–50 s to write on a busy two-core machine,
longer than a web server gives one request, and a province's takes many minutes. So the
request only checks what was asked for and queues a job (on the "exports" queue, with its
own worker: it never waits behind an import); the page shows the job's progress; the
finished file is sealed (guanai.core.crypto.seal_stream) under settings.EXPORT_DIR,
readable by the server's user alone (mode 600, in a directory of mode 700), downloadable
by the user who asked for it alone, for EXPORT_FILE_HOURS; then it is deleted (by the job
that finishes next, or by the daily retention run at the latest).

The access log: one export entry when the file is made, as the export was logged when it
was built inside the request (what, filter, format, rows, masked or in full, reason, the
asking request's address); and one entry for each download of it (the file leaving the
server, with the downloading request's address). Nothing is logged for a request refused
or a job that fails or is cancelled: no personal data left the database.
"""

import json
import logging
import os
import secrets
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_tasks import task

from guanai.accounts.models import User
from guanai.accounts.selectors import roles_revoked_since
from guanai.audit.models import AccessEvent
from guanai.audit.services import access_record, retention_days
from guanai.core.crypto import seal, seal_stream, unseal, unseal_stream
from guanai.core.errors import ApplicationError
from guanai.core.spreadsheets import csv_chunks
from guanai.exports.models import STALLED_AFTER, ExportJob
from guanai.exports.registry import Rows, exporter_for

State = ExportJob.State
logger = logging.getLogger(__name__)

QUEUE = "exports"
# A running job reports its progress, and looks whether it should stop, this often (rows).
REPORT_EVERY = 2000
# Exports a user may have waiting or running at once: a click too many waits its turn,
# a script cannot fill the queue.
MAX_PENDING = 3
# One worksheet holds 1 048 576 rows: a larger export is refused as xlsx (CSV has no limit).
XLSX_MAX_ROWS = 1_000_000
# A running job silent this long has lost its worker (killed, machine restarted).
DEAD_AFTER = timedelta(hours=1)
# Files of the export folder no finished job holds (a worker killed while sealing one)
# are removed once this old.
STRAY_AFTER = timedelta(hours=1)


class Stopped(Exception):
    """The user asked the running job to stop."""


class JobFailed(Exception):
    """Raised in place of an unexpected error, so that the task's stored result and the
    worker's log name the error's kind but never carry its text (which may quote a value)."""


# --- reading ---------------------------------------------------------------------------------


def exports_of(user: User) -> QuerySet[ExportJob]:
    """The user's own exports: nobody else's, whatever their rank (a file made for one
    user's eyes, under one user's rights)."""
    return ExportJob.objects.filter(user=user)


def export_get_for_user(*, user: User, export_id: int) -> ExportJob:
    """One of the user's own exports; anything else is 404."""
    return get_object_or_404(exports_of(user), pk=export_id)


def export_stalled(job: ExportJob) -> bool:
    """No word from the job for two minutes, and none from any export job: is the export
    worker running? (A job waiting behind another running export is not stalled.)"""
    now = timezone.now()
    if job.state == State.RUNNING:
        return now - job.updated_at > STALLED_AFTER
    if job.state == State.QUEUED and now - job.created_at > STALLED_AFTER:
        return not ExportJob.objects.filter(
            state=State.RUNNING, updated_at__gte=now - STALLED_AFTER
        ).exists()
    return False


def export_folder() -> Path:
    """settings.EXPORT_DIR, made (or brought back) to mode 700."""
    folder = Path(settings.EXPORT_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


# --- asking, stopping, downloading -----------------------------------------------------------


def export_request(
    *,
    user: User,
    kind: str,
    params: Mapping[str, Any],
    fmt: str,
    full: bool = False,
    reason: str = "",
    ip_address: str | None = None,
) -> ExportJob:
    """Check an export request and queue its job. Refused (ApplicationError) with the
    reason: not allowed in full, no reason given, a filter that cannot be read, too many
    exports waiting; 404 for a user who may not have this export at all."""
    exporter = exporter_for(kind)
    exporter.authorize(user, full)
    prepared = exporter.prepare(user, params, full, reason)
    if exports_of(user).filter(state__in=(State.QUEUED, State.RUNNING)).count() >= MAX_PENDING:
        raise ApplicationError(
            _("您已有 %(count)d 个导出正在进行，请等它们完成后再导出。") % {"count": MAX_PENDING}
        )
    fmt = fmt if fmt in ExportJob.Format.values else ExportJob.Format.XLSX
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    # The file is written in the language the user reads (its sheet names, its labels).
    request = {"params": prepared.params, "reason": reason, "language": get_language()}
    job = ExportJob.objects.create(
        user=user,
        kind=kind,
        format=fmt,
        full=full,
        filter=prepared.logged,
        sealed_request=seal(json.dumps(request, ensure_ascii=False).encode()),
        ip_address=ip_address,
        file_name=f"{exporter.title()}-{stamp}.{fmt}",
    )
    export_job.enqueue(job.pk)
    return job


def export_cancel(*, user: User, export_id: int) -> ExportJob:
    """Cancel a waiting export, ask a running one to stop, or delete a finished file."""
    job = export_get_for_user(user=user, export_id=export_id)
    if _move(job, State.QUEUED, State.CANCELLED, finished_at=timezone.now(), **_FORGET):
        return job
    if job.state == State.RUNNING:
        ExportJob.objects.filter(pk=job.pk, state=State.RUNNING).update(cancel_requested=True)
    elif job.state == State.DONE:
        stored = job.stored_name
        if _move(job, State.DONE, State.DELETED, stored_name=""):
            _remove(stored)
    job.refresh_from_db()
    return job


def export_download(
    *, user: User, export_id: int, ip_address: str | None = None
) -> tuple[ExportJob, Iterator[bytes]]:
    """A finished export's file, for the user who asked for it, while it is kept and while
    they still may have it (404 otherwise); each download logged."""
    job = export_get_for_user(user=user, export_id=export_id)
    if not job.downloadable:
        raise Http404
    try:
        exporter_for(job.kind).authorize(user, job.full)
    except ApplicationError:
        raise Http404 from None  # the right to it in full was lost since
    if roles_revoked_since(user, job.created_at):
        raise Http404  # made with a role since taken away: it may hold what they no longer see
    path = export_folder() / job.stored_name
    if not path.is_file():
        raise Http404
    access_record(
        user=user,
        action=AccessEvent.Action.EXPORT,
        target=f"export:{job.pk}",
        field="download",
        detail={"format": job.format, "export": job.pk},
        ip_address=ip_address,
    )
    return job, _plain_chunks(path)


def _plain_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from unseal_stream(handle)


# --- the job ---------------------------------------------------------------------------------

# What a job forgets when it ends: the request (filter as sent, reason) and the address.
_FORGET: dict[str, Any] = {"sealed_request": b"", "ip_address": None}


def _move(job: ExportJob, from_state: str, to_state: str, **fields: Any) -> bool:
    """Change the job's state if it is still `from_state`, in one statement: two clicks,
    or a click and the worker, never both win."""
    moved = ExportJob.objects.filter(pk=job.pk, state=from_state).update(
        state=to_state, updated_at=timezone.now(), **fields
    )
    if moved:
        job.refresh_from_db()
    return bool(moved)


def _remove(stored_name: str) -> None:
    if stored_name:
        (export_folder() / stored_name).unlink(missing_ok=True)


class _Counted:
    """The rows as they are written, counted, with the progress reported every REPORT_EVERY."""

    def __init__(self, job: ExportJob, rows: Iterable[list[Any]], total: int) -> None:
        self.job, self.rows, self.total, self.count = job, rows, total, 0

    def report(self) -> None:
        ExportJob.objects.filter(pk=self.job.pk).update(
            done=self.count, total=self.total, updated_at=timezone.now()
        )
        if ExportJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise Stopped

    def __iter__(self) -> Iterator[list[Any]]:
        for row in self.rows:
            yield row
            self.count += 1
            if self.count % REPORT_EVERY == 0:
                self.report()


def _write(opened: Rows, job: ExportJob, out: IO[bytes]) -> int:
    counted = _Counted(job, opened.rows, opened.total)
    counted.report()
    if job.format == ExportJob.Format.CSV:
        for text in csv_chunks(opened.headers, counted):
            out.write(text.encode("utf-8"))
    else:
        opened.write_xlsx(counted, out)
    return counted.count


def _private_file(path: Path) -> IO[bytes]:
    """A new file that only the server's user may read or write, whatever the umask."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def _failed(job: ExportJob, message: str) -> None:
    _move(job, State.RUNNING, State.FAILED, finished_at=timezone.now(), message=message, **_FORGET)


@task(queue_name=QUEUE)
def export_job(export_id: int) -> None:
    """Write one export's file (a background job on the "exports" queue)."""
    job = ExportJob.objects.filter(pk=export_id, state=State.QUEUED).select_related("user").first()
    if job is None or not _move(job, State.QUEUED, State.RUNNING, started_at=timezone.now()):
        return  # cancelled while it waited
    folder = export_folder()
    stored = f"{job.pk}-{secrets.token_hex(16)}.{job.format}.sealed"
    try:
        request = json.loads(unseal(bytes(job.sealed_request)))
        exporter = exporter_for(job.kind)
        # The user's rights as they are now: a role revoked while the job waited counts.
        exporter.authorize(job.user, job.full)
        prepared = exporter.prepare(job.user, request["params"], job.full, request["reason"])
        with translation.override(request.get("language")):
            opened = exporter.open(
                job.user, prepared.params, job.full, timezone.localdate(job.created_at)
            )
            if job.format == ExportJob.Format.XLSX and opened.total > XLSX_MAX_ROWS:
                raise ApplicationError(
                    _("共 %(count)d 行，超过 Excel 一张表的 %(limit)d 行，请缩小范围，或导出CSV。")
                    % {"count": opened.total, "limit": XLSX_MAX_ROWS}
                )
            # The plain file has no name (O_TMPFILE) and goes with the job's end, however
            # it ends.
            with tempfile.TemporaryFile(dir=folder) as plain:
                rows = _write(opened, job, plain)
                size = plain.tell()
                plain.seek(0)
                with _private_file(folder / stored) as out:
                    seal_stream(plain, out)
        with transaction.atomic(durable=True):
            _log_export(job, rows=rows, reason=request["reason"], logged=prepared.logged)
            now = timezone.now()
            finished = _move(
                job,
                State.RUNNING,
                State.DONE,
                finished_at=now,
                done=rows,
                total=rows,
                rows=rows,
                size=size,
                stored_name=stored,
                expires_at=now + timedelta(hours=settings.EXPORT_FILE_HOURS),
                cancel_requested=False,
                **_FORGET,
            )
            if not finished:
                raise Stopped  # taken for dead meanwhile: its entry is rolled back too
    except Stopped:
        _remove(stored)
        _move(
            job,
            State.RUNNING,
            State.CANCELLED,
            finished_at=timezone.now(),
            message=_("已停止，没有生成文件。"),
            **_FORGET,
        )
    except Http404:
        _remove(stored)
        _failed(job, _("您已没有导出这些数据的权限，没有生成文件。"))
    except ApplicationError as error:
        _remove(stored)
        _failed(job, error.message)
    except Exception as error:
        _remove(stored)
        _failed(job, _("导出时出错，没有生成文件。请稍后重试，或联系系统管理员。"))
        logger.error("Export %s failed: %s", job.pk, type(error).__name__)
        raise JobFailed(f"export {job.pk}: {type(error).__name__}") from None
    export_files_expire()


def _log_export(job: ExportJob, *, rows: int, reason: str, logged: dict[str, str]) -> None:
    """The export's entry, as it was when the file was built inside the request; with the
    job's number, which its downloads name."""
    access_record(
        user=job.user,
        action=AccessEvent.Action.EXPORT,
        target=job.kind,
        reason=reason,
        detail={
            "format": job.format,
            "rows": rows,
            "full_ids": job.full,
            "filter": logged,
            "export": job.pk,
        },
        ip_address=job.ip_address,
    )


# --- retention -------------------------------------------------------------------------------


def export_files_expire(*, now: datetime | None = None) -> int:
    """Delete the files past their time (EXPORT_FILE_HOURS), and whatever else the export
    folder holds that no finished export does (what a killed worker left); mark the jobs
    whose worker died as failed; forget jobs older than the access log keeps its entries.
    Returns how many files expired."""
    now = now or timezone.now()
    expired = 0
    for job in ExportJob.objects.filter(state=State.DONE, expires_at__lte=now).only(
        "pk", "state", "stored_name"
    ):
        stored = job.stored_name
        if _move(job, State.DONE, State.EXPIRED, stored_name=""):
            _remove(stored)
            expired += 1
    dead = ExportJob.objects.filter(state=State.RUNNING, updated_at__lt=now - DEAD_AFTER).update(
        state=State.FAILED,
        finished_at=now,
        message=_("导出中断（后台任务停止），没有生成文件。请重新导出。"),
        **_FORGET,
    )
    if dead:
        logger.warning("%d export jobs found dead and marked failed", dead)
    _strays_remove(now)
    ExportJob.objects.filter(created_at__lt=now - timedelta(days=retention_days())).exclude(
        state__in=(State.QUEUED, State.RUNNING, State.DONE)
    ).delete()
    if expired:
        logger.info("%d export files expired and deleted", expired)
    return expired


def _strays_remove(now: datetime) -> None:
    folder = export_folder()
    kept = set(
        ExportJob.objects.filter(state=State.DONE)
        .exclude(stored_name="")
        .values_list("stored_name", flat=True)
    )
    cutoff = (now - STRAY_AFTER).timestamp()
    for path in folder.iterdir():
        if path.name not in kept and path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
