"""Writes of the care work. One set of rules per thing, used by every way in (the forms
here, and a later API): each service checks what it is given and raises RecordInvalid
(field → message) or ApplicationError with the message a user reads."""

import json
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanai.accounts.models import Membership, User
from guanai.accounts.scope import ChildAccess
from guanai.areas.codes import ancestor_codes
from guanai.areas.models import Area
from guanai.care.choices import (
    DEFAULT_METHODS,
    METHODS_BY_KIND,
    AssignmentKind,
    CheckResult,
    EndReason,
    HelperKind,
    Method,
    RecordKind,
    Unit,
)
from guanai.care.models import (
    Assignment,
    BackgroundCheck,
    CareRecord,
    CareRecordChange,
    CareState,
    ContactPlan,
    Helper,
    Pairing,
)
from guanai.care.plans import add_months
from guanai.care.selectors import (
    CHECK_VALID_MONTHS,
    HELPER_ROLES,
    assignment_get_for_user,
    assigns_for,
    child_for_care,
    correctable,
    current_pairings,
    helper_get_for_user,
    helper_logins_for,
    holds_role,
    last_clear_check,
    notes_visible,
    pairing_get_for_user,
    record_get_for_user,
    role_prefixes,
    sees_whole_file,
)
from guanai.children.choices import Concern, RiskLevel, Status
from guanai.children.consent.selectors import consent_required
from guanai.children.history import change_record, changes_since, snapshot
from guanai.children.models import Child, ChildChange
from guanai.children.selectors import child_get_for_user
from guanai.core.errors import ApplicationError

# What a record holds that its author enters (the rest is set by the services).
RECORD_FIELDS = (
    "kind",
    "occurred_on",
    "method",
    "caller",
    "duration_minutes",
    "found",
    "done",
    "concerns",
    "items",
    "amount_yuan",
    "follow_up",
    "follow_up_by",
)
# Kinds a paired helper may record: what they do with the child (not counselling).
HELPER_KINDS = frozenset(
    {
        RecordKind.HOME_VISIT,
        RecordKind.GUARDIAN_CONTACT,
        RecordKind.TUTORING,
        RecordKind.ASSISTANCE,
        RecordKind.SAFETY_EDUCATION,
        RecordKind.OTHER,
    }
)
MAX_CALL_MINUTES = 600
MAX_AMOUNT = Decimal("1000000")


class RecordInvalid(ApplicationError):
    """Values a record may not hold: field → message, as the form shows them."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()))


def record_violations(values: Mapping[str, Any], child: Child, today: date) -> dict[str, str]:
    """Every rule a record's values break, by field (empty: none)."""
    errors: dict[str, str] = {}
    kind = values.get("kind")
    if kind not in RecordKind.values:
        errors["kind"] = _("请选择记录类别。")
        return errors
    occurred = values.get("occurred_on")
    if not isinstance(occurred, date):
        errors["occurred_on"] = _("请填写日期。")
    elif occurred > today:
        errors["occurred_on"] = _("日期不能晚于今天。")
    elif occurred < child.birth_date:
        errors["occurred_on"] = _("日期不能早于儿童的出生日期。")
    method = values.get("method") or Method.IN_PERSON
    if method not in METHODS_BY_KIND.get(kind, DEFAULT_METHODS):
        allowed = "、".join(
            str(Method(m).label) for m in METHODS_BY_KIND.get(kind, DEFAULT_METHODS)
        )
        errors["method"] = _("这类记录的方式只能是：%(allowed)s。") % {"allowed": allowed}
    minutes = values.get("duration_minutes")
    if minutes is not None and not 0 < minutes <= MAX_CALL_MINUTES:
        errors["duration_minutes"] = _("通话时长应在 1 到 600 分钟之间。")
    if kind != RecordKind.PARENT_CONTACT and (values.get("caller") or minutes):
        errors["caller"] = _("只有亲情联系记录填写谁打的电话和通话时长。")
    amount = values.get("amount_yuan")
    if kind == RecordKind.ASSISTANCE:
        if not (values.get("items") or "").strip() and amount is None:
            errors["items"] = _("请填写帮扶的物资或金额。")
        if amount is not None and not Decimal(0) <= amount < MAX_AMOUNT:
            errors["amount_yuan"] = _("金额应在 0 到 1,000,000 元之间。")
    elif (values.get("items") or "").strip() or amount is not None:
        errors["items"] = _("只有物资或资金帮扶记录填写物资和金额。")
    for code in values.get("concerns") or []:
        if code not in Concern.values:
            errors["concerns"] = _("无效的选项：%(value)s") % {"value": code}
    by = values.get("follow_up_by")
    if by is not None:
        if not (values.get("follow_up") or "").strip():
            errors["follow_up"] = _("填写了跟进期限，请写明跟进事项。")
        if isinstance(occurred, date) and by < occurred:
            errors["follow_up_by"] = _("跟进期限不能早于记录日期。")
    return errors


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    data = {field: values.get(field) for field in RECORD_FIELDS}
    for text in ("found", "done", "follow_up", "items", "caller"):
        data[text] = (data[text] or "").strip()
    data["method"] = data["method"] or Method.IN_PERSON
    data["concerns"] = sorted(set(data["concerns"] or []))
    return data


