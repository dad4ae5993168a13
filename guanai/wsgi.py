import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanai.settings")
application = get_wsgi_application()


def _refuse_a_wrong_data_key() -> None:
    # A web server whose data key does not fit the database does not start
    # (guanai.core.keycheck); imported here, once the apps are loaded.
    from guanai.core.keycheck import ensure_data_key

    ensure_data_key()


_refuse_a_wrong_data_key()
