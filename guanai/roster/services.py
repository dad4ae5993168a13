"""Import batches as background jobs.

An upload is kept (encrypted) and checked by a job, which counts what would be created,
updated, unchanged or refused, and keeps the faulty rows. The user then imports the valid
rows (another job) or cancels. A running job reports its progress on the batch and stops
between two batches of rows when asked; an import stopped halfway is undone. An imported
batch can be undone by its importer or a county admin, within its own history.
"""

import hashlib
import io
import json
import logging
from datetime import timedelta
from pathlib import PurePath
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from guanai.accounts.models import User
from guanai.accounts.scope import scope_for
from guanai.children.undo import UndoResult, batch_changes_undo, undo_comment
from guanai.conflicts.models import Source
from guanai.conflicts.services import Claim, conflicts_hold
from guanai.core.crypto import seal, unseal
from guanai.core.errors import ApplicationError
from guanai.roster.columns import BY_KEY
from guanai.roster.importing import Hold, ImportReport, Progress, import_roster
from guanai.roster.models import ImportBatch
from guanai.roster.reading import COMMAND_MAX_BYTES, sniff
from guanai.roster.templates import write_error_file

State = ImportBatch.State
logger = logging.getLogger(__name__)
# Faults kept for the screen; all of them are in the error file.
PREVIEW_ERRORS = 200


class Stopped(Exception):
    """The user asked the running job to stop."""


# --- reading ---------------------------------------------------------------------------------


def batches_of(user: User) -> QuerySet[ImportBatch]:
    """The user's own batches, and for a county admin every batch of their county."""
    q = Q(user=user)
    for prefix in scope_for(
        user
    ).administered_prefixes:  # area_prefix holds codes of any length: a prefix test, not a range
        q |= Q(area_prefix__startswith=prefix)
    return ImportBatch.objects.filter(q)


def batch_get_for_user(*, user: User, batch_id: int, own: bool = False) -> ImportBatch:
    """A batch the user may see; with `own`, one they uploaded (to import, map or cancel).
    Anything else is 404."""
    batches = ImportBatch.objects.filter(user=user) if own else batches_of(user)
    batch = batches.filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


def batch_report(batch: ImportBatch) -> dict[str, Any]:
    """The check's findings: the first faults, warnings and unrecognised headers."""
    if not batch.report:
        return {"errors": [], "warnings": [], "unknown": []}
    return dict(json.loads(unseal(bytes(batch.report))))


def batch_error_file(*, user: User, batch_id: int) -> bytes:
    batch = batch_get_for_user(user=user, batch_id=batch_id, own=True)
    if not batch.error_file:
        raise Http404
    return unseal(bytes(batch.error_file))


def batch_files_expire(*, older_than: timedelta) -> int:
    """Drop what a batch keeps of its file's rows (the roster itself, while it waits to be
    imported; the first faults; the faulty rows) once it is older than `older_than`.

    They hold names and ID numbers that retention must reach too: a child anonymised years
    later would otherwise live on in the faulty rows of the import that brought them. The
    batch's record (who, when, file name and hash, counts, state) stays. A batch still
    waiting to be imported is cancelled. Returns how many batches lost something.
    """
    cutoff = timezone.now() - older_than
    stale = ImportBatch.objects.filter(created_at__lt=cutoff).filter(
        ~Q(sealed=b"") | ~Q(report=b"") | ~Q(error_file=b"")
    )
    waiting = stale.filter(state=State.CHECKED).update(
        state=State.CANCELLED,
        message=_("超过%(days)d天未导入，文件已按保留期限清除。") % {"days": older_than.days},
    )
    if waiting:
        logger.info("import batches cancelled after %d days: %d", older_than.days, waiting)
    # The ones just cancelled among them; not a batch a job is working on.
    finished = stale.exclude(state__in=(State.CHECKING, State.IMPORTING, State.UNDOING))
    return finished.update(sealed=b"", report=b"", error_file=b"")


# --- upload and jobs -------------------------------------------------------------------------


def batch_upload(*, user: User, file_name: str, data: bytes) -> ImportBatch:
    """Keep an uploaded roster and queue its check. A file that is not a spreadsheet, or
    too large, is refused at once."""
    sniff(data)  # size and kind of file: refused here with its reason, before any job
    batch = _new_batch(user=user, file_name=file_name, data=data, state=State.CHECKING)
    check_job.enqueue(batch.pk)
    return batch


def _new_batch(
    *, user: User, file_name: str, data: bytes, state: str, keep: bool = True
) -> ImportBatch:
    """The batch of an uploaded file, kept encrypted until a job reads it (`keep`)."""
    return ImportBatch.objects.create(
        user=user,
        area_prefix=scope_for(user).editing_prefix,
        file_name=PurePath(file_name.replace("\\", "/")).name[:200] or "roster",
        file_sha256=hashlib.sha256(data).hexdigest(),
        sealed=seal(data) if keep else b"",
        state=state,
    )


