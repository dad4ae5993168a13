"""Taking a child off the roster (移出): a date that can be true, and a record of it."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_child
from guanai.children.choices import Status
from guanai.children.models import ChildChange
from guanai.children.services import child_exit, child_restore
from guanai.core.errors import ApplicationError

# Born 5 March 2015 (make_child), registered on 1 March 2020.
REGISTERED = datetime(2020, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (date(1990, 1, 1), "早于出生日期"),
        (date(2015, 3, 4), "早于出生日期"),
        (date(2020, 2, 29), "早于登记日期（2020-03-01）"),
        (timezone.localdate() + timedelta(days=1), "晚于今天"),
    ],
)
def test_an_exit_date_before_birth_before_registration_or_to_come_is_refused(
    on, message, places, cast
):
    child = make_child(places.village, created_at=REGISTERED)
    with pytest.raises(ApplicationError, match=message) as raised:
        child_exit(user=cast["county_admin"], child_id=child.pk, reason="moved", on=on)
    assert raised.value.field == "on"
    child.refresh_from_db()
    assert (child.status, child.exited_on, child.exit_recorded_at) == (Status.ACTIVE, None, None)
    assert not child.changes.exists()


def test_an_exit_on_the_day_of_registration_or_today_is_taken(places, cast):
    admin = cast["county_admin"]
    first = make_child(places.village, created_at=REGISTERED)
    child_exit(user=admin, child_id=first.pk, reason="moved", on=date(2020, 3, 1))
    second = make_child(places.village, name="李小", created_at=REGISTERED)
    child_exit(user=admin, child_id=second.pk, reason="moved", on=timezone.localdate())
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.EXITED, Status.EXITED)


def test_the_exit_records_its_date_reason_and_the_time_it_was_recorded(places, cast):
    child = make_child(places.village, created_at=REGISTERED)
    before = timezone.now()

    child_exit(
        user=cast["village_director"],
        child_id=child.pk,
        reason="with_parents",
        on=date(2024, 9, 1),
        note="随父母去广州",
    )

    child.refresh_from_db()
    assert before <= child.exit_recorded_at <= timezone.now()
    assert child.review_state == "pending"  # a director's exit waits for review
    entry = child.changes.get(kind=ChildChange.Kind.EXITED)
    assert entry.by == cast["village_director"]
    assert {c["field"]: c["new"] for c in entry.changes} == {
        "status": "exited",
        "exit_reason": "with_parents",
        "exited_on": "2024-09-01",
        "exit_note": "随父母去广州",
    }
    child_restore(user=cast["county_admin"], child_id=child.pk)
    child.refresh_from_db()
    assert (child.exited_on, child.exit_recorded_at) == (None, None)
    restored = child.changes.get(kind=ChildChange.Kind.RESTORED)
    assert {c["field"]: c["old"] for c in restored.changes}["exited_on"] == "2024-09-01"


def test_the_form_says_why_a_date_is_refused(places, cast, kids, client_for):
    client = client_for(cast["village_director"])
    url = reverse("children:child_exit", args=[kids.village.pk])
    response = client.post(url, {"reason": "moved", "on": "1990-01-01", "note": ""})
    assert response.status_code == 200
    assert "移出日期不能早于出生日期" in response.content.decode()
    kids.village.refresh_from_db()
    assert kids.village.status == Status.ACTIVE
