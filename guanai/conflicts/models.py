"""ID numbers held for the county to verify (身份冲突待核实).

An ID number is registered once in the whole system. When a user types one that a record
outside their reach holds (a child of another village, school or county, or a family
member of such a child), they are told one neutral sentence, the same whatever and
wherever the record is, and the entry is held here for the county that administers their
area, which sees both sides and resolves it. A user who runs into more than a few in a day
is stopped, and their county is alerted.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanai.children.choices import Subject
from guanai.core.fields import EncryptedTextField


class Source(models.TextChoices):
    IMPORT = "import", _("花名册导入")
    CHILD_NEW = "child_new", _("新增儿童")
    CHILD_EDIT = "child_edit", _("修改儿童档案")


class IdentityConflict(models.Model):
    """An ID number a user typed that a record outside their reach holds; one per user and
    number while it waits (typing it again adds an occurrence)."""

    class State(models.TextChoices):
        PENDING = "pending", _("待核实")
        RESOLVED = "resolved", _("已核实并处理")
        REJECTED = "rejected", _("驳回")

    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("最近提交"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提交人"),
    )
    # Where the user registers children (an area code prefix): that county's admin resolves it.
    area_prefix = models.CharField(max_length=12, db_index=True)
    # The submitted side: where it was typed first (the file and row, or the form) ...
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    batch = models.ForeignKey(
        "roster.ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导入批次"),
    )
    row = models.PositiveIntegerField(_("行"), null=True, blank=True)
    column = models.CharField(_("列"), max_length=60, blank=True)
    edited_child = models.ForeignKey(
        "children.Child",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修改的儿童"),
    )
    # ... every time it was typed: [{"at", "source", "batch", "file", "row", "column", "child"}].
    occurrences = models.JSONField(default=list)
    # ... and what was typed: the number, for whom, and the child of the entry.
    typed_for = models.CharField(_("填写于"), max_length=12, choices=Subject.choices)
    id_number = EncryptedTextField(_("身份证号码"), blank=True, default="")
    id_number_index = models.CharField(max_length=32, db_index=True)
    child_name = models.CharField(_("儿童姓名"), max_length=60, blank=True)
    person_name = models.CharField(_("家庭成员姓名"), max_length=60, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    village = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("填报的村(社区)"),
    )
    # The held side: the child holding the number, or whose family member holds it, and
    # where they were held when it was typed (the child may later be removed or move).
    held_child = models.ForeignKey(
        "children.Child",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("已登记的儿童"),
    )
    held_as = models.CharField(_("登记为"), max_length=12, choices=Subject.choices)
    held_village = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记所在村(社区)"),
    )
    held_school = models.ForeignKey(
        "areas.School",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记所在学校"),
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolution_note = models.TextField(_("处理说明"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("身份冲突")
        verbose_name_plural = _("身份冲突")
        indexes = [
            # The limit: a user's conflicts of the last day; and their pending one per number.
            models.Index(fields=["user", "created_at"], name="conflict_user_at"),
            models.Index(fields=["user", "id_number_index", "state"], name="conflict_user_number"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.get_typed_for_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def attempts(self) -> int:
        return len(self.occurrences) or 1


class ConflictAlert(models.Model):
    """A user ran into more than CONFLICT_LIMIT held ID numbers within a day: their work
    stopped there, and their county admin is told until someone acknowledges it. One open
    alert per user, brought up to date while it stays open."""

    raised_at = models.DateTimeField(_("时间"), default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("用户"),
    )
    area_prefix = models.CharField(max_length=12, db_index=True)
    # Held ID numbers of the user within the day before the latest.
    conflicts = models.PositiveIntegerField(_("身份冲突数"))
    batch = models.ForeignKey(
        "roster.ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("停止的文件"),
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("知悉人"),
    )
    acknowledged_at = models.DateTimeField(_("知悉时间"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("身份冲突提醒")
        verbose_name_plural = _("身份冲突提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(acknowledged_at__isnull=True),
                name="conflictalert_one_open_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.conflicts} {self.updated_at:%Y-%m-%d %H:%M}"