def _displayed(record: CareRecord) -> dict[str, str]:
    shown: dict[str, str] = {}
    for field in RECORD_FIELDS:
        value = getattr(record, field)
        if field == "concerns":
            shown[field] = "、".join(str(Concern(c).label) for c in value)
        elif hasattr(record, f"get_{field}_display") and value:
            shown[field] = str(getattr(record, f"get_{field}_display")())
        elif value is None:
            shown[field] = ""
        else:
            shown[field] = str(value)
    return shown


def _history(record: CareRecord, *, by: User, kind: str, before: Mapping[str, str] | None) -> None:
    after = _displayed(record) if kind != CareRecordChange.Kind.DELETED else {}
    if kind == CareRecordChange.Kind.CREATED:
        changes = [{"field": f, "old": "", "new": v} for f, v in after.items() if v]
    elif kind == CareRecordChange.Kind.DELETED:
        changes = [{"field": f, "old": v, "new": ""} for f, v in (before or {}).items() if v]
    else:
        changes = [
            {"field": f, "old": (before or {}).get(f, ""), "new": v}
            for f, v in after.items()
            if (before or {}).get(f, "") != v
        ]
    CareRecordChange.objects.create(
        child_id=record.child_id,
        record_id=record.pk,
        record_kind=record.kind,
        kind=kind,
        by=by,
        changes=json.dumps(changes, ensure_ascii=False),
    )


def state_refresh(child_ids: Iterable[int]) -> None:
    """Set the dates the children's plans count from (CareState) from their records, in
    the caller's transaction. A record corrected by a later one (a locked record's
    correction) no longer counts: its correction does."""
    ids = sorted(set(child_ids))
    if not ids:
        return
    open_follow_up = Q(follow_up_done_on=None, follow_up_by__isnull=False)
    last = {
        row["child_id"]: row
        for row in CareRecord.objects.filter(child_id__in=ids, corrections=None)
        .order_by()
        .values("child_id")
        .annotate(
            visit=Max("occurred_on", filter=Q(kind=RecordKind.HOME_VISIT)),
            contact=Max("occurred_on", filter=Q(kind=RecordKind.PARENT_CONTACT)),
            follow_up=Min("follow_up_by", filter=open_follow_up),
            shared=Min("follow_up_by", filter=open_follow_up & ~Q(kind=RecordKind.COUNSELLING)),
        )
    }
    fields = ("visit", "contact", "follow_up", "shared")
    states = [
        CareState(
            child_id=pk,
            **dict(
                zip(
                    STATE_FIELDS,
                    (last.get(pk, {}).get(f) for f in fields),
                    strict=True,
                )
            ),
        )
        for pk in ids
    ]
    CareState.objects.bulk_create(
        states, update_conflicts=True, unique_fields=["child"], update_fields=STATE_FIELDS
    )


