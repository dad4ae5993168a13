"""Views of the care work: the record form (one phone screen), a record and its history,
My tasks, the supervisors' overview and its lists, the county's contact plan, and who is
responsible for a child. Every read goes through guanai.care.selectors."""

import json
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guanai.accounts.scope import prefix_q, scope_for
from guanai.accounts.types import AuthedRequest
from guanai.areas.codes import code_of, prefix_at
from guanai.areas.models import Area, School
from guanai.audit.models import AccessEvent
from guanai.audit.services import access_record
from guanai.care import selectors, services
from guanai.care.choices import DEFAULT_METHODS, METHODS_BY_KIND, AssignmentKind, Method, RecordKind
from guanai.care.forms import AssignForm, PlanForm, RecordForm, show_refusal
from guanai.care.models import CareRecord, CareRecordChange
from guanai.care.plans import DEFAULTS, Plan
from guanai.children.models import Child
from guanai.core.errors import ApplicationError

# Where a saved record goes back to: My tasks, or the child's file (never a URL from the
# request).
BACK = {"tasks": "care:my_tasks", "child": "children:child_detail"}
FIELD_LABELS = {
    name: str(getattr(CareRecord._meta.get_field(name), "verbose_name", name))
    for name in (*services.RECORD_FIELDS, "follow_up_done_on")
}


# The ways each kind of record can be done, for the form's script ("": any other kind).
METHODS_JSON = json.dumps(
    {"": list(DEFAULT_METHODS), **{str(k): list(v) for k, v in METHODS_BY_KIND.items()}}
)


def _back(child: Child, back: str) -> HttpResponse:
    if back == "tasks":
        return redirect("care:my_tasks")
    return redirect(reverse("children:child_detail", args=[child.pk]) + "#care")


def _kinds(request: AuthedRequest, child: Child) -> list[tuple[str, str]]:
    kinds = selectors.record_kinds_for(request.user, child)
    if not selectors.sees_whole_file(request.user, child):
        kinds = [k for k in kinds if k[0] in services.HELPER_KINDS]
    return kinds


@require_http_methods(["GET", "POST"])
def record_new(request: AuthedRequest, child_id: int) -> HttpResponse:
    """A care record for the child: one screen, today, the user, in person by default."""
    child = selectors.child_for_care(request.user, child_id)
    kinds = _kinds(request, child)
    back = request.GET.get("next", request.POST.get("next", "child"))
    back = back if back in BACK else "child"
    corrects = None
    if request.GET.get("corrects"):
        corrects = services.correctable_anew(request.user, _int(request.GET["corrects"]))
        if corrects.child_id != child.pk:
            raise Http404
    if request.method == "POST":
        form = RecordForm(request.POST, kinds=kinds)
        if form.is_valid():
            try:
                record = _record_with_conclusions(request, child, form, corrects)
            except ApplicationError as error:
                show_refusal(form, error)
            else:
                messages.success(
                    request,
                    _("已记录：%(child)s，%(kind)s。")
                    % {"child": child.name, "kind": record.get_kind_display()},
                )
                return _back(child, back)
    else:
        kind = request.GET.get("kind", "")
        kind = kind if kind in dict(kinds) else kinds[0][0]
        method = request.GET.get("method", "")
        allowed = METHODS_BY_KIND.get(kind, DEFAULT_METHODS)
        initial: dict[str, Any] = {
            "kind": kind,
            "method": method if method in allowed else _default_method(kind),
        }
        if corrects is not None:
            _notes_shown(request, corrects)  # a counselling note shown again is logged
            initial = {f: getattr(corrects, f) for f in services.RECORD_FIELDS}
        form = RecordForm(initial=initial, kinds=kinds)
    return _form_page(request, child, form, back=back, corrects=corrects)


@transaction.atomic
def _record_with_conclusions(
    request: AuthedRequest, child: Child, form: RecordForm, corrects: CareRecord | None
) -> CareRecord:
    """The record, and a counselling session's conclusions on the file, both or neither."""
    record = services.record_create(
        user=request.user,
        child_id=child.pk,
        values=form.values(),
        corrects_id=corrects.pk if corrects else None,
    )
    risk, apply_concerns = (
        form.cleaned_data.get("risk_level"),
        form.cleaned_data.get("apply_concerns"),
    )
    if record.kind == RecordKind.COUNSELLING and (risk or apply_concerns):
        services.risk_update_from_session(
            user=request.user,
            record_id=record.pk,
            risk_level=risk or None,
            concerns=record.concerns if apply_concerns else None,
        )
    return record


