from django.apps import AppConfig


class ConflictsConfig(AppConfig):
    name = "guanai.conflicts"
    label = "conflicts"
