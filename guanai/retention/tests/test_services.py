from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from conftest import consent_and_photo, make_child, make_id_number
from guanai.children.anonymise import ANONYMISED_NAME
from guanai.children.idnumber import id_index
from guanai.children.models import Child, ChildChange, ChildConsent, ChildPhoto, Grandparent, Person
from guanai.children.services import child_create, child_exit, child_review, child_update
from guanai.retention.models import RetentionPolicy
from guanai.retention.selectors import Reason, months_before
from guanai.retention.services import anonymise_expired, retention_daily
from guanai.retention.tests.helpers import figures

ON = date(2026, 6, 15)
YEAR_END = date(2025, 12, 31)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def exited(village, *, months_ago: int, name: str = "陈小红", **fields) -> Child:
    """A child who left the roster `months_ago` months before ON (to the day), the exit
    recorded that day and approved (make_child's files are)."""
    exited_on = months_before(ON, months_ago)
    recorded = datetime.combine(exited_on, time(10), tzinfo=SHANGHAI)
    child = make_child(
        village,
        name=name,
        status="exited",
        exit_reason="with_parents",
        exited_on=exited_on,
        exit_note="随父母去广州，住天河区",
        exit_recorded_at=recorded,
        **fields,
    )
    ChildChange.objects.create(
        child=child,
        at=recorded,
        kind=ChildChange.Kind.EXITED,
        comment="随父母去广州，住天河区",
        changes=[{"field": "exit_note", "old": "", "new": "随父母去广州，住天河区"}],
    )
    return child


def snapshot(child: Child) -> dict[str, object]:
    child.refresh_from_db()
    values = {f.attname: getattr(child, f.attname) for f in Child._meta.concrete_fields}
    values.pop("updated_at")
    return values


def test_an_exited_child_past_the_period_is_anonymised(places, cast):
    child = exited(
        places.village,
        months_ago=36,
        school=places.school,
        id_number=make_id_number(sequence=51),
        address="东河镇长滩村三组12号",
        illness="先天性心脏病",
        class_name="三班",
        grade="四年级",
        review_comment="请补充监护人电话",
        concerns=",safety,",
    )
    grandmother = Person.objects.create(name="陈奶奶", phone="13600004444")
    Grandparent.objects.create(child=child, person=grandmother, relationship="grandmother")
    ChildChange.objects.create(
        child=child,
        kind=ChildChange.Kind.UPDATED,
        changes=[{"field": "name", "old": "陈小", "new": "陈小红", "old_display": "陈小"}],
    )
    family = [child.father_id, child.mother_id, child.guardian_id, grandmother.pk]

    run = anonymise_expired(on=ON)

    assert (run.due, run.anonymised, run.by_reason[Reason.EXIT]) == (1, 1, 1)
    assert run.family_deleted == 4
    child.refresh_from_db()
    assert child.anonymised_at is not None
    assert child.name == ANONYMISED_NAME
    assert (child.name_initials, child.name_pinyin) == ("", "")
    assert (child.id_number, child.id_number_index) == ("", "")
    assert child.birth_date == date(2015, 1, 1)
    assert (child.address, child.illness, child.class_name) == ("", "", "")
    assert (child.exit_note, child.review_comment) == ("", "")
    assert (child.father, child.mother, child.guardian) == (None, None, None)
    assert not Grandparent.objects.filter(child=child).exists()
    assert not Person.objects.filter(pk__in=family).exists()
    # What statistics count stays.
    assert (child.gender, child.village_id, child.school_id) == (
        "male",
        places.village.code,
        places.school.pk,
    )
    assert (child.schooling, child.grade, child.guardianship_type) == (
        "primary",
        "四年级",
        "grandparent",
    )
    assert (child.status, child.exit_reason) == ("exited", "with_parents")
    assert child.exited_on == months_before(ON, 36)
    assert child.parents_away_2016
    assert child.parent_away
    assert child.concerns == ["safety"]
    # The history keeps which fields changed, not the values; the anonymisation is noted
    # with the period that ran out and nothing about the child.
    history = {entry.kind: entry for entry in ChildChange.objects.filter(child=child)}
    assert history[ChildChange.Kind.UPDATED].changes == [{"field": "name"}]
    assert history[ChildChange.Kind.EXITED].comment == ""
    assert history[ChildChange.Kind.EXITED].changes == [{"field": "exit_note"}]
    note = history[ChildChange.Kind.ANONYMISED]
    assert note.changes == []
    assert note.by is None
    assert "36" in note.comment
    assert "陈" not in str(
        ChildChange.objects.filter(child=child).values_list("changes", "comment")
    )