def _form_page(
    request: AuthedRequest,
    child: Child,
    form: RecordForm,
    *,
    back: str = "child",
    corrects: CareRecord | None = None,
    editing: CareRecord | None = None,
) -> HttpResponse:
    """The record form: a new record, a correction by a new record, or a record corrected."""
    context = {"child": child, "form": form, "back": back, "corrects": corrects}
    context |= {"editing": editing, "methods_by_kind": METHODS_JSON}
    return render(request, "care/record_form.html", context)


def _default_method(kind: str) -> str:
    return Method.PHONE if kind == RecordKind.PARENT_CONTACT else Method.IN_PERSON


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Http404 from None


def _notes_shown(request: AuthedRequest, record: CareRecord) -> bool:
    """May the viewer read the record's notes? Counselling notes read are logged."""
    if not record.is_confidential:
        return True
    if not selectors.notes_visible(request.user, record.child):
        return False
    access_record(
        user=request.user,
        action=AccessEvent.Action.VIEW,
        target=f"child:{record.child_id}",
        field="counselling",
        request=request,
    )
    return True


def _changes(sealed: str) -> list[dict[str, str]]:
    """The changes a history entry holds (written by the services as a JSON list)."""
    try:
        changes = json.loads(sealed or "[]")
    except ValueError:
        return []
    return [c for c in changes if isinstance(c, dict)] if isinstance(changes, list) else []


def _history(record_id: int, child: Child, shown: bool) -> list[dict[str, Any]]:
    entries = []
    for change in CareRecordChange.objects.filter(record_id=record_id, child=child).select_related(
        "by"
    ):
        readable = shown or change.record_kind != RecordKind.COUNSELLING
        changes = _changes(change.changes) if readable else []
        entries.append(
            {
                "change": change,
                "changes": [
                    {**c, "label": FIELD_LABELS.get(c["field"], c["field"])} for c in changes
                ],
            }
        )
    return entries


def record_detail(request: AuthedRequest, record_id: int) -> HttpResponse:
    record = selectors.record_get_for_user(request.user, record_id)
    shown = _notes_shown(request, record)
    return render(
        request,
        "care/record_detail.html",
        {
            "record": record,
            "child": record.child,
            "shown": shown,
            "history": _history(record.pk, record.child, shown),
            "correctable": selectors.correctable(record, request.user),
            "can_correct_anew": _correctable_anew(request, record),
            "corrections": record.corrections.all() if shown else [],
            "today": timezone.localdate(),
        },
    )


def _correctable_anew(request: AuthedRequest, record: CareRecord) -> bool:
    try:
        services.correctable_anew(request.user, record.pk)
    except Http404:
        return False
    return True


@require_http_methods(["GET", "POST"])
def record_edit(request: AuthedRequest, record_id: int) -> HttpResponse:
    record = selectors.record_get_for_user(request.user, record_id)
    if not selectors.correctable(record, request.user):
        raise Http404
    kinds = _kinds(request, record.child)
    if record.kind not in dict(kinds):
        raise Http404
    if request.method == "POST":
        form = RecordForm(request.POST, initial={"kind": record.kind}, kinds=kinds, correcting=True)
        if form.is_valid():
            try:
                services.record_correct(
                    user=request.user, record_id=record.pk, values=form.values()
                )
            except ApplicationError as error:
                show_refusal(form, error)
            else:
                messages.success(request, _("记录已更正。"))
                return redirect("care:record_detail", record.pk)
    else:
        _notes_shown(request, record)  # the notes in the form are a reading, logged
        form = RecordForm(
            initial={f: getattr(record, f) for f in services.RECORD_FIELDS},
            kinds=kinds,
            correcting=True,
        )
    return _form_page(request, record.child, form, editing=record)


