"""Writing, checking and pruning the access log.

Entries form a hash chain: each carries an HMAC of the previous entry's link and its own
fields (core.crypto.chain_digest), so an entry altered, removed or slipped in afterwards
breaks the chain at that point, and `manage.py verify_access_log` says where. Two sealed
anchors vouch for the ends a chain alone cannot: the head (the newest entry: removing the
newest entries is found) and the checkpoints of pruning (where the chain now starts).

What this does not stop. The seals are HMACs under a key derived from the data key, so:

- Whoever holds the data key *and* can write the database can rewrite anything: alter,
  remove or add entries anywhere and re-chain and re-seal the rest. Only a copy of the
  head's digest kept outside the system (printed by verify_access_log; a daily mail of
  it, or a write-once log server) would show that.
- Whoever can write the database without the key can still put back an older copy of the
  head row together with the entries it vouched for removed after it, if they kept that
  copy (a rollback); and can empty the log and both anchor tables together, which looks
  like a log that was never written. The same outside copy of the head shows both.
- Entries lost with a restored backup are gone; the restored chain still verifies.
"""

import json
import logging
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from guanai.accounts.models import LoginEvent, User
from guanai.audit.models import (
    AccessEvent,
    AccessLogHead,
    AuditCheckpoint,
    chained_record,
    target_child_id,
)
from guanai.core.crypto import chain_digest, mask_id_number, mask_phone
from guanai.core.errors import ApplicationError
from guanai.core.http import client_address

logger = logging.getLogger(__name__)

# The first entry's "previous link".
GENESIS = "0" * 64
# The "previous link" of an entry recorded while the head's seal did not hold: it matches
# no entry, so the chain stays visibly broken there instead of being continued from a head
# someone moved.
UNVOUCHED = "!" * 64
# PostgreSQL advisory lock that makes entries join the chain one at a time.
_CHAIN_LOCK = 0x6775616E  # "guan"
# The access log and the login log are kept at least this long (等保 2.0: six months).
MINIMUM_RETENTION_DAYS = 183
# A look at something the same user was logged looking at this recently is covered by
# that entry (see access_record_coalesced).
COALESCE_WINDOW = timedelta(minutes=10)
# What an entry keeps of the parameters of a request (see logged_parameters).
MAX_LOGGED_KEYS = 20
MAX_LOGGED_VALUE = 200
# An entry's detail is this small; a larger one is a mistake of the caller's.
MAX_DETAIL_CHARS = 4000
# A number as people type or paste it: ASCII or full-width digits, spaced, hyphenated or
# with invisible characters copied along, maybe ending in an X (an ID number's check digit).
_NUMBER_GAP = r"[\s\-\u2010-\u2015\u2212\uff0d\u200b-\u200d\u2060\ufeff]"
_NUMBER = re.compile(rf"\d(?:{_NUMBER_GAP}*\d)*(?:{_NUMBER_GAP}*[xXｘＸ])?")


def _masked_number(match: re.Match[str]) -> str:
    text = match.group()
    digits = "".join(str(unicodedata.decimal(c)) for c in text if c.isdecimal())
    check = "X" if text[-1] in "xXｘＸ" else ""
    if len(digits) == 11 and not check:  # a mobile phone, or a landline with its area code
        return mask_phone(digits)
    # An ID number (18 characters, 17 when its check digit is left off, 15 for the old
    # ones) or longer; twelve digits are an area code, which a filter names.
    if len(digits) + len(check) >= 13:
        return mask_id_number(digits + check)
    return text


def mask_numbers(text: str) -> str:
    """The text with every ID number and phone number in it masked as the screens show
    them, however it was typed (full-width digits, spaces or hyphens within)."""
    return _NUMBER.sub(_masked_number, text)


def logged_parameters(params: Mapping[str, Any], *, keys: Iterable[str]) -> dict[str, str]:
    """What the access log keeps of a request's parameters (an export's filter): only the
    `keys` the form knows, non-empty, at most MAX_LOGGED_KEYS of them, each value cut to
    MAX_LOGGED_VALUE characters with ID and phone numbers masked. Whatever else was sent
    (one request once sent megabytes) stays out of a chained entry kept for months."""
    logged: dict[str, str] = {}
    for key in keys:
        value = params.get(key)
        if value is None or value == "":
            continue
        # Cut with room to spare first, so that a number across the cut is still seen whole.
        text = mask_numbers(str(value)[: MAX_LOGGED_VALUE + 40])[:MAX_LOGGED_VALUE]
        logged[key] = text
        if len(logged) == MAX_LOGGED_KEYS:
            break
    return logged


