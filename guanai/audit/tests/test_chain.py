"""The access log is a hash chain: altering, removing or slipping in an entry afterwards is
found, and said where."""

import os
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from guanai.audit.models import AccessEvent, chained_record
from guanai.audit.services import GENESIS, access_log_faults, access_record
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
