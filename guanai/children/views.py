import re
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from guanai.accounts.scope import ChildAccess, scope_for
from guanai.accounts.types import AuthedRequest
from guanai.areas.codes import prefix_at
from guanai.areas.models import AreaLevel
from guanai.areas.selectors import areas_visible_to, schools_visible_to
from guanai.audit.models import AccessEvent
from guanai.audit.services import access_record, access_record_coalesced, mask_numbers
from guanai.children.choices import FamilySlot, ReviewState, Status
from guanai.children.consent.views import consent_section
from guanai.children.forms import (
    PAGE_SIZES,
    ChildCompleteForm,
    ChildFilterForm,
    ChildForm,
    ExitForm,
    FamilyForms,
    RevealForm,
    RevealReason,
    ReviewFilterForm,
    ReviewForm,
    check_guardianship,
    reveal_reason_text,
)
from guanai.children.idnumber import normalize_id_number
from guanai.children.models import Child, ChildChange
from guanai.children.reveal import REVEALABLE, child_reveal
from guanai.children.sections import sections_for
from guanai.children.selectors import (
    ChildFilter,
    ChildPaginator,
    Submission,
    assigned_only_schools,
    child_access_required,
    child_filter,
    child_get_for_user,
    child_history,
    child_latest_change_id,
    child_may,
    child_search,
    child_submitter,
    children_incomplete_after,
    children_visible_to,
    is_left_behind,
    looks_like_id_number,
    review_queue,
    review_queue_places,
    submissions_of,
)
from guanai.children.services import (
    child_create,
    child_exit,
    child_restore,
    child_review,
    child_update,
    children_approve_many,
)
from guanai.core.crypto import mask_address, mask_id_number, mask_phone
from guanai.core.errors import ApplicationError, NotInScope
from guanai.core.forms import enable_inline_validation, show_error
from guanai.core.ratelimit import rate_limit


def _per_page(request: AuthedRequest) -> int:
    value = request.GET.get("per_page", "")
    return int(value) if value in {str(size) for size in PAGE_SIZES} else PAGE_SIZES[0]


def _same_for_every_row(children: list[Child]) -> dict[str, Any]:
    """The village and the school when every child shown shares it: said once above the
    cards instead of on each (a village director's list is all one village)."""
    villages = {child.village_id for child in children}
    schools = {child.school_id for child in children}
    return {
        "village": children[0].village if children and len(villages) == 1 else None,
        "school": children[0].school if children and len(schools) == 1 else None,
    }


@require_GET
def child_list(request: AuthedRequest) -> HttpResponse:
    child_access_required(request.user, ChildAccess.VIEW)
    form = ChildFilterForm(request.GET)
    child_filter_, sort = form.to_filter()
    # Never searched by GET (see child_find): say so.
    id_number_in_url = looks_like_id_number(request.GET.get("q", ""))
    today = timezone.localdate()
    children = child_filter(children_visible_to(request.user), child_filter_, on=today, sort=sort)
    per_page = _per_page(request)
    paginator = ChildPaginator(children, per_page)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        {
            "child": child,
            "id_masked": mask_id_number(child.id_number),
            "age": child.age_on(today),
            "lb_2016": is_left_behind(child, "2016", today),
            "lb_broad": is_left_behind(child, "broad", today),
        }
        for child in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "capped": paginator.capped,
        "id_number_in_url": id_number_in_url,
        "can_find": ChildAccess.REVEAL in scope_for(request.user).child_access(),
        "rows": rows,
        "same": _same_for_every_row(list(page.object_list)),
        "assigned_only_schools": [s.name for s in assigned_only_schools(request.user)],
        "filtered": child_filter_ != ChildFilter(),
        "query": query.urlencode(),
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "can_edit": ChildAccess.EDIT in scope_for(request.user).child_access(),
    }
    if request.htmx and request.htmx.target == "child-results":
        return render(request, "children/partials/child_results.html", context)
    visible_areas = areas_visible_to(request.user)
    context["townships"] = visible_areas.filter(level=AreaLevel.TOWNSHIP).order_by("code")[:200]
    context["villages"] = (
        visible_areas.filter(level=AreaLevel.VILLAGE)
        .filter(code__startswith=prefix_at(child_filter_.township, "township"))
        .order_by("code")[:500]
        if child_filter_.township
        else []
    )
    context["schools"] = schools_visible_to(request.user).order_by("area_id", "name")[:300]
    return render(request, "children/child_list.html", context)


