"""Import batches: who imported which file, when, with what result."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    class State(models.TextChoices):
        CHECKED = "checked", _("已检查，待导入")
        IMPORTED = "imported", _("已导入")
        CANCELLED = "cancelled", _("已取消")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导入人"),
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    # As the user named it, for display only: never used as a path.
    file_name = models.CharField(_("文件名"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    # The uploaded file, encrypted (it holds ID numbers), until it is imported or cancelled.
    sealed = models.BinaryField(default=b"")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.CHECKED)
    counts = models.JSONField(_("行数"), default=dict)
    # Headers the user matched to fields by hand: {"监护人手机": "guardian_phone"}.
    mapping = models.JSONField(_("列对应"), default=dict)
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")

    def __str__(self) -> str:
        return f"{self.file_name} {self.created_at:%Y-%m-%d %H:%M}"