def _chain_lock(connection: BaseDatabaseWrapper) -> None:
    """Hold the chain for the current transaction. On SQLite the first write takes the
    database's write lock (transactions begin IMMEDIATE), which serialises the chain."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])


def _seal(anchor: AccessLogHead | AuditCheckpoint) -> str:
    return chain_digest(anchor.digest, anchor.sealed_record())


def access_record(
    *,
    user: User,
    action: str,
    target: str,
    field: str = "",
    reason: str = "",
    detail: dict[str, object] | None = None,
    request: HttpRequest | None = None,
    ip_address: str | None = None,
) -> AccessEvent:
    """Log one access to personal data. Never pass the value itself: only what and why.

    The reason, typed by the user, is kept with ID and phone numbers masked; a filter in
    `detail` goes through logged_parameters first. The address is the request's, or, for
    work done later by a background job, `ip_address` (that of the request that asked).
    """
    detail = detail or {}
    if len(json.dumps(detail, ensure_ascii=False, default=str)) > MAX_DETAIL_CHARS:
        raise ValueError("An access-log detail this large was not made by logged_parameters.")
    ip = client_address(request) if request is not None else ip_address
    connection = connections[router.db_for_write(AccessEvent)]
    with transaction.atomic(using=connection.alias):
        _chain_lock(connection)
        event = AccessEvent.objects.create(
            user=user,
            action=action,
            target=target,
            child_id=target_child_id(target),
            field=field,
            reason=mask_numbers(reason[:240])[:200],
            detail=detail,
            ip_address=ip,
        )
        event.refresh_from_db(fields=["at", "detail", "ip_address"])  # as stored
        # Chained to the head, not to the newest row: had the newest rows been removed,
        # the next entry would otherwise close the gap.
        head = access_log_head()
        if head is None:
            event.previous, recorded = GENESIS, 0
            head = AccessLogHead(pk=1)
        elif head.seal != _seal(head):
            logger.error("The access log's head does not hold its seal: chain marked broken.")
            event.previous, recorded = UNVOUCHED, head.recorded
        else:
            event.previous, recorded = head.digest, head.recorded
        event.digest = chain_digest(event.previous, chained_record(event))
        event.save(update_fields=["previous", "digest"])
        head.last_id, head.digest, head.recorded = event.pk, event.digest, recorded + 1
        head.seal = _seal(head)
        head.save()
    return event


def access_record_coalesced(
    *,
    user: User,
    target: str,
    field: str,
    covered_by: Collection[str] = (),
    request: HttpRequest | None = None,
) -> AccessEvent | None:
    """Log a view, unless the same user's view of the same target, of this `field` or of
    one that shows as much (`covered_by`), was logged within COALESCE_WINDOW.

    For what a page fetches again and again while it is open: the edit form re-rendered
    by each field's validation as it is typed, the photo the file shows. Every one of
    them logged would bury the log's real entries (and each costs a chained row); the
    entry they are covered by already says who looked at whose file, and when.
    """
    recent = AccessEvent.objects.filter(
        target=target,
        at__gte=timezone.now() - COALESCE_WINDOW,
        user=user,
        action=AccessEvent.Action.VIEW,
        field__in=[field, *covered_by],
    )
    if recent.exists():
        return None
    return access_record(
        user=user, action=AccessEvent.Action.VIEW, target=target, field=field, request=request
    )


@dataclass(frozen=True)
class ChainFault:
    entry_id: int
    # "altered": its fields changed; "broken": the entry before it is not the one it was
    # chained to (removed, inserted or re-ordered); "truncated": the newest entry the head
    # vouches for is gone; "anchor": the head or a checkpoint is altered or missing.
    problem: str


def access_log_faults() -> Iterator[ChainFault]:
    """Walk the chain in order from the last pruning, yielding every place it does not hold."""
    # The anchors are read first: entries recorded during the walk come after the head.
    head = access_log_head()
    checkpoint = access_log_checkpoint()
    previous = GENESIS
    if checkpoint is not None:
        if checkpoint.seal != _seal(checkpoint):
            yield ChainFault(checkpoint.last_pruned_id, "anchor")
        previous = checkpoint.digest
    if head is not None and head.seal != _seal(head):
        yield ChainFault(head.last_id, "anchor")
    # The head's entry may itself have been pruned, when nothing was recorded since.
    head_found = head is None or (
        checkpoint is not None
        and head.last_id == checkpoint.last_pruned_id
        and head.digest == checkpoint.digest
    )
    last_id = None
    for event in AccessEvent.objects.order_by("pk").iterator(chunk_size=2000):
        if event.previous != previous:
            yield ChainFault(event.pk, "broken")
        sealed = event.digest == chain_digest(event.previous, chained_record(event))
        if not sealed or event.child_id != target_child_id(event.target):
            yield ChainFault(event.pk, "altered")
        if head is not None and event.pk == head.last_id:
            head_found = True
            if event.digest != head.digest:
                yield ChainFault(event.pk, "anchor")
        previous, last_id = event.digest, event.pk
    if head is None and last_id is not None:
        yield ChainFault(last_id, "anchor")
    if head is not None and not head_found:
        yield ChainFault(head.last_id, "truncated")


def access_log_head() -> AccessLogHead | None:
    return AccessLogHead.objects.filter(pk=1).first()


def access_log_checkpoint() -> AuditCheckpoint | None:
    """The latest pruning's checkpoint, from which the chain is checked."""
    return AuditCheckpoint.objects.order_by("-last_pruned_id").first()


