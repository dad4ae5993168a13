from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "guanai.demo"
    label = "demo"