def _secret(value: str, mask: Any) -> dict[str, Any]:
    return {"masked": mask(value), "present": bool(value)}


@require_POST
@rate_limit("lookup")
def child_find(request: AuthedRequest) -> HttpResponse:
    """Find a child by ID number: by POST, so the number never appears in a URL, in the
    browser's history or in a server log. Only for those who may reveal ID numbers."""
    child_access_required(request.user, ChildAccess.REVEAL)
    query = normalize_id_number(request.POST.get("id_number", ""))
    children = children_visible_to(request.user, access=ChildAccess.REVEAL)
    child = child_search(children, query).first() if len(query) in (15, 18) else None
    if child is None:
        messages.warning(request, _("在您的管辖范围内没有找到这个身份证号码的儿童。"))
        return redirect("children:child_list")
    return redirect("children:child_detail", child_id=child.pk)


@never_cache
@require_GET
def child_detail(request: AuthedRequest, child_id: int) -> HttpResponse:
    try:
        child = child_get_for_user(user=request.user, child_id=child_id)
    except Http404:
        if ChildAccess.PAIRED not in scope_for(request.user).child_access():
            raise
        return _paired_child(request, child_id)
    access_record(
        user=request.user,
        action=AccessEvent.Action.VIEW,
        target=f"child:{child.pk}",
        request=request,
    )
    today = timezone.localdate()
    can_edit = child_may(request.user, child, ChildAccess.EDIT)
    family = []
    for slot, label in FamilySlot.choices:
        person = getattr(child, slot)
        if person is not None:
            family.append(
                {
                    "slot": slot,
                    "label": label,
                    "person": person,
                    "id_number": _secret(person.id_number, mask_id_number),
                    "phone": _secret(person.phone, mask_phone),
                    "address": _secret(person.address, mask_address),
                }
            )
    context = {
        "child": child,
        "age": child.age_on(today),
        "lb_2016": is_left_behind(child, "2016", today),
        "lb_broad": is_left_behind(child, "broad", today),
        "id_number": _secret(child.id_number, mask_id_number),
        "address": _secret(child.address, mask_address),
        "family": family,
        "grandparents": [
            {"link": link, "phone": _secret(link.person.phone, mask_phone)}
            for link in child.grandparent_links.all()
        ],
        "history": child_history(child)[:100],
        "can_edit": can_edit,
        "can_reveal": child_may(request.user, child, ChildAccess.REVEAL),
        "can_review": child_may(request.user, child, ChildAccess.REVIEW),
        "seen": child_latest_change_id(child),
        "reveal_reasons": RevealReason.choices,
        "phone_reason": _phone_reason_label(request, child.pk),
        "review_form": ReviewForm(),
        **consent_section(child, can_edit=can_edit),
        "sections": sections_for(request, child, whole_file=True),
    }
    return render(request, "children/child_detail.html", context)


def _paired_child(request: AuthedRequest, child_id: int) -> HttpResponse:
    """What a helper sees of a child paired with them: name, age, school, the guardian's
    phone and the sections for them (their own records); no ID number, no family."""
    child = child_get_for_user(user=request.user, child_id=child_id, access=ChildAccess.PAIRED)
    access_record(
        user=request.user,
        action=AccessEvent.Action.VIEW,
        target=f"child:{child.pk}",
        field="paired",
        request=request,
    )
    guardian = child.guardian
    context = {
        "child": child,
        "age": child.age_on(timezone.localdate()),
        "guardian": guardian,
        "guardian_phone": _secret(guardian.phone if guardian else "", mask_phone),
        "phone_reason": _phone_reason_label(request, child.pk),
        "sections": sections_for(request, child, whole_file=False),
    }
    return render(request, "children/child_paired.html", context)