STATE_FIELDS = ["last_visit_on", "last_parent_contact_on", "follow_up_by", "shared_follow_up_by"]


def _check_active(child: Child) -> None:
    if child.status != Status.ACTIVE:
        raise ApplicationError(_("该儿童已移出名册，不能再新增记录或结对。"))


def _check_kind_allowed(user: User, child: Child, kind: str, *, whole_file: bool) -> None:
    if kind == RecordKind.COUNSELLING:
        if not notes_visible(user, child):
            raise RecordInvalid(
                {"kind": _("心理辅导记录只能由该儿童的心理辅导教师或县民政局填写。")}
            )
        consent_required(child, "counselling", lock=True)
    elif not whole_file and kind not in HELPER_KINDS:
        raise RecordInvalid({"kind": _("结对帮扶人不能填写这类记录。")})


@transaction.atomic
def record_create(
    *, user: User, child_id: int, values: Mapping[str, Any], corrects_id: int | None = None
) -> CareRecord:
    """A new care record on the child's timeline, by the user (a correction of a locked
    record when `corrects_id` names it)."""
    child = child_for_care(user, child_id)
    Child.objects.select_for_update().filter(pk=child.pk).first()  # one writer per child
    _check_active(child)
    data = _clean(values)
    errors = record_violations(data, child, timezone.localdate())
    if errors:
        raise RecordInvalid(errors)
    whole_file = sees_whole_file(user, child)
    _check_kind_allowed(user, child, data["kind"], whole_file=whole_file)
    corrects = None
    if corrects_id is not None:
        corrects = correctable_anew(user, corrects_id)
        if corrects.child_id != child.pk:
            raise Http404
        if _crosses_confidential(corrects.kind, data["kind"]):
            raise RecordInvalid(
                {
                    "kind": _(
                        "心理辅导记录只能更正为心理辅导记录，其他记录也不能更正为心理辅导记录。"
                    )
                }
            )
    pairing = current_pairings(data["occurred_on"]).filter(child=child, helper__user=user).first()
    record = CareRecord.objects.create(
        child=child, by=user, created_by=user, corrects=corrects, pairing=pairing, **data
    )
    _history(record, by=user, kind=CareRecordChange.Kind.CREATED, before=None)
    state_refresh([child.pk])
    return record


def correctable_anew(user: User, record_id: int) -> CareRecord:
    """A record the user may correct by a new record: their own, locked, not corrected yet,
    of a kind they may still write; 404 otherwise."""
    record = record_get_for_user(user, record_id)
    if (
        record.created_by_id != user.pk
        or correctable(record, user)
        or record.corrections.exists()
        or not _may_write(user, record.child, record.kind)
    ):
        raise Http404
    return record


def _crosses_confidential(old: str, new: str) -> bool:
    """A correction into or out of counselling: the kind decides who may read the notes
    (and the history's old values), so a session never becomes another kind, nor the
    other way round."""
    return old != new and RecordKind.COUNSELLING in (old, new)


def _may_write(user: User, child: Child, kind: str) -> bool:
    if kind == RecordKind.COUNSELLING:
        return notes_visible(user, child)
    return sees_whole_file(user, child) or kind in HELPER_KINDS


