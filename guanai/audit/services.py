"""Writing and checking the access log.

Entries form a hash chain: each carries an HMAC of the previous entry's link and its own
fields (core.crypto.chain_digest), so an entry altered, removed or slipped in afterwards
breaks the chain at that point, and `manage.py verify_access_log` says where.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.http import HttpRequest

from guanai.accounts.models import User
from guanai.audit.models import AccessEvent, chained_record
from guanai.core.crypto import chain_digest

# The first entry's "previous link".
GENESIS = "0" * 64
# PostgreSQL advisory lock that makes entries join the chain one at a time.
_CHAIN_LOCK = 0x6775616E  # "guan"


def access_record(
    *,
    user: User,
    action: str,
    target: str,
    field: str = "",
    reason: str = "",
    detail: dict[str, object] | None = None,
    request: HttpRequest | None = None,
) -> AccessEvent:
    """Log one access to personal data. Never pass the value itself: only what and why."""
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    connection = connections[router.db_for_write(AccessEvent)]
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        # On SQLite the insert takes the database's write lock, which serialises the chain.
        event = AccessEvent.objects.create(
            user=user,
            action=action,
            target=target,
            field=field,
            reason=reason[:200],
            detail=detail or {},
            ip_address=ip,
        )
        event.refresh_from_db(fields=["at", "detail", "ip_address"])  # as stored
        event.previous = (
            AccessEvent.objects.filter(pk__lt=event.pk)
            .order_by("-pk")
            .values_list("digest", flat=True)
            .first()
            or GENESIS
        )
        event.digest = chain_digest(event.previous, chained_record(event))
        event.save(update_fields=["previous", "digest"])
    return event


@dataclass(frozen=True)
class ChainFault:
    entry_id: int
    problem: str  # "altered": its fields changed; "broken": the entry before it is not the one
    # it was chained to (removed, inserted or re-ordered)


def access_log_faults() -> Iterator[ChainFault]:
    """Walk the chain in order, yielding every entry where it does not hold."""
    previous = GENESIS
    for event in AccessEvent.objects.order_by("pk").iterator(chunk_size=2000):
        if event.previous != previous:
            yield ChainFault(event.pk, "broken")
        if event.digest != chain_digest(event.previous, chained_record(event)):
            yield ChainFault(event.pk, "altered")
        previous = event.digest
