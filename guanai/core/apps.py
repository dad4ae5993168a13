from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "guanai.core"
    label = "core"