@transaction.atomic
def record_correct(*, user: User, record_id: int, values: Mapping[str, Any]) -> CareRecord:
    """Correct a record: its author, within 7 days of writing it."""
    record = record_get_for_user(user, record_id)
    if not _may_write(user, record.child, record.kind):
        raise Http404
    if not correctable(record, user):
        raise ApplicationError(
            _("这条记录已锁定（只有记录人在 7 天内可以更正）。请新增一条更正记录。")
        )
    if _crosses_confidential(record.kind, values.get("kind", record.kind)):
        raise RecordInvalid(
            {"kind": _("心理辅导记录只能更正为心理辅导记录，其他记录也不能更正为心理辅导记录。")}
        )
    data = _clean({**{f: getattr(record, f) for f in RECORD_FIELDS}, **values})
    errors = record_violations(data, record.child, timezone.localdate())
    if errors:
        raise RecordInvalid(errors)
    before = _displayed(record)
    for field, value in data.items():
        setattr(record, field, value)
    record.save()
    _history(record, by=user, kind=CareRecordChange.Kind.CORRECTED, before=before)
    state_refresh([record.child_id])
    return record


@transaction.atomic
def record_delete(*, user: User, record_id: int) -> None:
    """Delete a record entered by mistake: its author, within 7 days. The history keeps
    what it said."""
    record = record_get_for_user(user, record_id)
    if not _may_write(user, record.child, record.kind):
        raise Http404
    if not correctable(record, user):
        raise ApplicationError(_("这条记录已锁定（只有记录人在 7 天内可以删除）。"))
    before = _displayed(record)
    _history(record, by=user, kind=CareRecordChange.Kind.DELETED, before=before)
    child_id = record.child_id
    record.delete()
    state_refresh([child_id])


@transaction.atomic
def follow_up_done(*, user: User, record_id: int, on: date | None = None) -> CareRecord:
    """Mark a record's follow-up done: anyone who sees the record, and for a counselling
    session only whoever may read its notes (404 for anyone else)."""
    record = record_get_for_user(user, record_id)
    if record.is_confidential and not notes_visible(user, record.child):
        raise Http404
    on = on or timezone.localdate()
    if record.follow_up_by is None:
        raise ApplicationError(_("这条记录没有跟进事项。"))
    if record.follow_up_done_on is not None:
        raise ApplicationError(_("这项跟进已经完成。"))
    if on > timezone.localdate() or on < record.occurred_on:
        raise ApplicationError(_("完成日期应在记录日期和今天之间。"))
    record.follow_up_done_on, record.follow_up_done_by = on, user
    record.save(update_fields=["follow_up_done_on", "follow_up_done_by", "updated_at"])
    state_refresh([record.child_id])
    CareRecordChange.objects.create(
        child_id=record.child_id,
        record_id=record.pk,
        record_kind=record.kind,
        kind=CareRecordChange.Kind.FOLLOWED_UP,
        by=user,
        changes=json.dumps(
            [{"field": "follow_up_done_on", "old": "", "new": on.isoformat()}], ensure_ascii=False
        ),
    )
    return record


@transaction.atomic
def risk_update_from_session(
    *, user: User, record_id: int, risk_level: str | None, concerns: list[str] | None
) -> None:
    """A counselling session's conclusions on the child's file: risk level and concern
    tags, in the file's history (变动情况), marked as coming from the session."""
    record = record_get_for_user(user, record_id)
    if record.kind != RecordKind.COUNSELLING or not notes_visible(user, record.child):
        raise Http404
    child = Child.objects.select_for_update().get(pk=record.child_id)
    fields = ("risk_level", "concerns")
    before = snapshot(child, fields)
    if risk_level:
        if risk_level not in RiskLevel.values:
            raise RecordInvalid({"risk_level": _("无效的选项：%(value)s") % {"value": risk_level}})
        child.risk_level = risk_level
    if concerns is not None:
        if any(c not in Concern.values for c in concerns):
            raise RecordInvalid({"concerns": _("无效的选项。")})
        child.concerns = sorted(set(concerns))
    changes = changes_since(child, before, fields)
    if changes:
        child.save(update_fields=[*fields, "updated_at"])
        change_record(
            child,
            by=user,
            kind=ChildChange.Kind.UPDATED,
            changes=changes,
            comment=_("心理辅导后更新（%(on)s）") % {"on": record.occurred_on.isoformat()},
        )


