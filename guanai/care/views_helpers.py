"""Views of the helper register and pairing (结对帮扶): who keeps the register of their areas
(HELPER_ROLES) lists, registers and checks helpers and pairs them with children; anyone else
gets 404 (helpers_visible_to)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanai.accounts.scope import prefix_q
from guanai.accounts.types import AuthedRequest
from guanai.care.choices import CheckResult, HelperKind
from guanai.care.forms import show_refusal
from guanai.care.forms_helpers import (
    CheckForm,
    HelperFilterForm,
    HelperForm,
    PairingEndForm,
    PairingForm,
)
from guanai.care.models import Helper
from guanai.care.plans import add_months
from guanai.care.selectors import (
    CHECK_VALID_MONTHS,
    CHECK_WARNING_DAYS,
    checks_telling,
    helper_get_for_user,
    helper_rows,
    helpers_check_due,
    helpers_check_missing,
    helpers_visible_to,
    pairing_get_for_user,
)
from guanai.care.services import check_record, helper_save, pairing_create, pairing_end
from guanai.children.choices import Status
from guanai.children.models import Child
from guanai.children.selectors import child_search, children_visible_to
from guanai.core.crypto import mask_phone
from guanai.core.errors import ApplicationError

HELPERS_PER_PAGE = 30
# A search for the child to pair shows this many matches: type more of the name for others.
CHILD_MATCHES = 20


@dataclass(frozen=True)
class CheckState:
    """A helper's background check as the register shows it."""

    # "organisation" (none needed), "none", "not_clear", "expired", "due", "valid".
    state: str
    checked_on: date | None = None
    valid_until: date | None = None


def check_state(kind: str, checked_on: date | None, result: str | None, today: date) -> CheckState:
    if kind == HelperKind.ORGANISATION:
        return CheckState("organisation", checked_on)
    if checked_on is None:
        return CheckState("none")
    if result != CheckResult.CLEAR:
        return CheckState("not_clear", checked_on)
    valid_until = add_months(checked_on, CHECK_VALID_MONTHS)
    if valid_until < today:
        return CheckState("expired", checked_on, valid_until)
    if (valid_until - today).days <= CHECK_WARNING_DAYS:
        return CheckState("due", checked_on, valid_until)
    return CheckState("valid", checked_on, valid_until)


def _state_of(helper: Helper, today: date) -> CheckState:
    latest = checks_telling(helper.checks.all()).first()
    return check_state(
        helper.kind,
        latest.checked_on if latest else None,
        latest.result if latest else None,
        today,
    )


@require_GET
def helper_list(request: AuthedRequest) -> HttpResponse:
    helpers = helpers_visible_to(request.user)
    today = timezone.localdate()
    form = HelperFilterForm(request.GET)
    form.is_valid()
    wanted = form.cleaned_data
    rows = helper_rows(helpers, today)
    if wanted.get("active") == "inactive":
        rows = rows.filter(active=False)
    elif wanted.get("active") != "all":
        rows = rows.filter(active=True)
    if wanted.get("kind"):
        rows = rows.filter(kind=wanted["kind"])
    query = (wanted.get("q") or "").strip()
    if query:
        rows = rows.filter(name__icontains=query)
    if wanted.get("check") == "due":
        rows = helpers_check_due(rows, today)
    elif wanted.get("check") == "missing":
        rows = helpers_check_missing(rows)
    page = Paginator(rows.order_by("name", "pk"), HELPERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "rows": [
            {
                "helper": helper,
                "phone": mask_phone(helper.phone) if helper.phone else "",
                "check": check_state(
                    helper.kind,
                    helper.last_checked_on,
                    helper.last_result,
                    today,
                ),
            }
            for helper in page.object_list
        ],
        "filtered": any(wanted.get(k) for k in ("q", "kind", "check", "active")),
        "warning_days": CHECK_WARNING_DAYS,
    }
    return render(request, "care/helper_list.html", context)


def _helper_form(request: AuthedRequest, helper: Helper | None) -> HttpResponse:
    form = HelperForm(request.POST or None, user=request.user, helper=helper)
    if request.method == "POST" and form.is_valid():
        try:
            saved = helper_save(
                user=request.user,
                values=form.cleaned_data,
                helper_id=helper.pk if helper else None,
            )
        except ApplicationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("已保存帮扶人“%(name)s”。") % {"name": saved.name})
            return redirect("care:helper_detail", helper_id=saved.pk)
    return render(request, "care/helper_form.html", {"form": form, "helper": helper})


@never_cache
@require_http_methods(["GET", "POST"])
def helper_new(request: AuthedRequest) -> HttpResponse:
    helpers_visible_to(request.user)  # 404 for anyone who keeps no register
    return _helper_form(request, None)


@never_cache
@require_http_methods(["GET", "POST"])
def helper_edit(request: AuthedRequest, helper_id: int) -> HttpResponse:
    return _helper_form(request, helper_get_for_user(request.user, helper_id))


