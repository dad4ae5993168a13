"""The access log: who viewed, revealed or exported personal data, when, and why; and the
anchors that vouch for its two ends (the newest entry, and where pruning left its start)."""

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
        # An ID number typed that a record outside the user's reach holds (guanai/conflicts).
        CONFLICT = "conflict", _("身份冲突")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("用户")
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    # What was touched: "child:123", with the field ("father.id_number") where one.
    target = models.CharField(_("对象"), max_length=60)
    # The child of a "child:<id>" target, so that a county's log is found by the child's
    # place. Derived from `target` (which the chain vouches for; verify checks they agree).
    # No database constraint: the log outlives a child taken out by an import's undo.
    child = models.ForeignKey(
        "children.Child",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("儿童"),
    )
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
        indexes = [
            models.Index(fields=["target", "-at"], name="accessevent_target_at"),
            # The county admin's search: entries by the county's users, or on its children.
            models.Index(fields=["user", "-at"], name="accessevent_user_at"),
            models.Index(fields=["child", "-at"], name="accessevent_child_at"),
        ]

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


def target_child_id(target: str) -> int | None:
    """The child a target names ("child:123" → 123), or None."""
    kind, _sep, ident = target.partition(":")
    return int(ident) if kind == "child" and ident.isdigit() else None


class AccessLogHead(models.Model):
    """The newest entry of the chain, kept apart from the entries (one row).

    Updated with every entry, under the same lock; `seal` is an HMAC of the other fields
    under the chain key. Removing the newest entries leaves the head pointing at an entry
    that is gone, which verify reports; without the key the head cannot be moved back.
    """

    last_id = models.BigIntegerField()
    digest = models.CharField(max_length=64)
    # Entries ever recorded (pruned ones included).
    recorded = models.BigIntegerField()
    seal = models.CharField(max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="accessloghead_one")]

    def __str__(self) -> str:
        return f"{self.last_id} {self.digest[:12]}"

    def sealed_record(self) -> bytes:
        return json.dumps(["head", self.last_id, self.recorded]).encode()


class AuditCheckpoint(models.Model):
    """One pruning of the access log: the last entry it removed, whose link the first
    remaining entry carries as its "previous", so the chain is checked from there on.

    `seal` is an HMAC of the other fields under the chain key: without the key, nobody
    can write a checkpoint that lets the start of the log be cut off at will.
    """

    at = models.DateTimeField(_("清理时间"), default=timezone.now)
    by = models.CharField(_("执行者"), max_length=100)
    # Entries older than this were removed (the retention period before `at`).
    cutoff = models.DateTimeField(_("清理截止"))
    last_pruned_id = models.BigIntegerField(_("最后清理的记录"), unique=True)
    digest = models.CharField(max_length=64)
    pruned = models.PositiveIntegerField(_("清理访问记录数"))
    login_events_pruned = models.PositiveIntegerField(_("清理登录记录数"))
    seal = models.CharField(max_length=64)

    class Meta:
        ordering = ["-last_pruned_id"]
        verbose_name = _("访问日志清理记录")
        verbose_name_plural = _("访问日志清理记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.by} ≤{self.last_pruned_id}"

    def sealed_record(self) -> bytes:
        return json.dumps(
            [
                "checkpoint",
                self.last_pruned_id,
                self.at.isoformat(),
                self.by,
                self.cutoff.isoformat(),
                self.pruned,
                self.login_events_pruned,
            ],
            ensure_ascii=False,
        ).encode()
