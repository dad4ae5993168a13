from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from guanai.accounts.types import AuthedRequest
from guanai.conflicts.forms import ResolveForm
from guanai.conflicts.selectors import (
    alert_get_for_user,
    alerts_open_for,
    conflict_get_for_user,
    conflict_rows,
    conflicts_visible_to,
    may_resolve_conflicts,
)
from guanai.conflicts.services import alert_acknowledge, conflict_resolve
from guanai.core.errors import ApplicationError

PER_PAGE = 50


@never_cache
@require_GET
def conflict_list(request: AuthedRequest) -> HttpResponse:
    """身份冲突待核实: ID numbers the county's users typed that records outside their reach
    hold, with both sides, and the alerts about users who typed too many."""
    if not may_resolve_conflicts(request.user):
        raise Http404
    conflicts = conflicts_visible_to(request.user).select_related(
        "user", "batch", "village", "held_village__parent", "held_school", "resolved_by"
    )
    page = Paginator(conflicts, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": conflict_rows(request.user, page.object_list),
        "alerts": list(alerts_open_for(request.user)[:50]),
        "form": ResolveForm(auto_id=False),
    }
    return render(request, "conflicts/conflict_list.html", context)


@require_POST
def conflict_resolve_view(request: AuthedRequest, conflict_id: int) -> HttpResponse:
    conflict = conflict_get_for_user(user=request.user, conflict_id=conflict_id)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择处理结果并填写处理说明。"))
        return redirect("conflicts:conflict_list")
    try:
        conflict_resolve(user=request.user, conflict_id=conflict.pk, **form.cleaned_data)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已处理。"))
    return redirect("conflicts:conflict_list")


@require_POST
def alert_acknowledge_view(request: AuthedRequest, alert_id: int) -> HttpResponse:
    alert = alert_get_for_user(user=request.user, alert_id=alert_id)
    alert_acknowledge(user=request.user, alert_id=alert.pk)
    # The banner on the home page acknowledges there and stays there.
    target = "web:home" if request.POST.get("next") == "home" else "conflicts:conflict_list"
    return redirect(target)
