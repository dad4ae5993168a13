from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from guanai.accounts.scope import scope_for
from guanai.accounts.types import AuthedRequest
from guanai.retention.forms import CountyFilterForm, PolicyForm
from guanai.retention.models import EXIT_WAIT_DAYS, RetentionPolicy
from guanai.retention.selectors import (
    Periods,
    PeriodTable,
    children_due,
    counties_managed_by,
    county_children,
    county_get_for_policy,
    county_periods,
    manages_retention,
)
from guanai.retention.services import policy_save

PAGE_SIZE = 50


@require_GET
def policy_list(request: AuthedRequest) -> HttpResponse:
    if not manages_retention(scope_for(request.user)):
        raise Http404
    form = CountyFilterForm(request.GET)
    counties = counties_managed_by(request.user)
    if form.is_valid() and (query := form.cleaned_data["q"].strip()):
        counties = counties.filter(Q(name__contains=query) | Q(code__startswith=query))
    page = Paginator(counties.order_by("code"), PAGE_SIZE).get_page(request.GET.get("page"))
    own = {
        policy.county_id: policy
        for policy in RetentionPolicy.objects.filter(county__in=list(page.object_list))
    }
    rows = [(county, own.get(county.code)) for county in page.object_list]
    context = {"form": form, "page": page, "rows": rows, "defaults": Periods()}
    return render(request, "retention/policy_list.html", context)


@require_http_methods(["GET", "POST"])
def policy_edit(request: AuthedRequest, code: str) -> HttpResponse:
    county = county_get_for_policy(user=request.user, code=code)
    periods = county_periods(county)
    form = PolicyForm(
        request.POST or None,
        initial={
            "months_after_exit": periods.months_after_exit,
            "months_after_adulthood": periods.months_after_adulthood,
        },
    )
    if request.method == "POST" and form.is_valid():
        policy_save(user=request.user, county_code=county.code, **form.cleaned_data)
        messages.success(request, _("已保存。每日运行时按新的期限匿名化。"))
        return redirect("retention:policy_edit", code=county.code)
    anonymised = county_children(county).filter(anonymised_at__isnull=False)
    context = {
        "county": county,
        "periods": periods,
        "form": form,
        "due": children_due(on=timezone.localdate(), table=PeriodTable(county)).count(),
        "anonymised": anonymised.count(),
        "last_anonymised_at": anonymised.aggregate(last=Max("anonymised_at"))["last"],
        "exit_wait_days": EXIT_WAIT_DAYS,
    }
    return render(request, "retention/policy_edit.html", context)