def test_a_child_within_the_period_is_untouched(places):
    child = exited(places.village, months_ago=35, id_number=make_id_number(sequence=52))
    before = snapshot(child)
    history = list(ChildChange.objects.filter(child=child).values_list("changes", "comment"))

    run = anonymise_expired(on=ON)

    assert (run.due, run.anonymised) == (0, 0)
    assert snapshot(child) == before
    assert (
        list(ChildChange.objects.filter(child=child).values_list("changes", "comment")) == history
    )
    assert Person.objects.filter(pk=child.father_id).exists()


def test_the_period_ends_on_the_same_day_of_the_month(places):
    # Exited on 31 January: 36 months run out at the end of February three years on.
    assert months_before(date(2026, 2, 28), 36) == date(2023, 2, 28)
    assert months_before(date(2024, 2, 29), 1) == date(2024, 1, 29)
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)


def test_the_county_s_own_period_applies(places, cast):
    RetentionPolicy.objects.create(
        county=places.county, months_after_exit=12, months_after_adulthood=6
    )
    ours = exited(places.village, months_ago=12, name="王一")
    not_yet = exited(places.sibling_village, months_ago=11, name="王二")
    # The neighbouring county keeps the defaults: 12 months is not yet 36.
    theirs = exited(places.other_county_village, months_ago=12, name="王三")
    theirs_due = exited(places.other_county_village, months_ago=36, name="王四")

    run = anonymise_expired(on=ON)

    anonymised = set(Child.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True))
    assert anonymised == {ours.pk, theirs_due.pk}
    assert run.by_county == {"510821": 1, "510822": 1}
    assert not_yet.pk not in anonymised
    assert theirs.pk not in anonymised
    note = ChildChange.objects.get(child=ours, kind=ChildChange.Kind.ANONYMISED)
    assert "12" in note.comment


def test_one_county_at_a_time(places):
    ours = exited(places.village, months_ago=40, name="王一")
    theirs = exited(places.other_county_village, months_ago=40, name="王三")

    run = anonymise_expired(on=ON, county=places.other_county)

    assert run.anonymised == 1
    assert Child.objects.get(pk=theirs.pk).anonymised_at is not None
    assert Child.objects.get(pk=ours.pk).anonymised_at is None


def test_turning_18_counts_from_the_birthday(places):
    # 18 on 15 June 2025, so the default 12 months run out on ON.
    due = make_child(places.village, name="刘成年", birth_date=date(2007, 6, 15))
    a_day_short = make_child(places.village, name="刘晚一天", birth_date=date(2007, 6, 16))

    run = anonymise_expired(on=ON)

    assert (run.anonymised, run.by_reason[Reason.ADULTHOOD]) == (1, 1)
    due.refresh_from_db()
    a_day_short.refresh_from_db()
    assert due.anonymised_at is not None
    assert due.birth_date == date(2007, 1, 1)
    # Still active: the roster's status is a fact statistics count, not changed here.
    assert due.status == "active"
    assert a_day_short.anonymised_at is None
    assert a_day_short.name == "刘晚一天"
    note = ChildChange.objects.get(child=due, kind=ChildChange.Kind.ANONYMISED)
    assert "18" in note.comment


def test_a_dry_run_changes_nothing(places):
    child = exited(places.village, months_ago=48, id_number=make_id_number(sequence=53))
    adult = make_child(places.sibling_village, name="刘成年", birth_date=date(2000, 1, 1))
    before = [snapshot(child), snapshot(adult)]
    persons, changes = Person.objects.count(), ChildChange.objects.count()

    run = anonymise_expired(on=ON, dry_run=True)

    assert run.due == 2
    assert run.anonymised == 0
    assert run.by_reason == {Reason.EXIT: 1, Reason.ADULTHOOD: 1}
    assert [snapshot(child), snapshot(adult)] == before
    assert (Person.objects.count(), ChildChange.objects.count()) == (persons, changes)


def test_a_family_member_shared_with_a_child_still_kept_stays(places):
    leaver = exited(places.village, months_ago=40, name="周大")
    sibling = make_child(places.village, name="周小")
    father = leaver.father
    # The younger sibling shares the father, and the leaver's guardian is the sibling's
    # grandmother too.
    Child.objects.filter(pk=sibling.pk).update(father=father)
    Grandparent.objects.create(child=sibling, person=leaver.guardian, relationship="grandmother")
    own_mother = leaver.mother_id

    run = anonymise_expired(on=ON)

    assert run.anonymised == 1
    assert (run.family_deleted, run.family_kept) == (1, 2)
    father.refresh_from_db()
    assert (father.name, father.phone) == ("周父", "13800001111")
    sibling.refresh_from_db()
    assert sibling.father_id == father.pk
    assert sibling.anonymised_at is None
    assert sibling.grandparent_links.get().person_id == leaver.guardian_id
    assert not Person.objects.filter(pk=own_mother).exists()
    # Once the sibling's period runs out too, the father goes with them.
    Child.objects.filter(pk=sibling.pk).update(birth_date=date(2000, 1, 1))
    anonymise_expired(on=ON)
    assert not Person.objects.filter(pk=father.pk).exists()