def _form_context(form: ChildForm, family: FamilyForms, child: Child | None) -> dict[str, Any]:
    url = (
        reverse("children:child_validate", args=[child.pk])
        if child
        else reverse("children:child_validate_new")
    )
    forms: list[BaseForm] = [form, *family.persons.values(), *family.grandparents]
    for each in forms:
        enable_inline_validation(each, url)
    return {"form": form, "family": family, "child": child}


def _log_form(request: AuthedRequest, child: Child | None, *, field: str = "form") -> None:
    """The edit form shows the child's whole file: its opening is logged as the file's is
    (the completion form, `field` "complete", a part of it). What re-renders it (each
    field's validation as it is typed, a save refused) is logged once in a while, not
    every time (see access_record_coalesced)."""
    if child is None:
        return
    if request.method == "GET":
        access_record(
            user=request.user,
            action=AccessEvent.Action.VIEW,
            target=f"child:{child.pk}",
            field=field,
            request=request,
        )
    else:
        access_record_coalesced(
            user=request.user, target=f"child:{child.pk}", field=field, request=request
        )


def _save(request: AuthedRequest, child: Child | None) -> HttpResponse:
    """The create and edit forms: validate everything at once, save through the service."""
    data = request.POST if request.method == "POST" else None
    form = ChildForm(data, instance=child, user=request.user)
    family = FamilyForms(data, child=child)
    if request.method == "POST":
        child_ok, family_ok = form.is_valid(), family.is_valid()
        if child_ok and family_ok:
            check_guardianship(form, family)
        if child_ok and family_ok and form.is_valid():
            try:
                if child is None:
                    saved = child_create(
                        user=request.user,
                        data=form.values(),
                        family=family.family(),
                        grandparents=family.grandparent_values(),
                    )
                    messages.success(request, _("已登记“%(name)s”。") % {"name": saved.name})
                else:
                    saved = child_update(
                        user=request.user,
                        child_id=child.pk,
                        data=form.values(),
                        family=family.family(),
                        grandparents=family.grandparent_values(),
                    )
                    messages.success(request, _("已保存。"))
            except NotInScope as error:
                form.add_error("village", error.message)
            except ApplicationError as error:
                show_error(form, error)
            else:
                if saved.review_state == ReviewState.PENDING:
                    messages.info(request, _("档案已提交，等待乡镇审核。"))
                if saved.incomplete:
                    messages.warning(request, _missing_message(saved))
                return redirect("children:child_detail", child_id=saved.pk)
        messages.error(request, _("有填写错误，请按提示修改后再保存。"))
    _log_form(request, child)
    return render(request, "children/child_form.html", _form_context(form, family, child))


@never_cache
@require_http_methods(["GET", "POST"])
def child_new(request: AuthedRequest) -> HttpResponse:
    child_access_required(request.user, ChildAccess.EDIT)
    return _save(request, None)


@never_cache
@require_http_methods(["GET", "POST"])
def child_edit(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, child_id=child_id, access=ChildAccess.EDIT)
    return _save(request, child)


def _validate(request: AuthedRequest, child: Child | None) -> HttpResponse:
    """Inline validation while typing: the form re-rendered with its errors, not saved.

    htmx swaps in only the wrapper of the field that changed (hx-select).
    """
    form = ChildForm(request.POST, instance=child, user=request.user)
    family = FamilyForms(request.POST, child=child)
    form.is_valid()
    family.is_valid()
    _log_form(request, child)
    return render(request, "children/child_form.html", _form_context(form, family, child))


@never_cache
@require_POST
def child_validate_new(request: AuthedRequest) -> HttpResponse:
    child_access_required(request.user, ChildAccess.EDIT)
    return _validate(request, None)


@never_cache
@require_POST
def child_validate(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, child_id=child_id, access=ChildAccess.EDIT)
    return _validate(request, child)


