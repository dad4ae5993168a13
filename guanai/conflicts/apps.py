from django.apps import AppConfig


class ConflictsConfig(AppConfig):
    name = "guanai.conflicts"
    label = "conflicts"

    def ready(self) -> None:
        from guanai.children.cleanup import Cleanup, register
        from guanai.conflicts.models import IdentityConflict

        register(
            Cleanup(
                name="conflicts.identity_conflicts",
                models=(IdentityConflict,),
                anonymise=None,
                kept=(
                    "A conflict is the county's record of an ID number typed for a record "
                    "out of the typist's reach: who typed it, when, where, what held it and "
                    "the outcome stay; what was typed (the number, the names, the birth "
                    "date) goes once it has been resolved for IMPORT_FILE_RETENTION_DAYS "
                    "(conflicts_expire, in the daily retention run). The children it points "
                    "to show to no one once anonymised (conflict_rows names only children "
                    "the viewer may see); a removed child is unlinked (on_delete=SET_NULL)."
                ),
            )
        )