def test_running_twice_changes_nothing_more(places):
    child = exited(places.village, months_ago=40, id_number=make_id_number(sequence=54))
    anonymise_expired(on=ON)
    after_first = snapshot(child)
    entries = ChildChange.objects.count()

    run = anonymise_expired(on=ON)

    assert (run.due, run.anonymised) == (0, 0)
    assert snapshot(child) == after_first
    assert ChildChange.objects.count() == entries


def test_many_children_go_in_batches_with_progress(places):
    children = [exited(places.village, months_ago=40, name=f"吴{i}") for i in range(5)]
    seen = []

    run = anonymise_expired(
        on=ON, batch_size=2, progress=lambda done, total: seen.append((done, total))
    )

    assert run.anonymised == 5
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert not Child.objects.filter(pk__in=[c.pk for c in children], anonymised_at=None).exists()


def test_a_dry_run_counts_every_batch(places):
    for i in range(5):
        exited(places.village, months_ago=40, name=f"吴{i}")

    run = anonymise_expired(on=ON, dry_run=True, batch_size=2)

    assert run.due == 5
    assert sum(run.by_reason.values()) == 5


def test_consents_and_the_photo_go(places, cast):
    child = exited(places.village, months_ago=40)
    consent_and_photo(cast["village_director"], child.pk)

    anonymise_expired(on=ON)

    assert not ChildConsent.objects.filter(child=child).exists()
    assert not ChildPhoto.objects.filter(child=child).exists()


def test_an_anonymised_id_number_can_be_registered_again(places, cast):
    number = make_id_number(sequence=55)
    old = exited(places.village, months_ago=40, id_number=number)
    anonymise_expired(on=ON)

    # The child comes back: registered as new, nothing of the old file attached to them.
    child = child_create(
        user=cast["village_director"],
        data={
            "name": "陈小红",
            "gender": "male",
            "birth_date": date(2015, 3, 5),
            "id_number": number,
            "village": places.village,
        },
        family={},
    )

    assert child.pk != old.pk
    assert Child.objects.get(id_number_index=id_index(number)) == child
    old.refresh_from_db()
    assert (old.name, old.id_number) == (ANONYMISED_NAME, "")


@pytest.mark.parametrize("role", ["county_admin", "auditor", "system_admin"])
def test_statistics_keep_working_from_the_anonymised_rows(places, cast, kids, role):
    exited(places.village, months_ago=40, school=places.school, name="陈一")
    exited(places.other_township_village, months_ago=60, name="陈二", gender="female")
    make_child(places.sibling_village, name="刘成年", birth_date=date(2006, 5, 1))
    before = figures(cast[role], year_end=YEAR_END)

    run = anonymise_expired(on=ON)

    assert run.anonymised == 3
    assert figures(cast[role], year_end=YEAR_END) == before


def test_siblings_anonymised_in_different_batches_leave_no_family_behind(places):
    elder = exited(places.village, months_ago=40, name="郑大")
    younger = exited(places.village, months_ago=40, name="郑小")
    Person.objects.filter(pk__in=[younger.father_id, younger.mother_id]).delete()
    Child.objects.filter(pk=younger.pk).update(father=elder.father, mother=elder.mother)
    persons = {elder.father_id, elder.mother_id, elder.guardian_id, younger.guardian_id}

    run = anonymise_expired(on=ON, batch_size=1)

    assert run.anonymised == 2
    assert run.family_kept == 0
    assert run.family_deleted == len(persons)
    assert not Person.objects.filter(pk__in=persons).exists()


def test_the_run_is_logged_with_counts_and_nothing_that_names_a_child(places, caplog):
    exited(places.village, months_ago=40, name="欧阳小慧")
    with caplog.at_level("INFO", logger="guanai.retention.services"):
        anonymise_expired(on=ON)
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "1 children anonymised" in logged
    assert "欧阳小慧" not in logged


# --- exits: approved, and given time to be noticed ---------------------------------------------

# Born 5 March 2015 (make_child), registered in the summer of that year.
REGISTERED = datetime(2015, 6, 1, 10, 0, tzinfo=SHANGHAI)


