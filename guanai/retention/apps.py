from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "guanai.retention"
    label = "retention"
