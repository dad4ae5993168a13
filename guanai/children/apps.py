from django.apps import AppConfig


class ChildrenConfig(AppConfig):
    name = "guanai.children"
    label = "children"
