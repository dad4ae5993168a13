"""Export jobs: who asked for which export (kind, filter, format, masked or in full, why),
when; the running job's progress; and the finished file, kept for its user alone until it
expires."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

STALLED_AFTER = timedelta(minutes=2)


class ExportJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在导出")
        DONE = "done", _("可以下载")
        FAILED = "failed", _("未能完成")
        CANCELLED = "cancelled", _("已取消")
        EXPIRED = "expired", _("已过期删除")
        DELETED = "deleted", _("已删除")

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel"
        CSV = "csv", "CSV"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导出人"),
    )
    # What is exported: a key of guanai.exports.registry ("roster", "access_log").
    kind = models.CharField(_("导出内容"), max_length=20)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    format = models.CharField(_("格式"), max_length=4, choices=Format.choices)
    # ID numbers, phones and addresses in full (with a reason), or masked.
    full = models.BooleanField(_("完整信息"), default=False)
    # The filter as the access log keeps it (numbers masked), to show on the job's page.
    filter = models.JSONField(_("筛选条件"), default=dict)
    # The request itself (the filter as sent, the reason), encrypted: a search may hold a
    # name, a reason anything. Dropped when the job ends.
    sealed_request = models.BinaryField(default=b"")
    # The asking request's address, for the access-log entry written when the file is made.
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    # The running job: rows written of the rows selected, and whether the user asked it to stop.
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    # Last sign of life of the job: a running export reports after every 2 000 rows.
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The finished file: its name for the download, its name under settings.EXPORT_DIR
    # (random, sealed: see guanai.core.crypto.seal_stream), its rows and size, and until when
    # it may be downloaded.
    file_name = models.CharField(_("文件名"), max_length=200)
    stored_name = models.CharField(max_length=100, blank=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    size = models.PositiveBigIntegerField(default=0)
    expires_at = models.DateTimeField(_("下载截止"), null=True, blank=True)
    # Why the job failed, for the user to read.
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导出")
        verbose_name_plural = _("导出")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="exportjob_user_created"),
            models.Index(fields=["state", "expires_at"], name="exportjob_state_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def running(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0

    @property
    def downloadable(self) -> bool:
        return (
            self.state == self.State.DONE
            and bool(self.stored_name)
            and self.expires_at is not None
            and timezone.now() < self.expires_at
        )
