"""The site's URLs plus one view that fails, to see the 500 page (test_error_pages.py)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from guanai.urls import handler400, handler403, handler404, handler500, urlpatterns

SECRET_IN_THE_ERROR = "密钥泄露-13800001111"


@login_not_required
def failing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET_IN_THE_ERROR)


urlpatterns = [*urlpatterns, path("failing/", failing_view)]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
