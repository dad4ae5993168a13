from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "guanai.care"
    label = "care"

    def ready(self) -> None:
        from guanai.accounts.scope import relation_register
        from guanai.care.cleanup import CLEANUPS
        from guanai.care.selectors import assigned_children_q, paired_children_q
        from guanai.children.cleanup import register

        for cleanup in CLEANUPS:
            register(cleanup)
        # Mentors and counsellors see the children assigned to them; a helper's login the
        # children paired with it (accounts.scope).
        relation_register("assigned", assigned_children_q)
        relation_register("paired", paired_children_q)
