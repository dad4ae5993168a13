from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from guanai.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request that LoginRequiredMiddleware has let through: the user is a real User."""

    user: User
    htmx: HtmxDetails