# --- retention -------------------------------------------------------------------------------


def retention_days() -> int:
    """AUDIT_RETENTION_DAYS (GUANAI_AUDIT_RETENTION_DAYS), never under six months whatever
    is configured."""
    return max(MINIMUM_RETENTION_DAYS, settings.AUDIT_RETENTION_DAYS)


@dataclass(frozen=True)
class PruneResult:
    cutoff: datetime
    access_events: int
    login_events: int
    checkpoint: AuditCheckpoint | None


def access_log_prune(*, by: str, dry_run: bool = False) -> PruneResult:
    """Remove access-log entries and login events older than the retention period.

    Only a run of the oldest entries goes: up to the first entry still within the period,
    so the chain keeps one unbroken stretch, which a sealed checkpoint joins to its start.
    Refused while the chain has a fault: what it shows must be looked into first.
    """
    cutoff = timezone.now() - timedelta(days=retention_days())
    if next(access_log_faults(), None) is not None:
        raise ApplicationError(
            _("访问日志链条有问题，未清理。请先运行 verify_access_log 查明原因。")
        )
    connection = connections[router.db_for_write(AccessEvent)]
    with transaction.atomic(using=connection.alias):
        _chain_lock(connection)
        first_kept = (
            AccessEvent.objects.filter(at__gte=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        old = AccessEvent.objects.filter(at__lt=cutoff)
        if first_kept is not None:
            old = old.filter(pk__lt=first_kept)
        last = old.order_by("-pk").only("pk", "digest").first()
        logins = LoginEvent.objects.filter(at__lt=cutoff)
        if dry_run:
            count = AccessEvent.objects.filter(pk__lte=last.pk).count() if last else 0
            return PruneResult(cutoff, count, logins.count(), None)
        login_count = logins.delete()[0]
        if last is None:
            return PruneResult(cutoff, 0, login_count, None)
        count = AccessEvent.objects.filter(pk__lte=last.pk).delete()[0]
        checkpoint = AuditCheckpoint.objects.create(
            by=by[:100],
            cutoff=cutoff,
            last_pruned_id=last.pk,
            digest=last.digest,
            pruned=count,
            login_events_pruned=login_count,
        )
        checkpoint.refresh_from_db(fields=["at", "cutoff"])  # as stored
        checkpoint.seal = _seal(checkpoint)
        checkpoint.save(update_fields=["seal"])
    logger.info("Access log pruned: %s entries and %s login events", count, login_count)
    return PruneResult(cutoff, count, login_count, checkpoint)
