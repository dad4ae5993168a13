from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "guanai.core"
    label = "core"

    def ready(self) -> None:
        # The data key is checked by every command and stored at the first migration.
        from guanai.core import keycheck

        post_migrate.connect(keycheck.ensure_after_migrate, sender=self)
