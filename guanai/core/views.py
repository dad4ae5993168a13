from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from guanai.accounts.scope import ChildAccess, scope_for
from guanai.areas.selectors import area_roots_for_user, areas_visible_to, schools_visible_to
from guanai.children.selectors import child_counts, incomplete_counts
from guanai.conflicts.selectors import alerts_open_for, conflicts_pending_count
from guanai.core.types import AuthedRequest


@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    level_counts = dict(
        areas_visible_to(request.user)
        .values_list("level")
        .annotate(n=Count("code"))
        .values_list("level", "n")
    )
    scope = scope_for(request.user)
    counts = (
        child_counts(request.user, on=timezone.localdate())
        if ChildAccess.COUNT in scope.child_access()
        else None
    )
    return render(
        request,
        "core/home.html",
        {
            "child_counts": counts,
            "incomplete": incomplete_counts(request.user, on=timezone.localdate()),
            "can_review": ChildAccess.REVIEW in scope.child_access(),
            "memberships": scope.memberships,
            "roots": area_roots_for_user(request.user)[:50],
            "level_counts": level_counts,
            "school_count": schools_visible_to(request.user).count(),
            "alerts": list(alerts_open_for(request.user)[:20]),
            "conflicts_pending": conflicts_pending_count(request.user),
        },
    )


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