# --- responsibility ------------------------------------------------------------------------


def _assigning(user: User, child_id: int) -> Child:
    """A child the user names teachers for: one they see through a role that assigns
    (a county, township or school of theirs), not through another role they hold."""
    child = child_get_for_user(user=user, child_id=child_id)
    if not assigns_for(user, child):
        raise Http404
    return child


def staff_of_school(school_id: int | None, roles: Iterable[str]) -> list[User]:
    """Users holding one of these roles at the school (candidates for a pupil)."""
    if school_id is None:
        return []
    ids = Membership.objects.filter(school_id=school_id, role__code__in=list(roles)).values(
        "user_id"
    )
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("full_name", "username"))


ASSIGNABLE = {
    AssignmentKind.MENTOR: ("teacher", "counsellor"),
    AssignmentKind.COUNSELLOR: ("counsellor",),
}


@transaction.atomic
def responsible_teacher_set(*, user: User, child_ids: Iterable[int], teacher_id: int) -> int:
    """Name one teacher of the children's school responsible for each of them (管理教育
    责任); how many changed."""
    changed = 0
    for child_id in child_ids:
        child = _assigning(user, child_id)
        if teacher_id not in {
            t.pk for t in staff_of_school(child.school_id, ("teacher", "counsellor"))
        }:
            raise ApplicationError(_("责任教师须是该儿童所在学校的老师。"))
        if child.responsible_teacher_id == teacher_id:
            continue
        before = snapshot(child, ("responsible_teacher",))
        child.responsible_teacher_id = teacher_id
        child.save(update_fields=["responsible_teacher", "updated_at"])
        change_record(
            child,
            by=user,
            kind=ChildChange.Kind.UPDATED,
            changes=changes_since(child, before, ("responsible_teacher",)),
        )
        changed += 1
    return changed


@transaction.atomic
def assignment_add(*, user: User, child_id: int, assignee_id: int, kind: str) -> Assignment:
    """Assign a mentor (导师) or counsellor to a child: a teacher or counsellor of their
    school."""
    child = _assigning(user, child_id)
    if kind not in AssignmentKind.values:
        raise ApplicationError(_("无效的选项：%(value)s") % {"value": kind})
    allowed = {u.pk for u in staff_of_school(child.school_id, ASSIGNABLE[AssignmentKind(kind)])}
    if assignee_id not in allowed:
        raise ApplicationError(_("只能指定该儿童所在学校的老师。"))
    if Assignment.objects.filter(
        child=child, user_id=assignee_id, kind=kind, ended_on=None
    ).exists():
        raise ApplicationError(_("已经指定过这位老师。"))
    return Assignment.objects.create(child=child, user_id=assignee_id, kind=kind, assigned_by=user)


@transaction.atomic
def assignment_end(*, user: User, assignment_id: int) -> None:
    assignment = assignment_get_for_user(user, assignment_id)
    _assigning(user, assignment.child_id)
    assignment.ended_on = timezone.localdate()
    assignment.save(update_fields=["ended_on"])


# --- contact plans -------------------------------------------------------------------------