@require_http_methods(["GET", "POST"])
def child_exit_view(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, child_id=child_id, access=ChildAccess.EDIT)
    form = ExitForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            child_exit(user=request.user, child_id=child.pk, **form.cleaned_data)
        except ApplicationError as error:
            show_error(form, error)
        else:
            messages.success(request, _("已将“%(name)s”移出名册。") % {"name": child.name})
            return redirect("children:child_detail", child_id=child.pk)
    return render(request, "children/child_exit.html", {"child": child, "form": form})


@require_POST
def child_restore_view(request: AuthedRequest, child_id: int) -> HttpResponse:
    try:
        child = child_restore(user=request.user, child_id=child_id)
    except NotInScope:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已将“%(name)s”恢复到名册。") % {"name": child.name})
    return redirect("children:child_detail", child_id=child_id)


# Phone reveals: the reason given for one of a child's phones serves again for that child's
# phones until the session ends (logout, the idle timeout, the browser closed), so calling
# the father and then the grandmother asks once. Each reveal is still logged with it.
_PHONE_REASONS = "guanai_phone_reasons"
PHONE_HOLDERS = tuple(subject for subject, fields in REVEALABLE.items() if "phone" in fields)


def _phone_reason_remembered(request: AuthedRequest, child_id: int) -> tuple[str, str] | None:
    """(reason code, words for 其他) given for this child's phones in this session."""
    remembered = request.session.get(_PHONE_REASONS, {}).get(str(child_id))
    if not remembered or remembered[0] not in RevealReason.values:
        return None
    return remembered[0], remembered[1]


def _phone_reason_remember(request: AuthedRequest, child_id: int, code: str, other: str) -> None:
    remembered = request.session.get(_PHONE_REASONS, {})
    # Kept in the session table: numbers in the words are masked, as in the log.
    remembered[str(child_id)] = [code, mask_numbers(other)]
    request.session[_PHONE_REASONS] = remembered


def _phone_reason_label(request: AuthedRequest, child_id: int) -> str:
    """The remembered reason as the page shows it, or "" when none is."""
    remembered = _phone_reason_remembered(request, child_id)
    if remembered is None:
        return ""
    code, other = remembered
    label = str(RevealReason(code).label)
    return f"{label}：{other}" if code == RevealReason.OTHER else label


def _reveal_refused(request: AuthedRequest, subject: str, field: str, error: str) -> HttpResponse:
    """The refusal shown under the reveal form it came from (htmx swaps a 422 there:
    core/static/guanai/app.js), the form kept as it was."""
    response = render(request, "children/partials/revealed.html", {"error": error}, status=422)
    response = retarget(response, f"#reveal-error-{subject}-{field}")
    return reswap(response, "innerHTML")


