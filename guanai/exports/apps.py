from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext as _


class ExportsConfig(AppConfig):
    name = "guanai.exports"
    label = "exports"

    def ready(self) -> None:
        from guanai.exports.services import export_files_expire
        from guanai.retention.registry import Expiry, register

        register(
            Expiry(
                name="exports.files",
                expire=export_files_expire,
                describe=lambda count: (
                    _("删除了 %(count)d 个超过 %(hours)d 小时的导出文件。")
                    % {"count": count, "hours": settings.EXPORT_FILE_HOURS}
                ),
            )
        )