@require_POST
def record_delete_view(request: AuthedRequest, record_id: int) -> HttpResponse:
    record = selectors.record_get_for_user(request.user, record_id)
    try:
        services.record_delete(user=request.user, record_id=record.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("care:record_detail", record.pk)
    messages.success(request, _("记录已删除（变动记录中保留）。"))
    return _back(record.child, "child")


@require_POST
def follow_up_done_view(request: AuthedRequest, record_id: int) -> HttpResponse:
    record = selectors.record_get_for_user(request.user, record_id)
    try:
        services.follow_up_done(user=request.user, record_id=record.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("跟进事项已完成。"))
    back = request.POST.get("next", "record")
    if back == "tasks":
        return redirect("care:my_tasks")
    return redirect("care:record_detail", record.pk)


def my_tasks(request: AuthedRequest) -> HttpResponse:
    """我的待办: what the user has to do, nearest first, one tap to record."""
    if not selectors.has_tasks(request.user):
        raise Http404
    today = timezone.localdate()
    tasks = selectors.my_tasks(request.user, today)
    return render(
        request,
        "care/my_tasks.html",
        {
            "tasks": tasks,
            "today": today,
            "paired": list(selectors.paired_children(request.user, on=today)),
            "limit": selectors.TASK_LIMIT,
        },
    )


# --- supervisors ---------------------------------------------------------------------------


def _place_filter(
    request: AuthedRequest, children: QuerySet[Child]
) -> tuple[QuerySet[Child], Area | None, School | None]:
    """Narrow to ?area=CODE (an area the user sees) or ?school=ID (a school among the
    children's); 404 for anything else."""
    area = school = None
    code = request.GET.get("area", "")
    if code:
        scope = scope_for(request.user)
        area = Area.objects.filter(code=code).first()
        if area is None or not scope.covers_area(area.code):
            raise Http404
        children = children.filter(prefix_q("village_id", frozenset({area.prefix})))
    school_id = request.GET.get("school", "")
    if school_id:
        school = School.objects.filter(pk=_int(school_id)).first()
        if school is None or not children.filter(school=school).exists():
            raise Http404
        children = children.filter(school=school)
    return children, area, school


@dataclass(frozen=True)
class OverviewRow:
    counts: selectors.PlaceCounts
    name: str
    parent: Area | None
    # The list's query string for this place.
    param: str
    # The overview of its parts (a township's villages), if any.
    drill: str = ""


def _default_grouping(request: AuthedRequest, area: Area | None) -> str:
    """By school for a school's roles; by township over a county or more (a county's 257
    villages are too many to read at once), each township opening on its villages; by
    village below."""
    scope = scope_for(request.user)
    if area is None and scope.school_ids and not scope.area_prefixes and not scope.everything:
        return "school"
    if area is not None:
        wide = len(area.prefix) <= len(prefix_at(area.code, "county"))
    else:
        wide = scope.everything or any(len(p) <= 6 for p in scope.area_prefixes)
    return "township" if wide else "village"


def overview(request: AuthedRequest) -> HttpResponse:
    """关爱督导: per village (or per school) the active children and how many are overdue for
    a visit, a parent contact or a follow-up, and are without a director or teacher; each
    count opens its list."""
    children = selectors.supervised_children(request.user)
    children, area, _school = _place_filter(request, children)
    today = timezone.localdate()
    by = request.GET.get("by") or _default_grouping(request, area)
    if by not in selectors.GROUPS:
        raise Http404
    counts = selectors.counts_by(children, by, today)
    if by == "school":
        schools = {str(s.pk): s for s in School.objects.filter(pk__in=[int(k) for k in counts])}
        rows = [
            OverviewRow(c, schools[c.key].name, None, f"school={c.key}")
            for c in counts.values()
            if c.key in schools
        ]
    else:
        codes = {code_of(key): key for key in counts}
        places = {
            codes[a.code]: a
            for a in Area.objects.filter(code__in=list(codes)).select_related("parent")
        }
        rows = [
            OverviewRow(
                c,
                places[c.key].name,
                places[c.key].parent,
                f"area={places[c.key].code}",
                # A township opens on its villages.
                f"?by=village&area={places[c.key].code}" if by == "township" else "",
            )
            for c in counts.values()
            if c.key in places
        ]
    rows.sort(key=lambda r: (r.parent.code if r.parent else "", r.name))
    totals = {
        field: sum(getattr(r.counts, field) for r in rows)
        for field in (
            "active",
            "visit_overdue",
            "contact_overdue",
            "follow_up_overdue",
            "without_director",
            "without_teacher",
        )
    }
    return render(
        request,
        "care/overview.html",
        {
            "rows": rows,
            "totals": totals,
            "by": by,
            "area": area,
            "today": today,
            "can_plan": selectors.holds_role(request.user, ("county_admin",)),
            "wide": _default_grouping(request, area) == "township",
        },
    )


DUE_LISTS = {
    "visit": _("走访逾期"),
    "contact": _("亲情联系超过计划"),
    "follow_up": _("跟进逾期"),
    "no_teacher": _("无责任教师"),
    "no_director": _("无儿童主任"),
}


def due_list_view(request: AuthedRequest) -> HttpResponse:
    children = selectors.supervised_children(request.user)
    what = request.GET.get("what", "visit")
    if what not in DUE_LISTS:
        raise Http404
    children, area, school = _place_filter(request, children)
    today = timezone.localdate()
    listed = selectors.due_list(children, what, today).select_related(
        "village", "school", "responsible_teacher"
    )
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    plans: dict[str, Plan] = {}
    for child in page:
        county = child.village_id[:6]
        plan = plans.setdefault(county, selectors.plan_for(county))
        child.visit_due = plan.visit[child.risk_level].after(child.visit_base)  # type: ignore[attr-defined]
    teachers = []
    if (
        what == "no_teacher"
        and school is not None
        and selectors.holds_role(request.user, selectors.ASSIGNING_ROLES)
    ):
        teachers = services.staff_of_school(school.pk, ("teacher", "counsellor"))
    return render(
        request,
        "care/due_list.html",
        {
            "page": page,
            "what": what,
            "title": DUE_LISTS[what],
            "area": area,
            "school": school,
            "teachers": teachers,
            "today": today,
            "query": request.GET.urlencode(),
        },
    )


@require_POST
def teacher_assign(request: AuthedRequest) -> HttpResponse:
    """Name one teacher responsible for the children ticked on the list of a school's
    children without one."""
    if not selectors.holds_role(request.user, selectors.ASSIGNING_ROLES):
        raise Http404
    ids = [_int(v) for v in request.POST.getlist("child")]
    teacher = _int(request.POST.get("teacher", "0"))
    school = _int(request.POST.get("school", "0"))
    try:
        changed = services.responsible_teacher_set(
            user=request.user, child_ids=ids, teacher_id=teacher
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已为 %(n)s 名儿童指定责任教师。") % {"n": changed})
    return redirect(reverse("care:due_list") + f"?what=no_teacher&school={school}")


# --- the county's plan ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def plan_view(request: AuthedRequest) -> HttpResponse:
    """联系计划: the county admin sets how often children are visited and parents in touch."""
    county = selectors.administered_county(request.user)
    plan = selectors.plan_for(county.code)
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                services.plan_save(user=request.user, county=county, values=form.cleaned_data)
            except ApplicationError as error:
                show_refusal(form, error)
            else:
                messages.success(request, _("联系计划已保存，待办和逾期按新计划计算。"))
                return redirect("care:plan")
    else:
        initial: dict[str, Any] = {"parent_contact_days": plan.parent_contact.every}
        for risk, period in plan.visit.items():
            initial[f"{risk}_every"], initial[f"{risk}_unit"] = period.every, period.unit
        form = PlanForm(initial=initial)
    return render(
        request,
        "care/plan.html",
        {"form": form, "county": county, "defaults": DEFAULTS, "is_default": plan == DEFAULTS},
    )


# --- responsibility ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def assign(request: AuthedRequest, child_id: int) -> HttpResponse:
    """A child's responsible teacher, mentors and counsellors (管理教育责任, 导师)."""
    child = selectors.child_for_care(request.user, child_id)
    if not selectors.sees_whole_file(request.user, child) or not selectors.assigns_for(
        request.user, child
    ):
        raise Http404
    staff = services.staff_of_school(child.school_id, ("teacher", "counsellor"))
    form = AssignForm(request.POST or None)
    form.fields["user"].choices = [(u.pk, u.full_name or u.username) for u in staff]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        what, user_id = form.cleaned_data["what"], form.cleaned_data["user"]
        try:
            if what == "teacher":
                services.responsible_teacher_set(
                    user=request.user, child_ids=[child.pk], teacher_id=user_id
                )
            else:
                services.assignment_add(
                    user=request.user, child_id=child.pk, assignee_id=user_id, kind=what
                )
        except ApplicationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("care:assign", child.pk)
    return render(
        request,
        "care/assign.html",
        {
            "child": child,
            "form": form,
            "staff": staff,
            "assignments": selectors.assignments_of(child),
            "kinds": AssignmentKind.choices,
        },
    )


@require_POST
def assignment_end_view(request: AuthedRequest, assignment_id: int) -> HttpResponse:
    assignment = selectors.assignment_get_for_user(request.user, assignment_id)
    services.assignment_end(user=request.user, assignment_id=assignment.pk)
    messages.success(request, _("已取消指定。"))
    return redirect("care:assign", assignment.child_id)
