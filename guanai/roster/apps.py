from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "guanai.roster"
    label = "roster"
