"""The access log is a hash chain: altering, removing or slipping in an entry afterwards is
found, and said where; so is removing the newest entries (the sealed head)."""

import os
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from guanai.audit.models import AccessEvent, AccessLogHead, chained_record, target_child_id
from guanai.audit.services import GENESIS, UNVOUCHED, access_log_faults, access_record
from guanai.core.crypto import chain_digest


@pytest.fixture
def log(cast) -> list[AccessEvent]:
    user = cast["county_admin"]
    return [
        access_record(user=user, action="view", target=f"child:{n}", reason="家访")
        for n in range(4)
    ]


def test_entries_are_chained_in_order(log):
    assert log[0].previous == GENESIS
    for before, after in pairwise(log):
        after.refresh_from_db()
        assert after.previous == before.digest
    assert list(access_log_faults()) == []
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    assert "共 4 条，链条完整" in out.getvalue()


def test_an_altered_entry_is_found(log):
    AccessEvent.objects.filter(pk=log[1].pk).update(reason="随便看看")
    assert [(f.entry_id, f.problem) for f in access_log_faults()] == [(log[1].pk, "altered")]
    with pytest.raises(CommandError, match="1 处问题"):
        call_command("verify_access_log", stdout=StringIO())


def test_a_removed_entry_breaks_the_chain_at_the_next(log):
    AccessEvent.objects.filter(pk=log[2].pk).delete()
    assert [(f.entry_id, f.problem) for f in access_log_faults()] == [(log[3].pk, "broken")]


def test_an_entry_rechained_without_the_key_is_found(log, settings):
    event = AccessEvent.objects.get(pk=log[1].pk)
    event.reason = "随便看看"
    right_key = settings.DATA_KEY
    # Someone who can write the database recomputes the link, under a key of their own.
    settings.DATA_KEY = os.urandom(32)
    event.digest = chain_digest(event.previous, chained_record(event))
    settings.DATA_KEY = right_key
    event.save()
    assert next((f.entry_id, f.problem) for f in access_log_faults()) == (log[1].pk, "altered")
    # With the data key the same change would pass: the key is what the chain rests on.
    event.digest = chain_digest(event.previous, chained_record(event))
    event.save()
    assert [f.entry_id for f in access_log_faults()] == [log[2].pk]  # the next link breaks


def test_removing_the_newest_entry_is_found(log):
    AccessEvent.objects.filter(pk=log[3].pk).delete()
    assert [(f.entry_id, f.problem) for f in access_log_faults()] == [(log[3].pk, "truncated")]
    with pytest.raises(CommandError, match="1 处问题"):
        call_command("verify_access_log", stdout=StringIO())


def test_an_entry_recorded_after_the_newest_was_removed_keeps_the_gap_visible(log, cast):
    AccessEvent.objects.filter(pk__in=[log[2].pk, log[3].pk]).delete()
    later = access_record(user=cast["county_admin"], action="view", target="child:9")
    # Chained to the removed entry (the head), not to the newest row left.
    assert later.previous == log[3].digest
    assert [(f.entry_id, f.problem) for f in access_log_faults()] == [(later.pk, "broken")]


def test_a_head_moved_back_without_the_key_is_found(log, cast):
    AccessEvent.objects.filter(pk=log[3].pk).delete()
    AccessLogHead.objects.filter(pk=1).update(last_id=log[2].pk, digest=log[2].digest)
    assert [(f.entry_id, f.problem) for f in access_log_faults()] == [(log[2].pk, "anchor")]
    # The next entry does not continue from a head whose seal fails: the break stays.
    later = access_record(user=cast["county_admin"], action="view", target="child:9")
    assert later.previous == UNVOUCHED
    assert (later.pk, "broken") in [(f.entry_id, f.problem) for f in access_log_faults()]


def test_a_removed_head_is_found(log):
    AccessLogHead.objects.all().delete()
    assert [(f.entry_id, f.problem) for f in access_log_faults()] == [(log[3].pk, "anchor")]


def test_the_head_follows_every_entry(log):
    head = AccessLogHead.objects.get()
    assert (head.last_id, head.digest, head.recorded) == (log[3].pk, log[3].digest, 4)
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    assert log[3].digest in out.getvalue()  # to keep outside the system


def test_an_entry_moved_to_another_child_is_found(log, cast):
    assert log[1].child_id == 1
    AccessEvent.objects.filter(pk=log[1].pk).update(child_id=2)
    assert [(f.entry_id, f.problem) for f in access_log_faults()] == [(log[1].pk, "altered")]


def test_only_child_targets_name_a_child(cast):
    export = access_record(user=cast["county_admin"], action="export", target="roster")
    assert export.child_id is None
    assert target_child_id("child:12") == 12
    assert target_child_id("child:") is None
    assert target_child_id("roster") is None
