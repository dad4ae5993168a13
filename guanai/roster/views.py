import functools
import io
from collections.abc import Callable
from typing import IO

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanai.accounts.scope import ChildAccess
from guanai.accounts.types import AuthedRequest
from guanai.audit.models import AccessEvent
from guanai.audit.services import access_record
from guanai.children.choices import MissingField
from guanai.children.selectors import child_access_required
from guanai.core.errors import ApplicationError
from guanai.core.ratelimit import rate_limit
from guanai.exports.views import export_start
from guanai.roster.columns import COLUMNS
from guanai.roster.exports import KIND
from guanai.roster.forms import UploadForm
from guanai.roster.models import ImportBatch
from guanai.roster.services import (
    PREVIEW_ERRORS,
    batch_cancel,
    batch_error_file,
    batch_get_for_user,
    batch_import,
    batch_map,
    batch_report,
    batch_undo,
    batch_upload,
    batches_of,
)
from guanai.roster.templates import write_template


@require_POST
@rate_limit("export")
def roster_export(request: AuthedRequest) -> HttpResponse:
    """The current list filter as the official roster, xlsx or CSV: queued as an export job
    (a county's roster takes longer to write than a request may last), whose page shows
    its progress and then the file to download.

    ID numbers, phones and addresses are masked, or, with `full` and a reason, in full for
    roles that may reveal them (only the children they may reveal are then exported).
    """
    child_access_required(request.user, ChildAccess.VIEW)
    return export_start(
        request, kind=KIND, params=request.POST, full=request.POST.get("full") == "1"
    )


def _xlsx(out: IO[bytes], filename: str) -> FileResponse:
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_http_methods(["GET"])
def roster_template(request: AuthedRequest) -> HttpResponseBase:
    """The blank import template, for those who register children."""
    child_access_required(request.user, ChildAccess.EDIT)
    out = io.BytesIO()
    write_template(out)
    name = _("留守儿童花名册导入模板")
    return _xlsx(out, f"{name}.xlsx")


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limit("import")
def roster_import(request: AuthedRequest) -> HttpResponse:
    """Upload a roster: it is kept and checked in the background (nothing written)."""
    child_access_required(request.user, ChildAccess.EDIT)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = batch_upload(user=request.user, file_name=upload.name or "", data=upload.read())
        except ApplicationError as error:
            form.add_error("file", error.message)
        else:
            return redirect("roster:import_detail", batch_id=batch.pk)
    batches = batches_of(request.user).select_related("user")[:20]
    return render(request, "roster/import.html", {"form": form, "batches": batches})


@never_cache
@require_GET
def roster_import_detail(request: AuthedRequest, batch_id: int) -> HttpResponse:
    batch = batch_get_for_user(user=request.user, batch_id=batch_id)
    own = batch.user_id == request.user.pk
    # The faults quote the file (ID numbers too): for the importer's eyes only. A county
    # admin overseeing the batch sees its counts.
    shown = own and batch.state == ImportBatch.State.CHECKED
    report = batch_report(batch) if shown else {}
    if shown:
        access_record(
            user=request.user,
            action=AccessEvent.Action.VIEW,
            target=f"import_batch:{batch.pk}",
            field="check_report",
            request=request,
        )
    return render(
        request,
        "roster/import_detail.html",
        {
            "batch": batch,
            "own": own,
            "may_undo": batch.state == ImportBatch.State.IMPORTED,  # seen: theirs to undo
            "errors": [
                {"row": row, "column": column, "value": value, "message": message}
                for row, column, value, message in report.get("errors", [])
            ],
            "warnings": report.get("warnings", []),
            "unknown": report.get("unknown", []),
            "fields": [(c.key, c.label) for c in COLUMNS],
            "more": PREVIEW_ERRORS,
            "missing": _missing_fields(batch),
        },
    )


def _missing_fields(batch: ImportBatch) -> list[tuple[str, int]]:
    """(field name, rows lacking it) of the valid rows whose child is 待补充, in the form's
    order: counts only, nothing of the file, so the county admin sees them too."""
    counts = batch.counts.get("missing") or {}
    return [(str(label), counts[code]) for code, label in MissingField.choices if code in counts]


@never_cache
@require_GET
def roster_import_progress(request: AuthedRequest, batch_id: int) -> HttpResponse:
    """The running job's progress bar, polled by htmx; once the job ends the page reloads."""
    batch = batch_get_for_user(user=request.user, batch_id=batch_id)
    if not batch.running:
        return HttpResponse(headers={"HX-Refresh": "true"})
    return render(
        request,
        "roster/_progress.html",
        {"batch": batch, "own": batch.user_id == request.user.pk},
    )


def _back_to_batch(
    action: Callable[[AuthedRequest, int], None],
) -> Callable[[AuthedRequest, int], HttpResponse]:
    """A button on a batch's page: whatever the service did or refused (its message shown
    there), back to that page."""

    @functools.wraps(action)
    def view(request: AuthedRequest, batch_id: int) -> HttpResponse:
        try:
            action(request, batch_id)
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("roster:import_detail", batch_id=batch_id)

    return view


@require_POST
@_back_to_batch
def roster_import_map(request: AuthedRequest, batch_id: int) -> None:
    """Match the headers the reader did not know to fields, then check the file again."""
    batch = batch_get_for_user(user=request.user, batch_id=batch_id, own=True)
    headers = request.POST.getlist("header")
    keys = request.POST.getlist("key")
    batch_map(
        user=request.user,
        batch_id=batch.pk,
        mapping={**batch.mapping, **dict(zip(headers, keys, strict=False))},
    )


@require_POST
@rate_limit("import")
@_back_to_batch
def roster_import_apply(request: AuthedRequest, batch_id: int) -> None:
    """Import the valid rows; or cancel a checked file, or stop a running job."""
    if request.POST.get("cancel"):
        batch = batch_cancel(user=request.user, batch_id=batch_id)
        if batch.state == ImportBatch.State.CANCELLED:
            messages.info(request, _("已取消，没有导入任何数据。"))
        else:
            messages.info(request, _("正在停止……已写入的部分将被撤回。"))
    else:
        batch_import(user=request.user, batch_id=batch_id)


@require_POST
@_back_to_batch
def roster_import_undo(request: AuthedRequest, batch_id: int) -> None:
    """Undo an imported batch: its importer or a county admin."""
    batch_undo(user=request.user, batch_id=batch_id)


@never_cache
@require_GET
@rate_limit("export", methods=("GET",))
def roster_import_errors(request: AuthedRequest, batch_id: int) -> HttpResponseBase:
    """The faulty rows with their faults, to correct and upload again."""
    batch = batch_get_for_user(user=request.user, batch_id=batch_id, own=True)
    data = batch_error_file(user=request.user, batch_id=batch.pk)
    access_record(
        user=request.user,
        action=AccessEvent.Action.EXPORT,
        target=f"import_batch:{batch.pk}",
        field="faulty_rows",
        detail={"format": "xlsx", "rows": batch.counts.get("error", 0)},
        request=request,
    )
    name = _("有错误的行")
    return _xlsx(io.BytesIO(data), f"{name}-{batch_id}.xlsx")
