"""Pruning keeps the access and login logs at least six months, removes what is older, and
leaves a chain that still verifies from a sealed checkpoint."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from guanai.accounts.models import LoginEvent
from guanai.audit.models import AccessEvent, AccessLogHead, AuditCheckpoint, chained_record
from guanai.audit.services import (
    GENESIS,
    access_log_faults,
    access_log_prune,
    access_record,
    retention_days,
)
from guanai.core.crypto import chain_digest

# How many days ago each entry of the log below was made, in the order they were made.
AGES = [400, 390, 200, 190, 100, 0]


def rechain() -> None:
    """Chain every entry again and seal the head, as a holder of the key could: the tests'
    way of having entries made in the past."""
    previous = GENESIS
    events = list(AccessEvent.objects.order_by("pk"))
    for event in events:
        event.previous = previous
        event.digest = previous = chain_digest(previous, chained_record(event))
        event.save(update_fields=["previous", "digest"])
    head = AccessLogHead.objects.get()
    head.last_id, head.digest = events[-1].pk, events[-1].digest
    head.seal = chain_digest(head.digest, head.sealed_record())
    head.save()


def backdated_log(user, ages: list[int]) -> list[AccessEvent]:
    now = timezone.now()
    events = [
        access_record(user=user, action="view", target=f"child:{n}", reason="家访")
        for n in range(len(ages))
    ]
    for event, age in zip(events, ages, strict=True):
        AccessEvent.objects.filter(pk=event.pk).update(at=now - timedelta(days=age))
    rechain()
    for age in (400, 200, 100):
        LoginEvent.objects.create(username="someone", kind="success", at=now - timedelta(days=age))
    assert list(access_log_faults()) == []
    return list(AccessEvent.objects.order_by("pk"))


@pytest.fixture
def log(cast) -> list[AccessEvent]:
    return backdated_log(cast["county_admin"], AGES)


def remaining() -> list[int]:
    return list(AccessEvent.objects.order_by("pk").values_list("pk", flat=True))


def test_retention_is_never_under_six_months(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    assert retention_days() == 183
    settings.AUDIT_RETENTION_DAYS = 730
    assert retention_days() == 730


def test_pruning_keeps_six_months_even_if_configured_lower(log, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    result = access_log_prune(by="test")
    assert (result.access_events, result.login_events) == (4, 2)
    assert remaining() == [log[4].pk, log[5].pk]
    assert LoginEvent.objects.count() == 1
    assert list(access_log_faults()) == []
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    assert "共 2 条，链条完整" in out.getvalue()


def test_pruning_by_default_keeps_a_year(log):
    access_log_prune(by="test")
    assert remaining() == [e.pk for e in log[2:]]
    assert LoginEvent.objects.count() == 2
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.last_pruned_id, checkpoint.digest) == (log[1].pk, log[1].digest)
    assert (checkpoint.pruned, checkpoint.login_events_pruned, checkpoint.by) == (2, 1, "test")
    # Pruning again finds nothing more, and the chain still holds from the checkpoint.
    assert access_log_prune(by="test").access_events == 0
    assert list(access_log_faults()) == []


def test_an_old_entry_after_a_younger_one_waits_for_it(cast, settings):
    """Only a run of the oldest entries goes, so the chain keeps one unbroken stretch."""
    log = backdated_log(cast["county_admin"], [400, 10, 400])
    settings.AUDIT_RETENTION_DAYS = 183
    access_log_prune(by="test")
    assert remaining() == [log[1].pk, log[2].pk]
    assert list(access_log_faults()) == []


def test_everything_pruned_then_recorded_again_verifies(cast, settings):
    backdated_log(cast["county_admin"], [300, 200])
    settings.AUDIT_RETENTION_DAYS = 183
    access_log_prune(by="test")
    assert remaining() == []
    assert list(access_log_faults()) == []  # the head's entry is the checkpoint's
    later = access_record(user=cast["county_admin"], action="view", target="child:1")
    assert list(access_log_faults()) == []
    assert AccessLogHead.objects.get().last_id == later.pk


def test_a_dry_run_removes_nothing(log):
    out = StringIO()
    call_command("prune_access_log", "--dry-run", stdout=out)
    assert "将删除" in out.getvalue()
    assert "访问记录 2 条、登录记录 1 条" in out.getvalue()
    assert len(remaining()) == len(AGES)
    assert not AuditCheckpoint.objects.exists()


def test_the_command_prunes_and_says_what(log):
    out = StringIO()
    call_command("prune_access_log", stdout=out)
    assert "保存期限 365 天：已删除" in out.getvalue()
    assert "访问记录 2 条、登录记录 1 条" in out.getvalue()
    assert "prune_access_log (" in AuditCheckpoint.objects.get().by


def test_pruning_is_refused_while_the_chain_has_a_fault(log):
    AccessEvent.objects.filter(pk=log[4].pk).update(reason="随便看看")
    with pytest.raises(CommandError, match="链条有问题"):
        call_command("prune_access_log", stdout=StringIO())
    assert len(remaining()) == len(AGES)
    assert LoginEvent.objects.count() == 3


def test_removing_entries_after_the_checkpoint_is_found(log):
    access_log_prune(by="test")
    AccessEvent.objects.filter(pk=log[2].pk).delete()
    assert [(f.entry_id, f.problem) for f in access_log_faults()] == [(log[3].pk, "broken")]


def test_a_checkpoint_moved_without_the_key_is_found(log):
    """Cutting off young entries and moving the checkpoint past them needs the key."""
    access_log_prune(by="test")
    AccessEvent.objects.filter(pk__lte=log[3].pk).delete()
    AuditCheckpoint.objects.update(last_pruned_id=log[3].pk, digest=log[3].digest)
    assert [(f.entry_id, f.problem) for f in access_log_faults()] == [(log[3].pk, "anchor")]


def test_removing_the_newest_entry_after_pruning_is_found(log):
    access_log_prune(by="test")
    AccessEvent.objects.filter(pk=log[5].pk).delete()
    assert [(f.entry_id, f.problem) for f in access_log_faults()] == [(log[5].pk, "truncated")]
