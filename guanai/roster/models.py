"""Import batches: who imported which file, when, with what result; the running job's
progress; and, once imported, the handle by which the import can be undone."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

STALLED_AFTER = timedelta(minutes=2)


class ImportBatch(models.Model):
    class State(models.TextChoices):
        CHECKING = "checking", _("正在检查")
        CHECKED = "checked", _("已检查，待导入")
        IMPORTING = "importing", _("正在导入")
        IMPORTED = "imported", _("已导入")
        CANCELLED = "cancelled", _("已取消")
        FAILED = "failed", _("未能完成")
        UNDOING = "undoing", _("正在撤销")
        UNDONE = "undone", _("已撤销")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导入人"),
    )
    # Where the importer registers children (an area code prefix): a county admin sees, and
    # may undo, the batches of their county.
    area_prefix = models.CharField(max_length=12, blank=True, db_index=True)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    # As the user named it, for display only: never used as a path.
    file_name = models.CharField(_("文件名"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    # The uploaded file, encrypted (it holds ID numbers), until it is imported or cancelled.
    sealed = models.BinaryField(default=b"")
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.CHECKING
    )
    counts = models.JSONField(_("行数"), default=dict)
    # Headers the user matched to fields by hand: {"监护人手机": "guardian_phone"}.
    mapping = models.JSONField(_("列对应"), default=dict)
    # The running job: rows done of the file's rows, and whether the user asked it to stop.
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    # Last sign of life of the batch's job: a running job reports after every 2 000 rows.
    updated_at = models.DateTimeField(auto_now=True)
    # Why the job failed, or what the undo left alone, for the user to read.
    message = models.TextField(blank=True)
    # The check's findings, encrypted (faulty values may be ID numbers): the first faults,
    # warnings and unrecognised headers as JSON, and the faulty rows as an xlsx.
    report = models.BinaryField(default=b"")
    error_file = models.BinaryField(default=b"")
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")

    def __str__(self) -> str:
        return f"{self.file_name} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def running(self) -> bool:
        return self.state in (self.State.CHECKING, self.State.IMPORTING, self.State.UNDOING)

    @property
    def stalled(self) -> bool:
        """Running, but no word from the job for two minutes: is the worker running?"""
        return self.running and timezone.now() - self.updated_at > STALLED_AFTER

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0
