from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "guanai.accounts"
    label = "accounts"

    def ready(self) -> None:
        from guanai.accounts import receivers  # noqa: F401  (connects the login audit receivers)
