"""The rules of care records: what a record may hold, who may correct it and for how long,
the history of every change, and counselling under the guardian's consent."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from guanai.care import services
from guanai.care.models import CareRecord, CareRecordChange
from guanai.care.services import RecordInvalid
from guanai.children.consent.services import consent_record
from guanai.children.models import ChildChange
from guanai.core.errors import ApplicationError

PAST = date(2024, 3, 1)


def create(user, child, **values):
    return services.record_create(
        user=user, child_id=child.pk, values={"kind": "home_visit", "occurred_on": PAST, **values}
    )


def refused(user, child, **values) -> dict[str, str]:
    with pytest.raises(RecordInvalid) as caught:
        create(user, child, **values)
    return caught.value.errors


def counselling_consent(user, child) -> None:
    consent_record(
        user=user,
        child_id=child.pk,
        purpose="counselling",
        given_by="张奶奶",
        relationship="grandmother",
        given_on=date(2024, 1, 1),
        method="written",
    )


def assign_counsellor(cast, child) -> None:
    services.assignment_add(
        user=cast["school_admin"],
        child_id=child.pk,
        assignee_id=cast["counsellor"].pk,
        kind="counsellor",
    )


def test_a_record_dated_in_the_future_or_before_birth_is_refused(kids, cast):
    director, child = cast["village_director"], kids.village
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert set(refused(director, child, occurred_on=tomorrow)) == {"occurred_on"}
    assert set(refused(director, child, occurred_on=child.birth_date - timedelta(days=1))) == {
        "occurred_on"
    }
    assert set(refused(director, child, occurred_on=None)) == {"occurred_on"}
    create(director, child, occurred_on=timezone.localdate())  # today is fine
    create(director, child, occurred_on=child.birth_date)
    assert not CareRecord.objects.filter(occurred_on=tomorrow).exists()


def test_methods_follow_the_kind(kids, cast):
    director, child = cast["village_director"], kids.village
    assert set(refused(director, child, method="parents_meeting")) == {"method"}
    assert set(refused(director, child, kind="parent_contact", method="in_person")) == {"method"}
    create(director, child, kind="guardian_contact", method="parents_meeting")
    create(director, child, kind="parent_contact", method="video")
    # No method given: in person, which a parent–child contact cannot be.
    assert set(refused(director, child, kind="parent_contact")) == {"method"}


def test_caller_and_duration_only_for_a_parent_contact(kids, cast):
    director, child = cast["village_director"], kids.village
    assert set(refused(director, child, duration_minutes=10)) == {"caller"}
    assert set(refused(director, child, caller="parent")) == {"caller"}
    assert "duration_minutes" in refused(
        director, child, kind="parent_contact", method="phone", duration_minutes=0
    )
    assert "duration_minutes" in refused(
        director, child, kind="parent_contact", method="phone", duration_minutes=601
    )
    record = create(
        director, child, kind="parent_contact", method="phone", caller="child", duration_minutes=600
    )
    assert (record.caller, record.duration_minutes) == ("child", 600)


def test_assistance_needs_items_or_an_amount_and_only_assistance_has_them(kids, cast):
    director, child = cast["village_director"], kids.village
    assert set(refused(director, child, kind="assistance")) == {"items"}
    assert set(refused(director, child, kind="assistance", items="   ")) == {"items"}
    assert "amount_yuan" in refused(director, child, kind="assistance", amount_yuan=Decimal("-1"))
    assert set(refused(director, child, items="书包")) == {"items"}
    assert set(refused(director, child, amount_yuan=Decimal("100"))) == {"items"}
    create(director, child, kind="assistance", items="书包")
    create(director, child, kind="assistance", amount_yuan=Decimal("0"))
    create(director, child, kind="assistance", amount_yuan=Decimal("500.50"))


def test_a_follow_up_date_needs_what_to_follow_up_and_not_before_the_record(kids, cast):
    director, child = cast["village_director"], kids.village
    assert set(refused(director, child, follow_up_by=PAST)) == {"follow_up"}
    assert set(refused(director, child, follow_up="   ", follow_up_by=PAST)) == {"follow_up"}
    assert set(
        refused(director, child, follow_up="再访", follow_up_by=PAST - timedelta(days=1))
    ) == {"follow_up_by"}
    record = create(director, child, follow_up="再访", follow_up_by=PAST)
    assert record.follow_up_by == PAST
    # A follow-up without a date is a note, not a task.
    create(director, child, follow_up="留意")


def test_an_unknown_kind_or_concern_is_refused(kids, cast):
    director, child = cast["village_director"], kids.village
    assert set(refused(director, child, kind="party")) == {"kind"}
    assert set(refused(director, child, concerns=["academic", "nonsense"])) == {"concerns"}
    record = create(director, child, concerns=["safety", "academic", "safety"])
    assert record.concerns == ["academic", "safety"]


def _age(record: CareRecord, days: int) -> None:
    CareRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_the_author_corrects_or_deletes_for_seven_days_then_the_record_is_locked(kids, cast):
    director, child = cast["village_director"], kids.village
    record = create(director, child, found="初稿")
    _age(record, 6)
    services.record_correct(user=director, record_id=record.pk, values={"found": "改过"})
    assert CareRecord.objects.get(pk=record.pk).found == "改过"
    _age(record, 8)
    with pytest.raises(ApplicationError, match="已锁定"):
        services.record_correct(user=director, record_id=record.pk, values={"found": "再改"})
    with pytest.raises(ApplicationError, match="已锁定"):
        services.record_delete(user=director, record_id=record.pk)
    assert CareRecord.objects.get(pk=record.pk).found == "改过"
    # Locked: corrected by a new record pointing at it.
    correction = services.record_create(
        user=director,
        child_id=child.pk,
        values={"kind": "home_visit", "occurred_on": PAST, "found": "更正"},
        corrects_id=record.pk,
    )
    assert correction.corrects == record


def test_only_the_author_corrects_or_deletes(kids, cast):
    child = kids.village
    record = create(cast["village_director"], child)
    for other in (cast["township_supervisor"], cast["county_admin"], cast["teacher"]):
        with pytest.raises(ApplicationError, match="已锁定"):
            services.record_correct(user=other, record_id=record.pk, values={"found": "x"})
        with pytest.raises(ApplicationError, match="已锁定"):
            services.record_delete(user=other, record_id=record.pk)
    # Someone who does not see the child does not even find the record.
    with pytest.raises(Http404):
        services.record_delete(user=cast["counsellor"], record_id=record.pk)
    assert CareRecord.objects.filter(pk=record.pk).exists()


def test_a_correction_is_checked_by_the_same_rules(kids, cast):
    director, child = cast["village_director"], kids.village
    record = create(director, child)
    with pytest.raises(RecordInvalid) as caught:
        services.record_correct(
            user=director,
            record_id=record.pk,
            values={"occurred_on": timezone.localdate() + timedelta(days=1)},
        )
    assert set(caught.value.errors) == {"occurred_on"}
    with pytest.raises(RecordInvalid):
        services.record_correct(
            user=director, record_id=record.pk, values={"method": "parents_meeting"}
        )
    assert CareRecord.objects.get(pk=record.pk).occurred_on == PAST


def history(record_id: int) -> list[tuple[str, list[dict]]]:
    return [
        (c.kind, json.loads(c.changes))
        for c in CareRecordChange.objects.filter(record_id=record_id).order_by("at", "pk")
    ]


def test_every_change_of_a_record_is_in_its_history_with_old_and_new(kids, cast):
    director, child = cast["village_director"], kids.village
    record = create(director, child, found="奶奶腿脚不便", follow_up="送药", follow_up_by=PAST)
    services.record_correct(
        user=director,
        record_id=record.pk,
        values={"found": "奶奶腿脚不便，已就医", "occurred_on": PAST - timedelta(days=1)},
    )
    services.follow_up_done(user=director, record_id=record.pk, on=PAST)
    services.record_delete(user=director, record_id=record.pk)
    rows = history(record.pk)
    assert [kind for kind, _changes in rows] == ["created", "corrected", "followed_up", "deleted"]
    created = {c["field"]: (c["old"], c["new"]) for c in rows[0][1]}
    assert created["found"] == ("", "奶奶腿脚不便")
    assert created["kind"] == ("", "入户走访")
    assert created["occurred_on"] == ("", "2024-03-01")
    corrected = {c["field"]: (c["old"], c["new"]) for c in rows[1][1]}
    assert corrected == {
        "found": ("奶奶腿脚不便", "奶奶腿脚不便，已就医"),
        "occurred_on": ("2024-03-01", "2024-02-29"),
    }
    assert rows[2][1] == [{"field": "follow_up_done_on", "old": "", "new": "2024-03-01"}]
    deleted = {c["field"]: (c["old"], c["new"]) for c in rows[3][1]}
    assert deleted["found"] == ("奶奶腿脚不便，已就医", "")
    assert deleted["follow_up"] == ("送药", "")
    assert not CareRecord.objects.filter(pk=record.pk).exists()
    change = CareRecordChange.objects.filter(record_id=record.pk).first()
    assert change.child == child
    assert change.by == director
    assert change.record_kind == "home_visit"


def test_a_follow_up_is_done_once_between_the_record_and_today(kids, cast):
    director, child = cast["village_director"], kids.village
    plain = create(director, child)
    with pytest.raises(ApplicationError, match="没有跟进事项"):
        services.follow_up_done(user=director, record_id=plain.pk)
    record = create(director, child, follow_up="送药", follow_up_by=PAST)
    with pytest.raises(ApplicationError):
        services.follow_up_done(user=director, record_id=record.pk, on=PAST - timedelta(days=1))
    with pytest.raises(ApplicationError):
        services.follow_up_done(
            user=director, record_id=record.pk, on=timezone.localdate() + timedelta(days=1)
        )
    done = services.follow_up_done(user=cast["teacher"], record_id=record.pk, on=PAST)
    assert (done.follow_up_done_on, done.follow_up_done_by) == (PAST, cast["teacher"])
    with pytest.raises(ApplicationError, match="已经完成"):
        services.follow_up_done(user=director, record_id=record.pk)


COUNSELLING = {"kind": "counselling", "found": "情绪低落，想念妈妈"}


def test_counselling_needs_the_guardians_consent(kids, cast):
    child = kids.village
    assign_counsellor(cast, child)
    with pytest.raises(ApplicationError) as caught:
        create(cast["counsellor"], child, **COUNSELLING)
    assert caught.value.message == "未取得监护人同意，不能进行心理辅导记录。"
    assert not CareRecord.objects.filter(kind="counselling").exists()
    counselling_consent(cast["village_director"], child)
    record = create(cast["counsellor"], child, **COUNSELLING)
    assert record.is_confidential
    assert record.found == "情绪低落，想念妈妈"


def test_counselling_is_written_only_by_the_childs_counsellors_or_the_county(kids, cast):
    child = kids.village
    counselling_consent(cast["village_director"], child)
    # The responsible teacher, the director, the school: not even with consent.
    for user in (cast["teacher"], cast["village_director"], cast["school_admin"]):
        with pytest.raises(RecordInvalid) as caught:
            create(user, child, **COUNSELLING)
        assert set(caught.value.errors) == {"kind"}
    # A counsellor of the school not assigned to the child does not see the child.
    with pytest.raises(Http404):
        create(cast["counsellor"], child, **COUNSELLING)
    assign_counsellor(cast, child)
    create(cast["counsellor"], child, **COUNSELLING)
    create(cast["county_admin"], child, **COUNSELLING)
    # Correcting another kind into counselling is held to the same rule.
    record = create(cast["teacher"], child, kind="tutoring")
    with pytest.raises(RecordInvalid):
        services.record_correct(user=cast["teacher"], record_id=record.pk, values=COUNSELLING)
    assert CareRecord.objects.filter(kind="counselling").count() == 2


def test_a_counselling_session_updates_the_risk_level_and_concerns_in_the_files_history(kids, cast):
    child = kids.village
    assign_counsellor(cast, child)
    counselling_consent(cast["village_director"], child)
    record = create(cast["counsellor"], child, **COUNSELLING)
    services.risk_update_from_session(
        user=cast["counsellor"],
        record=record,
        risk_level="high",
        concerns=["psychological", "affection"],
    )
    child.refresh_from_db()
    assert (child.risk_level, child.concerns) == ("high", ["affection", "psychological"])
    change = ChildChange.objects.filter(child=child).order_by("-at", "-pk").first()
    assert change.by == cast["counsellor"]
    assert change.kind == "updated"
    assert change.comment == "心理辅导后更新（2024-03-01）"
    fields = {c["field"] for c in change.changes}
    assert fields == {"risk_level", "concerns"}
    # Nothing changed: no entry.
    entries = ChildChange.objects.filter(child=child).count()
    services.risk_update_from_session(
        user=cast["counsellor"], record=record, risk_level="high", concerns=None
    )
    assert ChildChange.objects.filter(child=child).count() == entries
    with pytest.raises(RecordInvalid):
        services.risk_update_from_session(
            user=cast["counsellor"], record=record, risk_level="extreme", concerns=None
        )
    # Only from a counselling record, and only by who reads its notes.
    with pytest.raises(Http404):
        services.risk_update_from_session(
            user=cast["teacher"], record=record, risk_level="low", concerns=None
        )
    visit = create(cast["village_director"], child)
    with pytest.raises(Http404):
        services.risk_update_from_session(
            user=cast["counsellor"], record=visit, risk_level="low", concerns=None
        )
    child.refresh_from_db()
    assert child.risk_level == "high"
