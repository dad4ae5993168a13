from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext as _


def kept_for() -> timedelta:
    """How long an import batch keeps its file's rows (read when the run asks)."""
    return timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)


class RosterConfig(AppConfig):
    name = "guanai.roster"
    label = "roster"

    def ready(self) -> None:
        from guanai.exports.registry import register
        from guanai.retention.registry import Expiry
        from guanai.retention.registry import register as register_expiry
        from guanai.roster.exports import ROSTER
        from guanai.roster.services import batch_files_expire

        register(ROSTER)
        register_expiry(
            Expiry(
                name="roster.import_files",
                expire=lambda: batch_files_expire(older_than=kept_for()),
                describe=lambda count: (
                    _("清除了 %(count)d 个超过 %(days)d 天的导入批次中保存的文件内容。")
                    % {"count": count, "days": kept_for().days}
                ),
            )
        )
