"""Facts about the request's client that every part of Guanai reads the same way."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address, for django-axes, the rate limits and the logs alike.

    Behind PROXY_COUNT reverse proxies, each appends the address it received from to
    X-Forwarded-For, so the client is that many entries from the right; anything further
    left came from the client and is not trusted. With no proxy, REMOTE_ADDR. (As
    Werkzeug's ProxyFix does; django-ipware, which django-axes would use, reads only
    REMOTE_ADDR by default and trusts a client's own header once told to read it.)
    """
    count = settings.PROXY_COUNT
    if count:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR") or None
