"""The access log: who viewed, revealed or exported personal data, when, and why."""

import json

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessEvent(models.Model):
    class Action(models.TextChoices):
        REVEAL = "reveal", _("查看完整信息")
        EXPORT = "export", _("导出")
        VIEW = "view", _("查看档案")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("用户")
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    # What was touched: "child:123", with the field ("father.id_number") where one.
    target = models.CharField(_("对象"), max_length=60)
    field = models.CharField(_("字段"), max_length=40, blank=True)
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    # For exports: the filter, the format, the row count, whether ID numbers were in full.
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    # The hash chain (tamper evidence): this entry's link, and the link of the entry before.
    previous = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("访问日志")
        verbose_name_plural = _("访问日志")
        indexes = [models.Index(fields=["target", "-at"], name="accessevent_target_at")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.target} {self.at:%Y-%m-%d %H:%M}"


def chained_record(event: models.Model) -> bytes:
    """What the chain vouches for: every field of an entry, in a fixed form (also used by
    the migration that chained the entries made before the chain)."""
    return json.dumps(
        [
            event.pk,
            event.at.isoformat(),  # type: ignore[attr-defined]
            event.user_id,  # type: ignore[attr-defined]
            event.action,  # type: ignore[attr-defined]
            event.target,  # type: ignore[attr-defined]
            event.field,  # type: ignore[attr-defined]
            event.reason,  # type: ignore[attr-defined]
            event.detail,  # type: ignore[attr-defined]
            event.ip_address,  # type: ignore[attr-defined]
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
