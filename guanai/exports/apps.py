from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "guanai.exports"
    label = "exports"
