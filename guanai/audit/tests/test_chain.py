"""The access log is a hash chain: altering, removing or slipping in an entry afterwards is
found, and said where."""

from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from guanai.audit.models import AccessEvent
from guanai.audit.services import GENESIS, access_log_faults, access_record


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
    # Someone who can write the database recomputes the links, but not with the data key.
    import hashlib

    event = AccessEvent.objects.get(pk=log[1].pk)
    event.reason = "随便看看"
    event.digest = hashlib.sha256(event.previous.encode() + event.chained_record()).hexdigest()
    event.save()
    faults = [(f.entry_id, f.problem) for f in access_log_faults()]
    assert (log[1].pk, "altered") in faults
