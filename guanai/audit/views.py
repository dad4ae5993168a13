from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from guanai.audit.exporting import XLSX_MAX_ROWS, export_rows, headers, spooled_xlsx
from guanai.audit.forms import AccessLogFilterForm
from guanai.audit.models import AccessEvent
from guanai.audit.selectors import (
    access_events_visible_to,
    access_log_filter,
    access_log_required,
    access_log_rows,
)
from guanai.audit.services import (
    access_log_checkpoint,
    access_record,
    logged_parameters,
    retention_days,
)
from guanai.core.ratelimit import rate_limit
from guanai.core.spreadsheets import csv_chunks
from guanai.core.types import AuthedRequest

PER_PAGE = 50


@never_cache
@require_GET
def access_log(request: AuthedRequest) -> HttpResponse:
    """访问日志: who opened, revealed or exported what, in the viewer's county."""
    access_log_required(request.user)
    form = AccessLogFilterForm(request.GET)
    log_filter = form.to_filter()
    events = access_events_visible_to(request.user)
    events = (
        access_log_filter(request.user, events, log_filter)
        if log_filter is not None
        else events.none()
    )
    page = Paginator(events.select_related("user"), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": access_log_rows(request.user, list(page.object_list)),
        "query": query.urlencode(),
        "retention_days": retention_days(),
        "checkpoint": access_log_checkpoint(),
    }
    return render(request, "audit/access_log.html", context)


@never_cache
@require_GET
@rate_limit("export", methods=("GET",))
def access_log_export(request: AuthedRequest) -> HttpResponseBase:
    """The filtered log as CSV or xlsx; the export is itself logged."""
    access_log_required(request.user)
    form = AccessLogFilterForm(request.GET)
    log_filter = form.to_filter()
    if log_filter is None:
        return HttpResponse(
            _("筛选条件有误，请返回修改。"), status=400, content_type="text/plain; charset=utf-8"
        )
    events = access_log_filter(request.user, access_events_visible_to(request.user), log_filter)
    # What is there now: not the export's own entry, nor entries made while it is written.
    newest = AccessEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    events = events.filter(pk__lte=newest)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    count = events.count()
    if fmt == "xlsx" and count > XLSX_MAX_ROWS:
        return HttpResponse(
            _("记录超过 %(limit)d 条，请缩小日期范围，或导出CSV。") % {"limit": XLSX_MAX_ROWS},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = logged_parameters(request.GET, keys=AccessLogFilterForm.base_fields)
    access_record(
        user=request.user,
        action=AccessEvent.Action.EXPORT,
        target="access_log",
        detail={"format": fmt, "rows": count, "filter": filters},
        request=request,
    )
    rows = export_rows(request.user, events)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    title = _("访问日志")
    filename = f"{title}-{stamp}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_chunks(headers(), rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(True, filename) or ""
        return response
    return FileResponse(
        spooled_xlsx(rows),
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
