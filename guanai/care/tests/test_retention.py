"""What the care work holds of a child is cleared with the child's file: the records stay,
to be counted, without a word of what was found or done; their history and the
assignments go; a helper's login no longer reaches the child."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from guanai.accounts.scope import ChildAccess
from guanai.care.models import (
    Assignment,
    BackgroundCheck,
    CareRecord,
    CareRecordChange,
    CareState,
    Helper,
    Pairing,
)
from guanai.care.services import record_create
from guanai.children.anonymise import children_anonymise
from guanai.children.selectors import children_visible_to


def test_anonymising_a_child_scrubs_their_care_records(kids, cast, places):
    today = timezone.localdate()
    director = cast["village_director"]
    record = record_create(
        user=director,
        child_id=kids.village.pk,
        values={
            "kind": "assistance",
            "occurred_on": today - timedelta(days=3),
            "found": "张小明家里缺棉被",
            "done": "送去棉被两床",
            "items": "棉被",
            "amount_yuan": 300,
            "follow_up": "回访张奶奶",
            "follow_up_by": today,
        },
    )
    record_create(
        user=director,
        child_id=kids.village.pk,
        values={"kind": "home_visit", "occurred_on": today},
    )
    Assignment.objects.create(child=kids.village, user=cast["counsellor"], kind="counsellor")
    helper = Helper.objects.create(
        kind="volunteer", name="志愿者", area=places.village, user=cast["volunteer"]
    )
    BackgroundCheck.objects.create(helper=helper, checked_on=today, result="clear")
    Pairing.objects.create(helper=helper, child=kids.village, started_on=today)
    assert children_visible_to(cast["volunteer"], access=ChildAccess.PAIRED).exists()

    with transaction.atomic():
        children_anonymise({kids.village.pk: "保留期满"})

    record.refresh_from_db()
    assert (record.found, record.done, record.follow_up, record.items) == ("", "", "", "")
    # Still counted: the kind, the date and the value of the help.
    assert record.kind == "assistance"
    assert record.amount_yuan == 300
    assert CareRecord.objects.filter(child=kids.village).count() == 2
    assert not CareRecordChange.objects.filter(child=kids.village).exists()
    assert not Assignment.objects.filter(child=kids.village).exists()
    assert CareState.objects.get(child=kids.village).last_visit_on == today
    # Anonymised children are nobody's to see: the helper's login included.
    assert not children_visible_to(cast["volunteer"], access=ChildAccess.PAIRED).exists()
