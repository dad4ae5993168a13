"""Rate limits on logins and expensive work (imports, exports, ID lookups, photos).

Counts live in one database table, incremented by a single INSERT ... ON CONFLICT DO
UPDATE ... RETURNING, which is atomic on SQLite and PostgreSQL alike. django-ratelimit
needs a cache with atomic increments shared by every server process (Redis or
Memcached); a county laptop runs none, and its database cache is not atomic. Windows
are fixed (the count restarts every period), which is all a brute-force guard needs.
"""

import functools
import hashlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from guanai.core.error_views import error_page
from guanai.core.http import client_address
from guanai.core.models import RateCounter

logger = logging.getLogger(__name__)

View = TypeVar("View", bound=Callable[..., HttpResponseBase])

_TABLE = RateCounter._meta.db_table
_HIT_SQL = (
    f"INSERT INTO {_TABLE} (key, count, expires_at) VALUES (%s, 1, %s) "  # noqa: S608
    f"ON CONFLICT (key) DO UPDATE SET count = {_TABLE}.count + 1 RETURNING count"
)


def rate_hit(kind: str, client: str) -> tuple[bool, int]:
    """Count one request; (allowed, seconds until the window ends)."""
    limit, period = settings.RATE_LIMITS[kind]
    now = time.time()
    window = int(now // period)
    key = hashlib.sha256(f"{kind}:{client}:{window}".encode()).hexdigest()
    expires = datetime.fromtimestamp((window + 1) * period, tz=UTC)
    # Its own transaction: the count stays even when the view's work is rolled back.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_HIT_SQL, [key, expires])
        count = cursor.fetchone()[0]
        if count == 1:  # first of a window: a good moment to sweep windows gone by
            RateCounter.objects.filter(expires_at__lt=datetime.fromtimestamp(now, tz=UTC)).delete()
    return count <= limit, int((window + 1) * period - now) + 1


def rate_limited_response(request: HttpRequest, retry_after: int) -> HttpResponse:
    minutes = max(1, (retry_after + 59) // 60)
    response = error_page(request, 429, _("操作太频繁，请%(n)d分钟后再试。") % {"n": minutes})
    response["Retry-After"] = str(retry_after)
    return response


def rate_limit(kind: str, *, methods: tuple[str, ...] = ("POST",)) -> Callable[[View], View]:
    """Refuse a view with 429 beyond RATE_LIMITS[kind]: per user, or per address when
    nobody is logged in. Only the given methods count."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method in methods:
                user = request.user
                client = f"u{user.pk}" if user.is_authenticated else client_address(request) or "-"
                allowed, retry_after = rate_hit(kind, client)
                if not allowed:
                    logger.warning("rate limit %s reached by %s", kind, client)
                    return rate_limited_response(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate
