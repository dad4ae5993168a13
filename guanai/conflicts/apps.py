from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext as _


class ConflictsConfig(AppConfig):
    name = "guanai.conflicts"
    label = "conflicts"

    def ready(self) -> None:
        from guanai.children.cleanup import Cleanup, register
        from guanai.conflicts.models import IdentityConflict
        from guanai.conflicts.services import conflicts_expire, conflicts_of_children_anonymise
        from guanai.retention.registry import Expiry
        from guanai.retention.registry import register as register_expiry

        # Resolved conflicts keep what was typed as long as import batches keep their files.
        register_expiry(
            Expiry(
                name="conflicts.resolved_entries",
                expire=lambda: conflicts_expire(
                    older_than=timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
                ),
                describe=lambda count: (
                    _("清除了 %(count)d 条已处理的身份冲突中保存的填报内容。") % {"count": count}
                ),
            )
        )

        register(
            Cleanup(
                name="conflicts.identity_conflicts",
                models=(IdentityConflict,),
                # A conflict is the county's record of an ID number typed for a record out
                # of the typist's reach: who typed it, when, where, what held it and the
                # outcome stay. What was typed goes once a child it points to is anonymised,
                # or once resolved for IMPORT_FILE_RETENTION_DAYS (above); a removed child
                # is unlinked (on_delete=SET_NULL).
                anonymise=conflicts_of_children_anonymise,
            )
        )