@require_POST
@rate_limit("lookup")
def child_reveal_view(request: AuthedRequest, child_id: int) -> HttpResponse:
    """One secret field in clear, for this user, this once; logged with the reason.

    A revealed phone number is a tel: link. Once a reason was given for one of the child's
    phones, the others on the page turn into one-tap buttons (swapped out of band)."""
    form = RevealForm(request.POST)
    subject, field = request.POST.get("subject", ""), request.POST.get("field", "")
    if form.has_error("subject") or form.has_error("field"):
        raise Http404
    if not form.is_valid():
        # 其他 without words says so; a reason not on the list is asked for again.
        words = [str(word) for word in form.errors.get("reason_other", [])]
        return _reveal_refused(
            request, subject, field, words[0] if words else _("请选择查看理由。")
        )
    code, other = form.cleaned_data["reason"], form.cleaned_data["reason_other"]
    if not code and field == "phone":
        code, other = _phone_reason_remembered(request, child_id) or ("", "")
    if not code:
        return _reveal_refused(request, subject, field, _("请选择查看理由。"))
    try:
        value = child_reveal(
            user=request.user,
            child_id=child_id,
            subject=subject,
            field=field,
            reason=reveal_reason_text(code, other),
            request=request,
        )
    except NotInScope:
        raise Http404 from None
    context: dict[str, Any] = {"value": value, "field": field}
    if field == "phone":
        _phone_reason_remember(request, child_id, code, other)
        # A helper paired with the child has the guardian's phone alone: no other buttons.
        whole = children_visible_to(request.user).filter(pk=child_id).first()
        child = whole or child_get_for_user(
            user=request.user, child_id=child_id, access=ChildAccess.PAIRED
        )
        context["tel"] = re.sub(r"[^\d+]", "", value)
        context["child"] = child
        context["phone_reason"] = _phone_reason_label(request, child_id)
        context["other_phones"] = [
            holder
            for holder in PHONE_HOLDERS
            if whole is not None
            and holder != subject
            and getattr(child, holder) is not None
            and getattr(child, holder).phone
        ]
    response = render(request, "children/partials/revealed.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _seen(value: str | None) -> int | None:
    """The latest history entry a reviewer was shown, as the queue and the file post it."""
    return int(value) if value and value.isascii() and value.isdigit() else None


@require_GET
def review_list(request: AuthedRequest) -> HttpResponse:
    """The queue: each entry with what changed and who entered it, by village or school."""
    child_access_required(request.user, ChildAccess.REVIEW)
    filters = ReviewFilterForm(request.GET)
    village, school = filters.place()
    per_page = _per_page(request)
    queue = review_queue(request.user, village=village, school=school)
    page = Paginator(queue, per_page).get_page(request.GET.get("page"))
    submissions = submissions_of(page.object_list)
    villages, schools = review_queue_places(request.user)
    query = request.GET.copy()
    query.pop("page", None)
    today = timezone.localdate()
    return render(
        request,
        "children/review_list.html",
        {
            "page": page,
            "entries": [
                {"submission": s, "age": s.child.age_on(today), "kind": _submission_kind(s)}
                for s in submissions
            ],
            "villages": villages,
            "schools": schools,
            "village": village,
            "school": school,
            "same": _same_for_every_row([s.child for s in submissions]),
            "per_page": per_page,
            "page_sizes": PAGE_SIZES,
            "query": query.urlencode(),
            "review_form": ReviewForm(),
        },
    )


def _submission_kind(submission: Submission) -> str:
    """新登记 when the record was registered since its last review, else the last act."""
    kinds = [entry.kind for entry in submission.entries]
    if ChildChange.Kind.CREATED in kinds:
        return _("新登记")
    return str(ChildChange.Kind(kinds[0]).label) if kinds else ""


@require_POST
def review_bulk(request: AuthedRequest) -> HttpResponse:
    """Approve the entries ticked on a page of the queue, each as it was shown there."""
    child_access_required(request.user, ChildAccess.REVIEW)
    seen: dict[int, int] = {}
    for value in request.POST.getlist("entry"):
        child_id, _sep, change_id = value.partition(":")
        if child_id.isascii() and child_id.isdigit() and (shown := _seen(change_id)) is not None:
            seen[int(child_id)] = shown
    back = redirect(f"{reverse('children:review_list')}?{ReviewFilterForm(request.POST).query()}")
    if not seen:
        messages.warning(request, _("请先勾选要审核通过的档案。"))
        return back
    try:
        outcome = children_approve_many(user=request.user, seen=seen)
    except ApplicationError as error:
        messages.error(request, error.message)
        return back
    if outcome.approved:
        messages.success(
            request,
            _("已审核通过 %(count)s 份档案：%(names)s。")
            % {
                "count": len(outcome.approved),
                "names": "、".join(c.name for c in outcome.approved[:10])
                + ("……" if len(outcome.approved) > 10 else ""),
            },
        )
    if outcome.changed:
        messages.warning(
            request,
            _("%(names)s 在您查看后又有变动，未审核，请重新查看。")
            % {"names": "、".join(c.name for c in outcome.changed)},
        )
    if outcome.skipped:
        messages.info(
            request,
            _("%(count)s 份档案已不在待审核中，未处理。") % {"count": outcome.skipped},
        )
    return back


@require_POST
def child_review_view(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, child_id=child_id, access=ChildAccess.REVIEW)
    form = ReviewForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    try:
        child_review(
            user=request.user,
            child_id=child.pk,
            approve=approve,
            comment=form.cleaned_data.get("comment", ""),
            seen=_seen(request.POST.get("seen")),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("children:child_detail", child_id=child.pk)
    if approve:
        messages.success(request, _("已审核通过“%(name)s”。") % {"name": child.name})
    elif (submitter := child_submitter(child)) is not None:
        messages.success(
            request,
            _("已退回“%(name)s”。填报人%(submitter)s会在工作台上看到您的意见，直到修改后重新提交。")
            % {"name": child.name, "submitter": submitter},
        )
    else:
        messages.success(request, _("已退回“%(name)s”。") % {"name": child.name})
    if request.POST.get("next") == "queue":
        return redirect("children:review_list")
    return redirect("children:child_detail", child_id=child.pk)


# --- completing files (补充资料) -------------------------------------------------------------


def _missing_message(child: Child) -> str:
    return _("以下项目待补充：%(fields)s。") % {"fields": "、".join(child.missing_labels)}


def _completion_set(request: AuthedRequest) -> tuple[QuerySet[Child], str]:
    """The 待补充 children the completion flow goes through: those the user may complete,
    narrowed by the list's filters it was opened from (a village, a school, ...); and
    those filters as a query string, to carry from one child to the next."""
    form = ChildFilterForm(request.GET)
    child_filter_, _sort = form.to_filter()
    child_filter_ = replace(child_filter_, completeness="incomplete", status=Status.ACTIVE)
    children = child_filter(
        children_visible_to(request.user, access=ChildAccess.EDIT),
        child_filter_,
        on=timezone.localdate(),
    ).order_by("village_id", "name", "id")
    query = request.GET.copy()
    for key in ("after", "page", "per_page", "sort"):
        query.pop(key, None)
    return children, query.urlencode()


def _next_url(query: str, after: Child | None = None) -> str:
    params = "&".join(p for p in (query, f"after={after.pk}" if after else "") if p)
    return f"{reverse('children:complete')}{'?' if params else ''}{params}"


@never_cache
@require_GET
def child_complete_next(request: AuthedRequest) -> HttpResponse:
    """补充资料: open the next 待补充 child (after `after`, in village and name order), or
    say that none is left."""
    child_access_required(request.user, ChildAccess.EDIT)
    children, query = _completion_set(request)
    after: Child | None = None
    try:
        after_id = int(request.GET.get("after", ""))
    except ValueError:
        after_id = 0
    if after_id > 0:
        # Only a child the user may edit marks the place; any other id is ignored.
        after = (
            children_visible_to(request.user, access=ChildAccess.EDIT).filter(pk=after_id).first()
        )
    following = children_incomplete_after(children, after) if after else children
    nxt = following.first()
    if nxt is not None:
        url = reverse("children:child_complete", args=[nxt.pk])
        return redirect(f"{url}?{query}" if query else url)
    return render(
        request,
        "children/complete_done.html",
        {"remaining": children.count(), "query": query},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def child_complete(request: AuthedRequest, child_id: int) -> HttpResponse:
    """补充资料 for one child: a short form with only the fields their file lacks; saved,
    the next child opens. A file that lacks nothing says so, with the way to the next."""
    child = child_get_for_user(user=request.user, child_id=child_id, access=ChildAccess.EDIT)
    children, query = _completion_set(request)
    form = ChildCompleteForm(request.POST or None, child=child, user=request.user)
    if request.method == "POST":
        if not child.incomplete:
            return redirect(_next_url(query, child))
        if form.is_valid():
            data, family = form.values()
            try:
                saved = child_update(user=request.user, child_id=child.pk, data=data, family=family)
            except ApplicationError as error:
                show_error(form, error)
            else:
                if saved.incomplete:
                    messages.warning(request, f"{saved.name}：{_missing_message(saved)}")
                else:
                    messages.success(request, _("已补全“%(name)s”的资料。") % {"name": saved.name})
                return redirect(_next_url(query, saved))
    _log_form(request, child, field="complete")
    today = timezone.localdate()
    return render(
        request,
        "children/child_complete.html",
        {
            "child": child,
            "form": form,
            "age": child.age_on(today),
            "remaining": children.count(),
            "skip_url": _next_url(query, child),
            "query": query,
        },
    )
