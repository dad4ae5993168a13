import io

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from guanai.accounts.scope import ChildAccess, scope_for
from guanai.children.forms import ChildFilterForm
from guanai.children.selectors import child_filter, children_visible_to
from guanai.core.errors import ApplicationError
from guanai.core.types import AuthedRequest
from guanai.roster.exporting import csv_chunks, export_check, export_log, roster_rows, spooled_xlsx
from guanai.roster.templates import write_template


@never_cache
@require_http_methods(["GET", "POST"])
def roster_export(request: AuthedRequest) -> HttpResponseBase:
    """The current list filter as the official roster, xlsx or CSV.

    GET gives ID numbers, phones and addresses masked; POST, with a reason, in full, for
    roles that may reveal them (only the children they may reveal are then exported).
    """
    if ChildAccess.VIEW not in scope_for(request.user).child_access():
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    full = request.method == "POST" and params.get("full") == "1"
    reason = params.get("reason", "")
    try:
        export_check(user=request.user, full=full, reason=reason)
    except ApplicationError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    form = ChildFilterForm(params)
    child_filter_, sort = form.to_filter()
    access = ChildAccess.REVEAL if full else ChildAccess.VIEW
    today = timezone.localdate()
    children = child_filter(
        children_visible_to(request.user, access=access), child_filter_, on=today, sort=sort
    )
    filters = {
        k: v for k, v in params.dict().items() if k not in ("csrfmiddlewaretoken", "reason") and v
    }
    fmt = "csv" if params.get("format") == "csv" else "xlsx"
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    title = _("留守儿童花名册")
    filename = f"{title}-{stamp}.{fmt}"
    if fmt == "csv":
        count = children.count()
        export_log(
            user=request.user, fmt=fmt, rows=count, full=full, reason=reason,
            filters=filters, request=request,
        )  # fmt: skip
        response = StreamingHttpResponse(
            csv_chunks(roster_rows(children, full=full)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = _attachment(filename)
        return response
    out, count = spooled_xlsx(roster_rows(children, full=full), title=title)
    export_log(
        user=request.user, fmt=fmt, rows=count, full=full, reason=reason,
        filters=filters, request=request,
    )  # fmt: skip
    return FileResponse(
        out,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"


@require_http_methods(["GET"])
def roster_template(request: AuthedRequest) -> HttpResponseBase:
    """The blank import template, for those who register children."""
    if ChildAccess.EDIT not in scope_for(request.user).child_access():
        raise Http404
    name = _("留守儿童花名册导入模板")
    out = io.BytesIO()
    write_template(out)
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"{name}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
