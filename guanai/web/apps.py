from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class WebConfig(AppConfig):
    """The shell: home page, menu, layout, login steps. It sits above every domain app."""

    name = "guanai.web"
    label = "web"

    def ready(self) -> None:
        # Each app adds its menu entries and home panels in a `shell.py` of its own, which
        # is imported here once every app is loaded, as Django's admin finds `admin.py`:
        # a new capability plugs in by adding that file, without editing a list here or
        # in its AppConfig.
        autodiscover_modules("shell")