def batch_map(*, user: User, batch_id: int, mapping: dict[str, str]) -> ImportBatch:
    """Match headers the roster reader did not know to fields, by hand, and check again."""
    batch = batch_get_for_user(user=user, batch_id=batch_id, own=True)
    if batch.state != State.CHECKED:
        raise ApplicationError(_("这个文件已经导入或已取消。"))
    chosen = [key for key in mapping.values() if key]
    if any(key not in BY_KEY for key in chosen) or len(chosen) != len(set(chosen)):
        raise ApplicationError(_("每一列只能对应一个不同的项目。"))
    if not _move(
        batch,
        State.CHECKED,
        State.CHECKING,
        done=0,
        total=0,
        mapping={header: key for header, key in mapping.items() if key},
    ):
        raise ApplicationError(_("这个文件已经导入或已取消。"))
    check_job.enqueue(batch.pk)
    return batch


def batch_import(*, user: User, batch_id: int) -> ImportBatch:
    """Queue the import of the valid rows; the faulty ones stay out, to be corrected."""
    batch = batch_get_for_user(user=user, batch_id=batch_id, own=True)
    if not _move(batch, State.CHECKED, State.IMPORTING, done=0, cancel_requested=False):
        raise ApplicationError(_("这个文件已经导入或已取消。"))
    import_job.enqueue(batch.pk)
    return batch


def batch_cancel(*, user: User, batch_id: int) -> ImportBatch:
    """Cancel a checked batch, or ask a running job to stop."""
    batch = batch_get_for_user(user=user, batch_id=batch_id, own=True)
    if not _move(batch, State.CHECKED, State.CANCELLED, sealed=b"", error_file=b"", report=b""):
        ImportBatch.objects.filter(pk=batch.pk, state__in=(State.CHECKING, State.IMPORTING)).update(
            cancel_requested=True
        )
    batch.refresh_from_db()
    return batch


def batch_undo(*, user: User, batch_id: int) -> ImportBatch:
    """Undo an imported batch (whoever may see it: its importer or a county admin): what it
    created is removed and what it changed put back, except records changed since."""
    batch = batch_get_for_user(user=user, batch_id=batch_id)
    if not _move(batch, State.IMPORTED, State.UNDOING, done=0, total=0, undone_by=user):
        raise ApplicationError(_("只有已导入的批次可以撤销。"))
    undo_job.enqueue(batch.pk)
    return batch


def _move(batch: ImportBatch, from_state: str, to_state: str, **fields: Any) -> bool:
    """Change the batch's state if it is still `from_state`, in one statement: two clicks,
    or two people, never start the same job twice."""
    moved = ImportBatch.objects.filter(pk=batch.pk, state=from_state).update(
        state=to_state, updated_at=timezone.now(), **fields
    )
    if moved:
        batch.refresh_from_db()
    return bool(moved)


def _progress(
    batch: ImportBatch, *, stoppable: bool = True, echo: Progress | None = None
) -> Progress:
    def report(done: int, total: int) -> None:
        if echo is not None:
            echo(done, total)
        ImportBatch.objects.filter(pk=batch.pk).update(
            done=done, total=total, updated_at=timezone.now()
        )
        if stoppable and ImportBatch.objects.filter(pk=batch.pk, cancel_requested=True).exists():
            raise Stopped

    return report


def _holding(batch: ImportBatch) -> Hold:
    """Hold the batch's ID numbers found out of its importer's reach for their county, each
    with its file and row; past the day's limit the job stops (ConflictLimitReached)."""

    def hold(claims: list[Claim]) -> None:
        conflicts_hold(user=batch.user, claims=claims, source=Source.IMPORT, batch=batch)

    return hold


def _finish(batch: ImportBatch, state: str, **fields: Any) -> None:
    """End a job: the batch's new state, and the file dropped unless it waits for import."""
    batch.state = state
    batch.cancel_requested = False
    if state != State.CHECKED:
        batch.sealed = b""
    for name, value in fields.items():
        setattr(batch, name, value)
    batch.save()


def _counts(report: ImportReport) -> dict[str, Any]:
    """The batch's counts: rows per action, and the valid rows whose child is or will be
    待补充 with, per missing field, how many lack it (named on the batch's page)."""
    return {**report.counts, "incomplete": report.incomplete, "missing": report.missing}


def _stored_report(report: ImportReport) -> dict[str, Any]:
    """The batch's fields that keep a check's findings."""
    findings = {
        "errors": [[e.row, e.column, e.value, e.message] for e in report.errors[:PREVIEW_ERRORS]],
        "warnings": report.warnings,
        "unknown": report.unknown,
    }
    out = io.BytesIO()
    if report.faulty:
        write_error_file(report, out)
    return {
        "report": seal(json.dumps(findings, ensure_ascii=False).encode()),
        "error_file": seal(out.getvalue()) if report.faulty else b"",
        "counts": _counts(report),
        "done": report.total,
        "total": report.total,
    }


def _failed(error: BaseException) -> str:
    if isinstance(error, ApplicationError):
        return error.message
    return _("处理文件时出错，没有写入任何数据。请稍后重试，或联系系统管理员。")


class JobFailed(Exception):
    """Raised in place of an unexpected error, so that the task's stored result and the
    worker's log name the error's kind but never carry its text (which may quote a cell)."""


