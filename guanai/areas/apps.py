from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "guanai.areas"
    label = "areas"