def plan_save(*, user: User, county: Area, values: Mapping[str, Any]) -> ContactPlan:
    """Set a county's contact plan: its administrator (the county admin)."""
    counties = role_prefixes(user, ("county_admin", "system_admin"))
    if counties is not None and county.prefix not in counties:
        raise Http404
    errors = {}
    for risk in ("high", "medium", "low"):
        every, unit = values.get(f"{risk}_every"), values.get(f"{risk}_unit")
        if not isinstance(every, int) or not 1 <= every <= 366:
            errors[f"{risk}_every"] = _("间隔应在 1 到 366 之间。")
        if unit not in Unit.values:
            errors[f"{risk}_unit"] = _("请选择单位。")
    days = values.get("parent_contact_days")
    if not isinstance(days, int) or not 1 <= days <= 7:
        # 未成年人保护法 art. 23: parents away keep in touch at least weekly.
        errors["parent_contact_days"] = _(
            "亲情联系间隔应在 1 到 7 天之间（未成年人保护法第二十三条：至少每周一次）。"
        )
    if errors:
        raise RecordInvalid(errors)
    plan, _created = ContactPlan.objects.update_or_create(
        county=county,
        defaults={
            **{
                k: values[k]
                for k in (
                    "high_every",
                    "high_unit",
                    "medium_every",
                    "medium_unit",
                    "low_every",
                    "low_unit",
                    "parent_contact_days",
                )
            },
            "updated_by": user,
        },
    )
    return plan


# --- helpers and pairing -------------------------------------------------------------------


def _helper_locked(user: User, helper_id: int) -> Helper:
    """The helper, reached through the user's register, held for the transaction: a check
    that finds a record and a pairing being made cannot pass each other."""
    helper_get_for_user(user, helper_id)
    return Helper.objects.select_for_update().get(pk=helper_id)


def _helper_area_check(user: User, area: Area) -> None:
    prefixes = role_prefixes(user, HELPER_ROLES)
    if prefixes is not None and not any(area.code.startswith(p) for p in prefixes):
        raise ApplicationError(_("只能在自己负责的地区登记帮扶人。"))


HELPER_FIELDS = ("kind", "name", "phone", "organisation", "area", "user", "note", "active")


@transaction.atomic
def helper_save(*, user: User, values: Mapping[str, Any], helper_id: int | None = None) -> Helper:
    """Register a helper, or change one, in the user's areas."""
    if not holds_role(user, HELPER_ROLES):
        raise Http404
    helper = _helper_locked(user, helper_id) if helper_id else Helper(created_by=user)
    errors = {}
    if values.get("kind") not in HelperKind.values:
        errors["kind"] = _("请选择类别。")
    if not (values.get("name") or "").strip():
        errors["name"] = _("请填写姓名或名称。")
    if errors:
        raise RecordInvalid(errors)
    area = values["area"]
    _helper_area_check(user, area)
    login = values.get("user")
    if login is not None and not helper_logins_for(user, helper).filter(pk=login.pk).exists():
        # A linked login sees the children paired with the helper: only a volunteer of the
        # user's areas, not already another helper's.
        raise ApplicationError(
            _("登录账号须是本地区的志愿者账号，且未关联其他帮扶人。"), field="user"
        )
    if login is not None and values.get("kind") == HelperKind.ORGANISATION:
        # A login is a person's: an organisation is paired without a background check.
        raise ApplicationError(_("组织或单位不能关联登录账号。"), field="user")
    if (
        helper.pk
        and "user" in values
        and (login.pk if login else None) != helper.user_id
        and current_pairings(timezone.localdate()).filter(helper=helper).exists()
    ):
        # Another person's login would reach the paired children without their check.
        raise ApplicationError(
            _("这位帮扶人还有进行中的结对，不能更换登录账号；请先结束结对。"), field="user"
        )
    for field in HELPER_FIELDS:
        if field == "phone" and not values.get("phone") and helper.pk:
            continue  # a phone left blank keeps its value (forms never show it in clear)
        if field in values:
            setattr(
                helper,
                field,
                values[field].strip() if isinstance(values[field], str) else values[field],
            )
    helper.save()
    return helper


