from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from guanai.accounts.scope import scope_for
from guanai.accounts.types import AuthedRequest
from guanai.areas.codes import prefix_at
from guanai.areas.forms import SchoolFilterForm, SchoolForm
from guanai.areas.models import AreaLevel
from guanai.areas.selectors import (
    area_ancestors,
    area_get_for_user,
    area_roots_for_user,
    areas_visible_to,
    school_get_for_manager,
    school_get_for_user,
    schools_manageable_by,
    schools_visible_to,
)
from guanai.areas.services import school_create, school_update
from guanai.core.errors import ApplicationError
from guanai.core.forms import show_error

PAGE_SIZE = 50


@require_GET
def area_list(request: AuthedRequest) -> HttpResponse:
    roots = list(area_roots_for_user(request.user))
    if len(roots) == 1:
        return redirect("areas:area_detail", code=roots[0].code)
    return render(request, "areas/area_list.html", {"roots": roots})


@require_GET
def area_detail(request: AuthedRequest, code: str) -> HttpResponse:
    area = area_get_for_user(user=request.user, code=code)
    visible = areas_visible_to(request.user)
    children = visible.filter(parent=area).annotate(n_children=Count("children")).order_by("code")
    # A village's children go to the schools of its township.
    school_prefix = (
        prefix_at(area.code, "township") if area.level == AreaLevel.VILLAGE else area.prefix
    )
    schools = schools_visible_to(request.user).filter(area__code__startswith=school_prefix)
    scope = scope_for(request.user)
    return render(
        request,
        "areas/area_detail.html",
        {
            "area": area,
            # Names only: the areas above the user's scope are shown, not linked.
            "ancestors": [(a, scope.covers_area(a.code)) for a in area_ancestors(area)],
            "children": Paginator(children, 100).get_page(request.GET.get("page")),
            "school_count": schools.count(),
            "schools": schools[:20]
            if area.level in (AreaLevel.TOWNSHIP, AreaLevel.VILLAGE)
            else [],
        },
    )


@require_GET
def school_list(request: AuthedRequest) -> HttpResponse:
    form = SchoolFilterForm(request.GET)
    schools = schools_visible_to(request.user)
    if form.is_valid():
        if query := form.cleaned_data["q"].strip():
            schools = schools.filter(Q(name__icontains=query) | Q(code=query))
        if township := form.cleaned_data["township"]:
            schools = schools.filter(area_id=township)
    townships = areas_visible_to(request.user).filter(level=AreaLevel.TOWNSHIP)
    page = Paginator(schools.order_by("area__code", "name"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "townships": townships[:500],
        "can_manage": scope_for(request.user).manages_schools,
    }
    template = "areas/partials/school_rows.html" if request.htmx else "areas/school_list.html"
    return render(request, template, context)


@require_GET
def school_detail(request: AuthedRequest, school_id: int) -> HttpResponse:
    school = school_get_for_user(user=request.user, school_id=school_id)
    can_manage = schools_manageable_by(request.user).filter(pk=school.pk).exists()
    return render(request, "areas/school_detail.html", {"school": school, "can_manage": can_manage})


@require_http_methods(["GET", "POST"])
def school_new(request: AuthedRequest) -> HttpResponse:
    if not scope_for(request.user).manages_schools:
        raise Http404
    form = SchoolForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            school = school_create(user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            show_error(form, error)
        else:
            messages.success(request, _("已添加学校“%(name)s”。") % {"name": school.name})
            return redirect("areas:school_detail", school_id=school.pk)
    return render(request, "areas/school_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def school_edit(request: AuthedRequest, school_id: int) -> HttpResponse:
    school = school_get_for_manager(user=request.user, school_id=school_id)
    form = SchoolForm(request.POST or None, instance=school, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            school_update(
                user=request.user,
                school_id=school.pk,
                name=data["name"],
                area=data["area"],
                stage=data["stage"],
            )
        except ApplicationError as error:
            show_error(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("areas:school_detail", school_id=school.pk)
    return render(request, "areas/school_form.html", {"form": form, "school": school})
