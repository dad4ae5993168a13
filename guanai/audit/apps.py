from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "guanai.audit"
    label = "audit"

    def ready(self) -> None:
        from guanai.audit.exports import ACCESS_LOG
        from guanai.exports.registry import register

        register(ACCESS_LOG)
