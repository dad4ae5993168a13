from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "guanai.roster"
    label = "roster"

    def ready(self) -> None:
        from guanai.exports.registry import register
        from guanai.roster.exports import ROSTER

        register(ROSTER)
