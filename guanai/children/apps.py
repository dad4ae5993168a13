from django.apps import AppConfig
from django.core import checks


class ChildrenConfig(AppConfig):
    name = "guanai.children"
    label = "children"

    def ready(self) -> None:
        from guanai.children.anonymise import CLEANUPS
        from guanai.children.cleanup import coverage_check, register

        for cleanup in CLEANUPS:
            register(cleanup)
        # Every model related to a child is answered for by a clean-up (children.cleanup).
        checks.register(coverage_check, checks.Tags.models)
