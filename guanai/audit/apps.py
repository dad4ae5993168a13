from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "guanai.audit"
    label = "audit"