def _pairing_rows(request: AuthedRequest, helper: Helper) -> list[dict[str, Any]]:
    """The helper's pairings, current first; each child's file linked only if the viewer
    may open it, and an end form for each current one."""
    pairings = list(helper.pairings.select_related("child__village").order_by("-started_on", "-pk"))
    pairings.sort(key=lambda p: p.ended_on is not None)
    seen = set(
        children_visible_to(request.user)
        .filter(pk__in=[p.child_id for p in pairings])
        .values_list("pk", flat=True)
    )
    return [
        {
            "pairing": p,
            "child_visible": p.child_id in seen,
            # Ended by whom may see the child (services.pairing_end).
            "end_form": PairingEndForm(auto_id=f"end{p.pk}_%s")
            if p.ended_on is None and p.child_id in seen
            else None,
        }
        for p in pairings
    ]


def _detail(request: AuthedRequest, helper: Helper, check_form: CheckForm | None = None) -> Any:
    today = timezone.localdate()
    return render(
        request,
        "care/helper_detail.html",
        {
            "helper": helper,
            "phone": mask_phone(helper.phone) if helper.phone else "",
            "check": _state_of(helper, today),
            "checks": helper.checks.all(),
            "check_form": check_form or CheckForm(initial={"checked_on": today}),
            "pairings": _pairing_rows(request, helper),
        },
    )


@never_cache
@require_GET
def helper_detail(request: AuthedRequest, helper_id: int) -> HttpResponse:
    return _detail(request, helper_get_for_user(request.user, helper_id))


@require_POST
def check_new(request: AuthedRequest, helper_id: int) -> HttpResponse:
    helper = helper_get_for_user(request.user, helper_id)
    form = CheckForm(request.POST)
    if form.is_valid():
        try:
            check = check_record(user=request.user, helper_id=helper.pk, **form.cleaned_data)
        except ApplicationError as error:
            show_refusal(form, error)
        else:
            if check.result == CheckResult.NOT_CLEAR:
                messages.warning(
                    request, _("已登记背景审查：发现不良记录，该帮扶人的结对已全部结束。")
                )
            else:
                messages.success(request, _("已登记背景审查。"))
            return redirect("care:helper_detail", helper_id=helper.pk)
    return _detail(request, helper, check_form=form)


def _child_matches(
    request: AuthedRequest, helper: Helper, query: str, chosen: int | None
) -> list[Child]:
    """The active children the user sees whose name matches the search, or before any
    search those of the helper's area (and the one chosen, so that it stays on the page
    when the form comes back with an error)."""
    visible = children_visible_to(request.user).filter(status=Status.ACTIVE)
    if query:
        matches = child_search(visible, query)
    else:
        matches = visible.filter(prefix_q("village_id", frozenset({helper.area.prefix})))
    matches = matches.select_related("village", "school").order_by("name", "pk")
    children = list(matches[:CHILD_MATCHES])
    if chosen is not None and all(c.pk != chosen for c in children):
        children = [
            *visible.filter(pk=chosen).select_related("village", "school"),
            *children,
        ]
    return children


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() else None


@never_cache
@require_http_methods(["GET", "POST"])
def pairing_new(request: AuthedRequest, helper_id: int) -> HttpResponse:
    helper = helper_get_for_user(request.user, helper_id)
    data = request.POST if request.method == "POST" else None
    query = (request.POST.get("q") or request.GET.get("q") or "").strip()[:60]
    chosen = _int_or_none(request.POST.get("child") or request.GET.get("child"))
    form = PairingForm(data, initial={"child": chosen})
    if data is not None and form.is_valid():
        values = form.cleaned_data
        try:
            pairing = pairing_create(
                user=request.user,
                helper_id=helper.pk,
                child_id=values["child"],
                started_on=values["started_on"],
                call_every_months=values["call_every_months"],
                meet_every_months=values["meet_every_months"],
            )
        except ApplicationError as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                _("已将“%(helper)s”与“%(child)s”结对。")
                % {"helper": helper.name, "child": pairing.child.name},
            )
            return redirect("care:helper_detail", helper_id=helper.pk)
    today = timezone.localdate()
    return render(
        request,
        "care/pairing_form.html",
        {
            "helper": helper,
            "form": form,
            "query": query,
            "chosen": chosen,
            "children": _child_matches(request, helper, query, chosen),
            "check": _state_of(helper, today),
            "today": today,
        },
    )


@require_POST
def pairing_end_view(request: AuthedRequest, pairing_id: int) -> HttpResponse:
    pairing = pairing_get_for_user(request.user, pairing_id)
    form = PairingEndForm(request.POST)
    if form.is_valid():
        try:
            pairing_end(
                user=request.user,
                pairing_id=pairing.pk,
                on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["end_reason"],
            )
        except ApplicationError as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                _("“%(helper)s”与“%(child)s”的结对已结束。")
                % {"helper": pairing.helper.name, "child": pairing.child.name},
            )
            return redirect("care:helper_detail", helper_id=pairing.helper_id)
    return render(request, "care/pairing_end.html", {"pairing": pairing, "form": form})
