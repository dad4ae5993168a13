"""The care work (guanai.care): who is responsible for a child, what was done for them (care
records, on the child's timeline), how often it must be done (contact plans), and the
helpers paired with them (结对帮扶).

Notes of care records (what was found, what was done, the follow-up) are encrypted at rest:
a counselling session's are confidential (see selectors.notes_visible), and the others
name families and their troubles as much.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanai.care.choices import (
    AssignmentKind,
    Caller,
    CheckResult,
    EndReason,
    HelperKind,
    Method,
    RecordKind,
    Unit,
)
from guanai.children.choices import Concern
from guanai.children.models import ChoiceSetField
from guanai.core.fields import EncryptedTextField

_USER = settings.AUTH_USER_MODEL


class ContactPlan(models.Model):
    """A county's contact plan: how often a child is visited at each risk level, and how
    often parents away must have been in touch (未成年人保护法 art. 23: at least weekly).
    A county without one follows the defaults (DEFAULTS)."""

    county = models.OneToOneField(
        "areas.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("县")
    )
    high_every = models.PositiveSmallIntegerField(_("高风险走访间隔"), default=1)
    high_unit = models.CharField(max_length=5, choices=Unit.choices, default=Unit.WEEK)
    medium_every = models.PositiveSmallIntegerField(_("中风险走访间隔"), default=2)
    medium_unit = models.CharField(max_length=5, choices=Unit.choices, default=Unit.WEEK)
    low_every = models.PositiveSmallIntegerField(_("低风险走访间隔"), default=1)
    low_unit = models.CharField(max_length=5, choices=Unit.choices, default=Unit.MONTH)
    parent_contact_days = models.PositiveSmallIntegerField(_("亲情联系间隔（天）"), default=7)
    updated_by = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("联系计划")

    def __str__(self) -> str:
        return f"{self.county_id}"


class Assignment(models.Model):
    """A mentor (导师) or counsellor assigned to a child, from–to. The responsible teacher
    and the village child director are named on the child's file itself."""

    child = models.ForeignKey(
        "children.Child", on_delete=models.CASCADE, related_name="care_assignments"
    )
    user = models.ForeignKey(_USER, on_delete=models.CASCADE, related_name="care_assignments")
    kind = models.CharField(_("类别"), max_length=12, choices=AssignmentKind.choices)
    started_on = models.DateField(_("开始日期"), default=timezone.localdate)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    assigned_by = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("导师或心理辅导教师")
        constraints = [
            models.UniqueConstraint(
                fields=["child", "user", "kind"],
                condition=Q(ended_on=None),
                name="care_assignment_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id} → {self.child_id}"


class CareRecord(models.Model):
    """One thing done for a child: on their timeline, counted by their contact plan."""

    child = models.ForeignKey(
        "children.Child", on_delete=models.CASCADE, related_name="care_records"
    )
    kind = models.CharField(_("类别"), max_length=20, choices=RecordKind.choices)
    occurred_on = models.DateField(_("日期"))
    by = models.ForeignKey(
        _USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("记录人")
    )
    method = models.CharField(
        _("方式"), max_length=20, choices=Method.choices, default=Method.IN_PERSON
    )
    # A parent–child contact: who called, and for how long.
    caller = models.CharField(_("谁打的电话"), max_length=10, choices=Caller.choices, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("通话时长（分钟）"), null=True, blank=True
    )
    found = EncryptedTextField(_("了解到的情况"), blank=True, default="")
    done = EncryptedTextField(_("采取的措施"), blank=True, default="")
    concerns = ChoiceSetField(
        _("发现的问题"), max_length=200, choices=Concern.choices, blank=True, default=""
    )
    # Material or money assistance.
    items = models.CharField(_("物资"), max_length=200, blank=True)
    amount_yuan = models.DecimalField(
        _("折合金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    follow_up = EncryptedTextField(_("跟进事项"), blank=True, default="")
    follow_up_by = models.DateField(_("跟进期限"), null=True, blank=True)
    follow_up_done_on = models.DateField(_("跟进完成日期"), null=True, blank=True)
    follow_up_done_by = models.ForeignKey(
        _USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The pairing this contact was made under (a helper's call or meeting), if any.
    pairing = models.ForeignKey(
        "care.Pairing", on_delete=models.SET_NULL, null=True, blank=True, related_name="records"
    )
    # A record locked after its correction window is corrected by a new record pointing
    # at it.
    corrects = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="corrections"
    )
    created_by = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("关爱记录")
        indexes = [
            models.Index(fields=["child", "kind", "-occurred_on"], name="care_record_child_kind"),
            models.Index(
                fields=["follow_up_by"],
                condition=Q(follow_up_done_on=None, follow_up_by__isnull=False),
                name="care_record_follow_up_open",
            ),
            models.Index(fields=["created_by", "-created_at"], name="care_record_author"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on:%Y-%m-%d}"

    @property
    def is_confidential(self) -> bool:
        return self.kind == RecordKind.COUNSELLING

    @property
    def concern_labels(self) -> list[str]:
        return [str(Concern(c).label) for c in self.concerns if c in Concern.values]


class CareRecordChange(models.Model):
    """The history of care records: created, corrected, deleted, follow-up done. The
    values are sealed like the notes (a counselling record's old notes are as
    confidential as its new ones), and outlive a deleted record."""

    class Kind(models.TextChoices):
        CREATED = "created", _("新增")
        CORRECTED = "corrected", _("更正")
        DELETED = "deleted", _("删除")
        FOLLOWED_UP = "followed_up", _("跟进完成")

    child = models.ForeignKey(
        "children.Child", on_delete=models.CASCADE, related_name="care_record_changes"
    )
    record_id = models.BigIntegerField(db_index=True)
    record_kind = models.CharField(max_length=20, choices=RecordKind.choices)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    by = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # JSON: [{"field": ..., "old": ..., "new": ...}], values as displayed.
    changes = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id}"


class CareState(models.Model):
    """The dates a child's plan counts from, kept by the care services in the transaction
    that changes a record (services.state_refresh): the last home visit and the last
    parent–child contact, and the next follow-up needed. Due and overdue are computed from them, the child's risk level
    and status, the county's plan and today's date at each read (selectors.due_q), so a
    change of any of those is right at once."""

    child = models.OneToOneField(
        "children.Child", on_delete=models.CASCADE, primary_key=True, related_name="care_state"
    )
    last_visit_on = models.DateField(null=True)
    last_parent_contact_on = models.DateField(null=True)
    # The earliest needed-by date of the child's open follow-ups (records not corrected by
    # a later one), and of those other than counselling sessions' (what supervisors count:
    # a session's follow-up is its counsellor's alone).
    follow_up_by = models.DateField(null=True)
    shared_follow_up_by = models.DateField(null=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.child_id}"


class Helper(models.Model):
    """A person or an organisation who helps children (帮扶人): a volunteer, 代理家长,
    临时妈妈, a teacher mentor, 五老, ... registered in an area, seen where that area is."""

    kind = models.CharField(_("类别"), max_length=20, choices=HelperKind.choices)
    name = models.CharField(_("姓名或名称"), max_length=60)
    phone = EncryptedTextField(_("电话"), blank=True, default="")
    organisation = models.CharField(_("所在单位"), max_length=100, blank=True)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属地区")
    )
    # Their login, if they have one (a volunteer's): it sees their current pairings.
    user = models.OneToOneField(
        _USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="helper",
        verbose_name=_("登录账号"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    active = models.BooleanField(_("在册"), default=True)
    created_by = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("帮扶人")
        indexes = [models.Index(fields=["area", "kind"], name="care_helper_area")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_person(self) -> bool:
        return self.kind != HelperKind.ORGANISATION


class BackgroundCheck(models.Model):
    """A background check (未成年人保护法 art. 62: sexual harm, abuse, trafficking,
    violence), before work with children and every year after."""

    helper = models.ForeignKey(Helper, on_delete=models.CASCADE, related_name="checks")
    checked_on = models.DateField(_("查询日期"))
    result = models.CharField(_("结果"), max_length=10, choices=CheckResult.choices)
    authority = models.CharField(_("查询机关"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-checked_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.helper_id} {self.checked_on}"


class Pairing(models.Model):
    """A helper paired with a child (结对帮扶), from–to, with a contact plan of its own
    (代理妈妈 programmes: a call each month, a meeting each quarter)."""

    helper = models.ForeignKey(Helper, on_delete=models.PROTECT, related_name="pairings")
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="pairings")
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(
        _("结束原因"), max_length=20, choices=EndReason.choices, blank=True
    )
    call_every_months = models.PositiveSmallIntegerField(_("电话联系间隔（月）"), default=1)
    meet_every_months = models.PositiveSmallIntegerField(_("见面间隔（月）"), default=3)
    created_by = models.ForeignKey(_USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("结对帮扶")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on=None) | Q(ended_on__gte=models.F("started_on")),
                name="care_pairing_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["helper", "child"],
                condition=Q(ended_on=None),
                name="care_pairing_one_current",
            ),
        ]
        indexes = [models.Index(fields=["child", "ended_on"], name="care_pairing_child")]

    def __str__(self) -> str:
        return f"{self.helper_id} → {self.child_id}"


class SupervisionVisit(models.Model):
    """A township child supervisor's visit to a village or a school of their township (督导
    日志, 民发〔2019〕34号): what was checked, what was found, what is to follow. The county
    sees its townships' logs."""

    township = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇")
    )
    village = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("村(社区)"),
    )
    school = models.ForeignKey(
        "areas.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("学校"),
    )
    visited_on = models.DateField(_("督导日期"))
    checked = models.TextField(_("督导内容"), max_length=2000)
    findings = models.TextField(_("发现的问题"), max_length=2000, blank=True)
    follow_up = models.TextField(_("整改要求"), max_length=1000, blank=True)
    follow_up_by = models.DateField(_("整改期限"), null=True, blank=True)
    by = models.ForeignKey(
        _USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("督导员")
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("督导日志")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["township", "-visited_on"], name="care_supervision_place")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(village__isnull=False) & Q(school__isnull=True))
                | (Q(village__isnull=True) & Q(school__isnull=False)),
                name="care_supervision_one_place",
            )
        ]

    def __str__(self) -> str:
        return f"{self.township_id} {self.visited_on}"

    @property
    def place(self) -> str:
        return str(self.village.name if self.village else self.school.name if self.school else "")
