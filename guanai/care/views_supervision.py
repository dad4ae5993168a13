"""督导日志: a township supervisor logs their visits to villages and schools; the county
reads them (guanai.care.supervision)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from guanai.accounts.models import User
from guanai.accounts.types import AuthedRequest
from guanai.care import supervision
from guanai.care.forms import DateInput, show_refusal
from guanai.care.models import SupervisionVisit
from guanai.core.errors import ApplicationError
from guanai.core.forms import StyledFormMixin


class VisitForm(StyledFormMixin, forms.Form):
    place = forms.ChoiceField(label=gettext_lazy("督导地点"))
    visited_on = forms.DateField(label=gettext_lazy("督导日期"), widget=DateInput())
    # Required by the log's rules (supervision.visit_violations), which say so with the
    # other refusals at once.
    checked = forms.CharField(
        label=gettext_lazy("督导内容"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "如：儿童信息是否更新、委托监护确认书、入户走访记录、留守儿童之家开放情况。"
        ),
    )
    findings = forms.CharField(
        label=gettext_lazy("发现的问题"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up = forms.CharField(
        label=gettext_lazy("整改要求"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    follow_up_by = forms.DateField(
        label=gettext_lazy("整改期限"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        villages, schools = supervision.places_for(user)
        self.fields["place"].choices = [  # type: ignore[attr-defined]
            (_("村(社区)"), [(f"v:{v.code}", v.name) for v in villages]),
            (_("学校"), [(f"s:{s.pk}", s.name) for s in schools]),
        ]
        self.initial.setdefault("visited_on", timezone.localdate())


@require_GET
def visit_list(request: AuthedRequest) -> HttpResponse:
    visits = supervision.visits_visible_to(request.user)
    place = request.GET.get("place", "")
    visits = supervision.visits_filter(visits, place)
    page = Paginator(visits, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "care/supervision_list.html",
        {
            "page": page,
            "can_write": supervision.may_write(request.user),
            "place": place,
            "today": timezone.localdate(),
        },
    )


def _form(request: AuthedRequest, visit: SupervisionVisit | None) -> HttpResponse:
    if not supervision.may_write(request.user):
        raise Http404
    initial: dict[str, Any] = {}
    if visit is not None:
        initial = {f: getattr(visit, f) for f in supervision.FIELDS}
        initial["place"] = f"v:{visit.village_id}" if visit.village_id else f"s:{visit.school_id}"
    form = VisitForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = supervision.visit_save(
                user=request.user,
                place=form.cleaned_data["place"],
                values=form.cleaned_data,
                visit_id=visit.pk if visit else None,
            )
        except ApplicationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("督导日志已保存。"))
            return redirect("care:supervision_detail", saved.pk)
    return render(request, "care/supervision_form.html", {"form": form, "visit": visit})


@require_http_methods(["GET", "POST"])
def visit_new(request: AuthedRequest) -> HttpResponse:
    return _form(request, None)


@require_http_methods(["GET", "POST"])
def visit_edit(request: AuthedRequest, visit_id: int) -> HttpResponse:
    visit = supervision.visit_get_for_user(request.user, visit_id)
    if not supervision.correctable(visit, request.user):
        raise Http404
    return _form(request, visit)


@require_GET
def visit_detail(request: AuthedRequest, visit_id: int) -> HttpResponse:
    visit = supervision.visit_get_for_user(request.user, visit_id)
    return render(
        request,
        "care/supervision_detail.html",
        {
            "visit": visit,
            "correctable": supervision.correctable(visit, request.user),
            "today": timezone.localdate(),
        },
    )


urlpatterns = [
    path("care/supervision/", visit_list, name="supervision_list"),
    path("care/supervision/new/", visit_new, name="supervision_new"),
    path("care/supervision/<int:visit_id>/", visit_detail, name="supervision_detail"),
    path("care/supervision/<int:visit_id>/edit/", visit_edit, name="supervision_edit"),
]