def exit_now(user, child: Child, *, on: date, note: str = "") -> None:
    child_exit(user=user, child_id=child.pk, reason="moved", on=on, note=note)


def test_an_approved_exit_recorded_today_waits_30_days_whatever_date_was_typed(places, cast):
    today = timezone.localdate()
    child = make_child(places.village, created_at=REGISTERED)
    # The county admin's own exit is approved at once; the date typed is ten years back.
    exit_now(cast["county_admin"], child, on=today.replace(year=today.year - 10))
    child.refresh_from_db()
    assert child.review_state == "approved"

    for days in (0, 29):
        run = anonymise_expired(on=today + timedelta(days=days))
        assert (run.due, run.anonymised) == (0, 0)
    child.refresh_from_db()
    assert child.anonymised_at is None

    run = anonymise_expired(on=today + timedelta(days=30))
    assert (run.anonymised, run.by_reason[Reason.EXIT]) == (1, 1)


@pytest.mark.parametrize("review", ["pending", "returned"])
def test_an_exit_not_approved_is_never_anonymised(review, places, cast):
    today = timezone.localdate()
    child = make_child(places.village, created_at=REGISTERED)
    exit_now(cast["village_director"], child, on=date(2016, 1, 1))
    if review == "returned":
        child_review(
            user=cast["township_supervisor"], child_id=child.pk, approve=False, comment="核实"
        )
    two_years_on = today.replace(year=today.year + 2)

    assert anonymise_expired(on=two_years_on).anonymised == 0
    child.refresh_from_db()
    assert child.anonymised_at is None
    assert child.review_state == review

    child_review(user=cast["county_admin"], child_id=child.pk, approve=True)
    assert anonymise_expired(on=two_years_on).anonymised == 1


def test_the_anonymised_file_keeps_the_evidence_of_the_exit(places, cast):
    today = timezone.localdate()
    child = make_child(places.village, created_at=REGISTERED)
    exit_now(cast["village_director"], child, on=date(2016, 1, 1), note="随父母去广州天河区")
    child_review(user=cast["township_supervisor"], child_id=child.pk, approve=True)
    child.refresh_from_db()
    recorded_at = child.exit_recorded_at

    assert anonymise_expired(on=today + timedelta(days=31)).anonymised == 1

    child.refresh_from_db()
    assert child.name == ANONYMISED_NAME
    # The row: what was typed, when it was recorded, who approved it.
    assert (child.exited_on, child.exit_reason) == (date(2016, 1, 1), "moved")
    assert child.exit_recorded_at == recorded_at
    assert child.reviewed_by == cast["township_supervisor"]
    # The history: who recorded the exit, when, and the date they typed; not the note.
    entry = child.changes.get(kind=ChildChange.Kind.EXITED)
    assert (entry.by, entry.at) == (cast["village_director"], recorded_at)
    kept = {c["field"]: c.get("new") for c in entry.changes}
    assert kept == {
        "status": "exited",
        "exit_reason": "moved",
        "exited_on": "2016-01-01",
        "exit_note": None,
    }
    assert child.changes.get(kind=ChildChange.Kind.APPROVED).by == cast["township_supervisor"]
    assert "天河" not in str(ChildChange.objects.values_list("changes", "comment"))


# --- family members left without a child ---------------------------------------------------


def test_the_daily_run_deletes_family_members_no_child_refers_to(places):
    child = make_child(places.village)
    orphan = Person.objects.create(name="孤立", phone="13600008888")

    run = retention_daily()

    assert run.orphans_deleted == 1
    assert run.as_dict()["orphans_deleted"] == 1
    assert not Person.objects.filter(pk=orphan.pk).exists()
    assert Person.objects.filter(pk__in=[child.father_id, child.guardian_id]).count() == 2


def test_a_birth_date_changed_by_a_village_waits_for_review_before_it_counts(places, cast):
    child = make_child(places.village, name="刘改生日", birth_date=date(2014, 3, 3))
    # Born in the year 18 years back: still registrable (children.rules), and past the
    # period after adulthood two years on.
    this_year = timezone.localdate().year
    child_update(
        user=cast["village_director"],
        child_id=child.pk,
        data={"birth_date": date(this_year - 18, 3, 3)},
    )
    child.refresh_from_db()
    assert child.review_state == "pending"
    later = date(this_year + 2, 6, 15)

    assert anonymise_expired(on=later).anonymised == 0
    child.refresh_from_db()
    assert (child.anonymised_at, child.name) == (None, "刘改生日")

    child_review(user=cast["township_supervisor"], child_id=child.pk, approve=True)
    assert anonymise_expired(on=later).anonymised == 1
