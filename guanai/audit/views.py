from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from guanai.accounts.types import AuthedRequest
from guanai.audit.exports import KIND
from guanai.audit.forms import AccessLogFilterForm
from guanai.audit.selectors import (
    access_events_visible_to,
    access_log_filter,
    access_log_required,
    access_log_rows,
)
from guanai.audit.services import (
    access_log_checkpoint,
    retention_days,
)
from guanai.core.ratelimit import rate_limit
from guanai.exports.views import export_start

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
    context = {
        "form": form,
        "page": page,
        "rows": access_log_rows(request.user, list(page.object_list)),
        "retention_days": retention_days(),
        "checkpoint": access_log_checkpoint(),
    }
    return render(request, "audit/access_log.html", context)


@require_POST
@rate_limit("export")
def access_log_export(request: AuthedRequest) -> HttpResponse:
    """The filtered log as CSV or xlsx, queued as an export job; the export is itself
    logged when its file is made."""
    access_log_required(request.user)
    return export_start(request, kind=KIND, params=request.POST)
