from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from guanai.accounts.models import User
from guanai.accounts.types import AuthedRequest
from guanai.core.errors import ApplicationError
from guanai.core.http import client_address
from guanai.core.ratelimit import rate_limit
from guanai.exports import services
from guanai.exports.models import ExportJob
from guanai.exports.registry import exporter_for
from guanai.exports.services import export_get_for_user, export_request, export_stalled, exports_of

CONTENT_TYPES: dict[str, str] = {
    ExportJob.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportJob.Format.CSV: "text/csv; charset=utf-8",
}
LISTED = 30


def export_start(
    request: AuthedRequest, *, kind: str, params: Mapping[str, Any], full: bool = False
) -> HttpResponse:
    """Queue an export asked for by a page's form (the apps' export views end here) and go
    to its page; a refused request says why (400)."""
    try:
        job = export_request(
            user=request.user,
            kind=kind,
            params=params,
            fmt=params.get("format", ""),
            full=full,
            reason=params.get("reason", "") if full else "",
            ip_address=client_address(request),
        )
    except ApplicationError as error:
        return render(request, "exports/refused.html", {"message": error.message}, status=400)
    return redirect("exports:export_detail", export_id=job.pk)


@never_cache
@require_GET
def export_list(request: AuthedRequest) -> HttpResponse:
    """我的导出: the user's own exports, newest first."""
    jobs = list(exports_of(request.user)[:LISTED])
    rows = [(job, _describe(request.user, job)) for job in jobs]
    return render(request, "exports/list.html", {"rows": rows, "hours": settings.EXPORT_FILE_HOURS})


def _describe(user: User, job: ExportJob) -> dict[str, str]:
    exporter = exporter_for(job.kind)
    return {"title": exporter.title(), "filter": exporter.describe(user, job.filter)}


@never_cache
@require_GET
def export_detail(request: AuthedRequest, export_id: int) -> HttpResponse:
    job = export_get_for_user(user=request.user, export_id=export_id)
    return render(
        request,
        "exports/detail.html",
        {"job": job, "about": _describe(request.user, job), "stalled": export_stalled(job)},
    )


@never_cache
@require_GET
def export_progress(request: AuthedRequest, export_id: int) -> HttpResponse:
    """The running job's progress bar, polled by htmx; once the job ends the page reloads."""
    job = export_get_for_user(user=request.user, export_id=export_id)
    if not job.running:
        return HttpResponse(headers={"HX-Refresh": "true"})
    return render(request, "exports/_progress.html", {"job": job, "stalled": export_stalled(job)})


@never_cache
@require_GET
@rate_limit("export", methods=("GET",))
def export_download(request: AuthedRequest, export_id: int) -> StreamingHttpResponse:
    """The finished file, for the user who asked for it (anyone else: 404), logged."""
    job, chunks = services.export_download(
        user=request.user, export_id=export_id, ip_address=client_address(request)
    )
    response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[job.format])
    response["Content-Disposition"] = content_disposition_header(True, job.file_name) or ""
    response["Content-Length"] = str(job.size)
    return response


@require_POST
def export_cancel(request: AuthedRequest, export_id: int) -> HttpResponse:
    """Cancel a waiting export, stop a running one, or delete a finished file."""
    job = services.export_cancel(user=request.user, export_id=export_id)
    if job.state == ExportJob.State.CANCELLED:
        messages.info(request, _("已取消导出。"))
    elif job.state == ExportJob.State.DELETED:
        messages.info(request, _("文件已删除。"))
    elif job.cancel_requested:
        messages.info(request, _("正在停止……"))
    return redirect("exports:export_detail", export_id=job.pk)