@transaction.atomic
def check_record(
    *, user: User, helper_id: int, checked_on: date, result: str, authority: str = ""
) -> BackgroundCheck:
    """Record a background check of a helper (未成年人保护法 art. 62)."""
    helper = _helper_locked(user, helper_id)
    if result not in CheckResult.values:
        raise RecordInvalid({"result": _("请选择查询结果。")})
    if checked_on > timezone.localdate():
        raise RecordInvalid({"checked_on": _("查询日期不能晚于今天。")})
    check = BackgroundCheck.objects.create(
        helper=helper,
        checked_on=checked_on,
        result=result,
        authority=authority.strip(),
        recorded_by=user,
    )
    if result == CheckResult.NOT_CLEAR:
        # A record found ends every pairing of theirs at once.
        for pairing in Pairing.objects.filter(helper=helper, ended_on=None):
            pairing.ended_on = max(timezone.localdate(), pairing.started_on)
            pairing.end_reason = EndReason.CHECK_FAILED
            pairing.save(update_fields=["ended_on", "end_reason"])
    return check


def pairing_check(helper: Helper, started_on: date) -> None:
    """A person may be paired only with a clear background check within the last 12
    months of the pairing's start (未成年人保护法 art. 62)."""
    if not helper.active:
        raise ApplicationError(_("这位帮扶人已不在册。"))
    if not helper.is_person and helper.user_id is None:
        return
    check = last_clear_check(helper)
    if check is None:
        raise ApplicationError(
            _("没有背景审查记录（或审查发现不良记录），不能结对（未成年人保护法第六十二条）。")
        )
    if add_months(check.checked_on, CHECK_VALID_MONTHS) < started_on or check.checked_on > max(
        started_on, timezone.localdate()
    ):
        raise ApplicationError(
            _(
                "最近一次背景审查（%(on)s）已超过 12 个月，请重新审查后再结对（未成年人保护法第六十二条）。"
            )
            % {"on": check.checked_on.isoformat()}
        )


@transaction.atomic
def pairing_create(
    *,
    user: User,
    helper_id: int,
    child_id: int,
    started_on: date,
    call_every_months: int = 1,
    meet_every_months: int = 3,
) -> Pairing:
    """Pair a helper with a child (结对帮扶)."""
    helper = _helper_locked(user, helper_id)
    child = child_get_for_user(user=user, child_id=child_id, access=ChildAccess.VIEW)
    _check_active(child)
    if started_on > timezone.localdate() + timedelta(days=31):
        raise RecordInvalid({"started_on": _("开始日期不能晚于下个月。")})
    if not (1 <= call_every_months <= 12 and 1 <= meet_every_months <= 12):
        raise RecordInvalid({"call_every_months": _("联系间隔应在 1 到 12 个月之间。")})
    pairing_check(helper, started_on)
    if (
        helper.user_id is not None
        and not Membership.objects.filter(
            user_id=helper.user_id, role__code="volunteer", area__isnull=False
        )
        .filter(area_id__in=[*ancestor_codes(child.village_id, 12), child.village_id])
        .exists()
    ):
        # Their login sees the children paired with it in its own areas only (accounts.scope).
        raise ApplicationError(
            _(
                "这位帮扶人的登录账号不是该儿童所在村(社区)的志愿者，登录后看不到该儿童。请先为其账号授予该村的志愿者角色。"
            )
        )
    if Pairing.objects.filter(helper=helper, child=child, ended_on=None).exists():
        raise ApplicationError(_("这位帮扶人已经和该儿童结对。"))
    return Pairing.objects.create(
        helper=helper,
        child=child,
        started_on=started_on,
        call_every_months=call_every_months,
        meet_every_months=meet_every_months,
        created_by=user,
    )


@transaction.atomic
def pairing_end(*, user: User, pairing_id: int, on: date, reason: str) -> Pairing:
    """End a pairing: the helper's access to the child ends with it."""
    pairing = pairing_get_for_user(user, pairing_id)
    if reason not in EndReason.values:
        raise RecordInvalid({"end_reason": _("请选择结束原因。")})
    if on < pairing.started_on or on > timezone.localdate():
        raise RecordInvalid({"ended_on": _("结束日期应在开始日期和今天之间。")})
    pairing.ended_on, pairing.end_reason = on, reason
    pairing.save(update_fields=["ended_on", "end_reason"])
    return pairing