def _unexpected(batch: ImportBatch, error: BaseException) -> JobFailed:
    logger.error("Import batch %s failed: %s", batch.pk, type(error).__name__)
    return JobFailed(f"import batch {batch.pk}: {type(error).__name__}")


def _undo_writes(
    batch: ImportBatch,
    *,
    user: User,
    failed: tuple[str, str],
    progress: Progress | None = None,
) -> UndoResult:
    """Take out what the batch wrote. Should that fail, the batch ends in `failed`'s state
    with its message, and the error is raised as unexpected (see JobFailed)."""
    try:
        return batch_changes_undo(
            user=user,
            batch_id=batch.pk,
            comment=undo_comment(batch.file_name),
            progress=progress,
        )
    except Exception as error:
        state, message = failed
        _finish(batch, state, message=message)
        raise _unexpected(batch, error) from None


@task()
def check_job(batch_id: int) -> None:
    """The dry run of an uploaded roster (a background job)."""
    batch = ImportBatch.objects.filter(pk=batch_id, state=State.CHECKING).first()
    if batch is None:
        return
    try:
        report = import_roster(
            user=batch.user,
            data=unseal(bytes(batch.sealed)),
            write=False,
            mapping=dict(batch.mapping),
            progress=_progress(batch),
            hold=_holding(batch),
        )
    except Stopped:
        _finish(batch, State.CANCELLED, error_file=b"")
    except Exception as error:
        _finish(batch, State.FAILED, message=_failed(error))
        if not isinstance(error, ApplicationError):
            raise _unexpected(batch, error) from None
    else:
        _finish(batch, State.CHECKED, message="", **_stored_report(report))


def _import(
    batch: ImportBatch,
    data: bytes | None = None,
    echo: Progress | None = None,
    max_bytes: int | None = None,
) -> ImportReport | None:
    """Import a checked roster's valid rows. Records may have changed since the check, so
    the rows are sorted again as they are written. Stopped or failed halfway, what was
    written is taken out again."""
    try:
        report = import_roster(
            user=batch.user,
            data=unseal(bytes(batch.sealed)) if data is None else data,
            write=True,
            mapping=dict(batch.mapping),
            batch_id=batch.pk,
            progress=_progress(batch, echo=echo),
            max_bytes=max_bytes,
            hold=_holding(batch),
        )
    except Exception as error:
        undone = _undo_writes(
            batch,
            user=batch.user,
            failed=(State.FAILED, _("导入中断，撤回已写入的部分时出错，请联系系统管理员。")),
        )
        if isinstance(error, Stopped):
            message = _("已停止导入，已写入的 %(count)d 名儿童已撤回。") % {
                "count": undone.removed + undone.reverted
            }
            _finish(batch, State.CANCELLED, message=message, error_file=b"")
            return None
        _finish(batch, State.FAILED, message=_failed(error), error_file=b"")
        if not isinstance(error, ApplicationError):
            raise _unexpected(batch, error) from None
        return None
    _finish(
        batch,
        State.IMPORTED,
        counts=_counts(report),
        imported_at=timezone.now(),
        done=report.total,
        total=report.total,
    )
    return report


@task()
def import_job(batch_id: int) -> None:
    """The import of a checked roster (a background job)."""
    batch = ImportBatch.objects.filter(pk=batch_id, state=State.IMPORTING).first()
    if batch is not None:
        _import(batch)


def batch_import_now(
    *, user: User, file_name: str, data: bytes, echo: Progress | None = None
) -> tuple[ImportBatch, ImportReport | None]:
    """Import a roster at once, as a recorded batch that can be undone (the command line,
    where a file may be as large as a province's roster)."""
    batch = _new_batch(user=user, file_name=file_name, data=data, state=State.IMPORTING, keep=False)
    return batch, _import(batch, data, echo, max_bytes=COMMAND_MAX_BYTES)


@task()
def undo_job(batch_id: int) -> None:
    """Undo an imported batch (a background job)."""
    batch = ImportBatch.objects.filter(pk=batch_id, state=State.UNDOING).first()
    if batch is None or batch.undone_by is None:
        return
    result = _undo_writes(
        batch,
        user=batch.undone_by,
        # What was undone stays undone (each part in its own transaction); the rest can be
        # undone again.
        failed=(State.IMPORTED, _("撤销未能完成，已撤销的部分保持撤销，可以再次撤销其余部分。")),
        progress=_progress(batch, stoppable=False),
    )
    message = _("已撤销：删除新增的 %(removed)d 名，恢复更新的 %(reverted)d 名。") % {
        "removed": result.removed,
        "reverted": result.reverted,
    }
    if result.kept:
        names = "、".join(name for _pk, name in result.kept[:20])
        message += _("另有 %(count)d 名儿童在导入后又被修改，未撤销，请逐一核对：%(names)s") % {
            "count": len(result.kept),
            "names": names,
        }
    if result.out_of_reach:
        message += _("另有 %(count)d 名儿童不在撤销人的管辖范围内，未撤销。") % {
            "count": result.out_of_reach
        }
    _finish(batch, State.UNDONE, undone_at=timezone.now(), message=message)
