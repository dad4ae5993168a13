"""Who sees which care records and children: 404 out of scope, counselling notes for the
child's counsellors and county only, a helper's login for its current pairings only,
mentors and counsellors while assigned; pairing only after a clear background check."""

from datetime import date, timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from conftest import make_child, make_user
from guanai.accounts.scope import ChildAccess
from guanai.care import selectors, services
from guanai.care.models import Assignment, CareRecord, Helper, Pairing
from guanai.children.consent.services import consent_record
from guanai.children.selectors import children_visible_to
from guanai.core.errors import ApplicationError

PAST = date(2024, 3, 1)


def visit(user, child, **values):
    return services.record_create(
        user=user,
        child_id=child.pk,
        values={"kind": "home_visit", "occurred_on": PAST, **values},
    )


def sees(user, child, access=ChildAccess.VIEW) -> bool:
    return children_visible_to(user, access=access).filter(pk=child.pk).exists()


def helper(cast, places, *, kind="volunteer", user=None, checked_on=None, result="clear"):
    director = cast["village_director"]
    made = services.helper_save(
        user=director,
        values={"kind": kind, "name": "志愿者小王", "area": places.village, "phone": "13600001111"},
    )
    if user is not None:
        Helper.objects.filter(pk=made.pk).update(user=user)
        made.refresh_from_db()
    if checked_on is not None:
        services.check_record(
            user=director, helper_id=made.pk, checked_on=checked_on, result=result
        )
    return made


def pair(cast, made: Helper, child, started_on=None) -> Pairing:
    return services.pairing_create(
        user=cast["village_director"],
        helper_id=made.pk,
        child_id=child.pk,
        started_on=started_on or timezone.localdate(),
    )


def test_a_record_of_a_child_out_of_scope_is_not_found(places, kids, cast):
    record = visit(cast["village_director"], kids.village)
    other_director = make_user("sixin", role="village_director", area=places.sibling_village)
    with pytest.raises(Http404):
        selectors.record_get_for_user(other_director, record.pk)
    with pytest.raises(Http404):
        selectors.record_get_for_user(cast["village_director"], 10**9)
    # The teacher sees the child assigned to them, not a classmate assigned to nobody.
    assert selectors.record_get_for_user(cast["teacher"], record.pk) == record
    classmate = make_child(places.village, name="班同学", school=places.school)
    other = visit(cast["village_director"], classmate)
    for user in (cast["teacher"], cast["counsellor"], cast["volunteer"], cast["auditor"]):
        with pytest.raises(Http404):
            selectors.record_get_for_user(user, other.pk)
    with pytest.raises(Http404):
        services.record_correct(user=other_director, record_id=record.pk, values={"found": "x"})
    assert selectors.record_get_for_user(cast["county_admin"], other.pk) == other


def test_counselling_notes_are_for_the_childs_counsellors_and_its_county_admin(places, kids, cast):
    child = kids.village
    other_county_admin = make_user("qingchuan", role="county_admin", area=places.other_county)
    assert selectors.notes_visible(cast["county_admin"], child)
    assert not selectors.notes_visible(other_county_admin, child)
    assert selectors.notes_visible(other_county_admin, kids.other_county)
    for user in (
        cast["system_admin"],
        cast["teacher"],
        cast["counsellor"],  # not assigned
        cast["village_director"],
        cast["township_supervisor"],
        cast["county_education"],
        cast["league"],
        cast["school_admin"],
    ):
        assert not selectors.notes_visible(user, child), user
    assignment = services.assignment_add(
        user=cast["school_admin"],
        child_id=child.pk,
        assignee_id=cast["counsellor"].pk,
        kind="counsellor",
    )
    assert selectors.notes_visible(cast["counsellor"], child)
    assert not selectors.notes_visible(cast["counsellor"], kids.sibling_village)
    # A mentor is not a counsellor.
    services.assignment_add(
        user=cast["school_admin"], child_id=child.pk, assignee_id=cast["teacher"].pk, kind="mentor"
    )
    assert not selectors.notes_visible(cast["teacher"], child)
    services.assignment_end(user=cast["school_admin"], assignment_id=assignment.pk)
    assert not selectors.notes_visible(cast["counsellor"], child)
    kinds = {k for k, _label in selectors.record_kinds_for(cast["county_admin"], child)}
    assert "counselling" in kinds
    kinds = {k for k, _label in selectors.record_kinds_for(cast["teacher"], child)}
    assert "counselling" not in kinds


def test_a_mentor_or_counsellor_sees_the_child_while_assigned_and_at_their_school(
    places, kids, cast
):
    teacher, counsellor = cast["teacher"], cast["counsellor"]
    pupil = make_child(places.village, name="陈学生", school=places.school)
    assert not sees(teacher, pupil)
    assert not sees(counsellor, pupil)
    mentor = services.assignment_add(
        user=cast["school_admin"], child_id=pupil.pk, assignee_id=teacher.pk, kind="mentor"
    )
    counselling = services.assignment_add(
        user=cast["school_admin"], child_id=pupil.pk, assignee_id=counsellor.pk, kind="counsellor"
    )
    assert sees(teacher, pupil)
    assert sees(counsellor, pupil)
    assert pupil in selectors.my_children(teacher)
    assert not sees(teacher, pupil, ChildAccess.EDIT)
    services.assignment_end(user=cast["school_admin"], assignment_id=mentor.pk)
    assert not sees(teacher, pupil)
    assert sees(counsellor, pupil)
    assert pupil not in selectors.my_children(teacher)
    # The pupil moves to another school: the counsellor's assignment gives nothing there.
    pupil.school = places.other_township_school
    pupil.save(update_fields=["school"])
    assert not sees(counsellor, pupil)
    # The old school's admin no longer reaches the child to end the assignment; the
    # county does.
    with pytest.raises(Http404):
        services.assignment_end(user=cast["school_admin"], assignment_id=counselling.pk)
    services.assignment_end(user=cast["county_admin"], assignment_id=counselling.pk)
    # An assignment to a child of another school is refused, and one written anyway
    # shows nothing.
    with pytest.raises(ApplicationError):
        services.assignment_add(
            user=cast["county_admin"],
            child_id=kids.other_township.pk,
            assignee_id=teacher.pk,
            kind="mentor",
        )
    Assignment.objects.create(child=kids.other_township, user=teacher, kind="mentor")
    assert not sees(teacher, kids.other_township)


def test_a_volunteer_sees_only_the_children_paired_with_them_now(places, kids, cast):
    volunteer = cast["volunteer"]
    today = timezone.localdate()
    made = helper(cast, places, user=volunteer, checked_on=today - timedelta(days=30))
    neighbour = make_child(places.village, name="邻家孩子")
    assert not sees(volunteer, kids.village, ChildAccess.PAIRED)
    pairing = pair(cast, made, kids.village)
    assert sees(volunteer, kids.village, ChildAccess.PAIRED)
    assert not sees(volunteer, neighbour, ChildAccess.PAIRED)
    assert not sees(volunteer, kids.village)  # never the whole file
    assert [p.child for p in selectors.paired_children(volunteer)] == [kids.village]
    assert selectors.child_for_care(volunteer, kids.village.pk) == kids.village
    with pytest.raises(Http404):
        selectors.child_for_care(volunteer, neighbour.pk)
    # Ended today is ended.
    Pairing.objects.filter(pk=pairing.pk).update(ended_on=today, end_reason="finished")
    assert not sees(volunteer, kids.village, ChildAccess.PAIRED)
    assert selectors.paired_children(volunteer).count() == 0
    # Ending tomorrow: still paired today.
    Pairing.objects.filter(pk=pairing.pk).update(ended_on=today + timedelta(days=1))
    assert sees(volunteer, kids.village, ChildAccess.PAIRED)
    # Starting tomorrow: not yet.
    Pairing.objects.filter(pk=pairing.pk).update(
        started_on=today + timedelta(days=1), ended_on=None
    )
    assert not sees(volunteer, kids.village, ChildAccess.PAIRED)
    Pairing.objects.filter(pk=pairing.pk).update(started_on=today)
    assert sees(volunteer, kids.village, ChildAccess.PAIRED)
    # A child paired but living outside the volunteer's village: not theirs to see.
    Pairing.objects.create(helper=made, child=kids.sibling_village, started_on=today)
    assert not sees(volunteer, kids.sibling_village, ChildAccess.PAIRED)
    # Another helper's login sees nothing of this pairing.
    other = make_user("志愿者乙", role="volunteer", area=places.village)
    assert not sees(other, kids.village, ChildAccess.PAIRED)


def test_a_volunteer_reads_and_writes_only_their_own_records(places, kids, cast):
    volunteer, director, child = cast["volunteer"], cast["village_director"], kids.village
    today = timezone.localdate()
    made = helper(cast, places, user=volunteer, checked_on=today - timedelta(days=1))
    pair(cast, made, child, started_on=today - timedelta(days=10))
    theirs = services.record_create(
        user=volunteer,
        child_id=child.pk,
        values={"kind": "tutoring", "occurred_on": today - timedelta(days=2), "found": "作业"},
    )
    assert theirs.pairing is not None
    assert theirs.pairing.helper == made
    directors = visit(director, child, found="奶奶说孩子想妈妈")
    assert list(selectors.records_of(volunteer, child)) == [theirs]
    assert set(selectors.records_of(director, child)) == {theirs, directors}
    assert selectors.record_get_for_user(volunteer, theirs.pk) == theirs
    with pytest.raises(Http404):
        selectors.record_get_for_user(volunteer, directors.pk)
    # Not what the file's keepers record: counselling, parents' calls.
    for values in (
        {"kind": "counselling"},
        {"kind": "parent_contact", "method": "phone"},
    ):
        with pytest.raises(ApplicationError):
            services.record_create(
                user=volunteer,
                child_id=child.pk,
                values={"occurred_on": today, **values},
            )
    # Their pairing's calls and meetings come due under its plan.
    tasks = selectors.pairing_tasks(volunteer, today + timedelta(days=25))
    assert {(t.what, t.child) for t in tasks} == {("call", child)}


def test_a_person_is_paired_only_with_a_clear_check_within_twelve_months(places, kids, cast):
    today = timezone.localdate()
    nobody_checked = helper(cast, places)
    with pytest.raises(ApplicationError, match="没有背景审查记录"):
        pair(cast, nobody_checked, kids.village)
    old = helper(cast, places, checked_on=today - timedelta(days=400))
    with pytest.raises(ApplicationError, match="已超过 12 个月"):
        pair(cast, old, kids.village)
    # A later check that found a record voids the earlier clear one.
    failed = helper(cast, places, checked_on=today - timedelta(days=60))
    services.check_record(
        user=cast["village_director"],
        helper_id=failed.pk,
        checked_on=today - timedelta(days=5),
        result="not_clear",
    )
    with pytest.raises(ApplicationError, match="没有背景审查记录"):
        pair(cast, failed, kids.village)
    assert not Pairing.objects.exists()
    # An organisation needs no check.
    organisation = helper(cast, places, kind="organisation")
    assert pair(cast, organisation, kids.village).helper == organisation
    # Twelve calendar months, to the day: a check on a leap day runs to 28 February.
    leap = helper(cast, places, checked_on=date(2024, 2, 29))
    services.pairing_check(leap, date(2025, 2, 28))
    with pytest.raises(ApplicationError, match="已超过 12 个月"):
        services.pairing_check(leap, date(2025, 3, 1))
    assert selectors.check_valid_until(selectors.last_clear_check(leap)) == date(2025, 2, 28)


def test_a_check_that_finds_a_record_ends_the_helpers_pairings_at_once(places, kids, cast):
    volunteer = cast["volunteer"]
    today = timezone.localdate()
    made = helper(cast, places, user=volunteer, checked_on=today - timedelta(days=100))
    pairing = pair(cast, made, kids.village, started_on=today - timedelta(days=50))
    other = make_child(places.village, name="第二个孩子")
    second = pair(cast, made, other)
    assert sees(volunteer, kids.village, ChildAccess.PAIRED)
    services.check_record(
        user=cast["village_director"], helper_id=made.pk, checked_on=today, result="not_clear"
    )
    for p in (pairing, second):
        p.refresh_from_db()
        assert (p.ended_on, p.end_reason) == (today, "check_failed")
    assert not sees(volunteer, kids.village, ChildAccess.PAIRED)
    assert not sees(volunteer, other, ChildAccess.PAIRED)
    with pytest.raises(ApplicationError):
        pair(cast, made, kids.village)


def test_helpers_and_pairings_are_kept_within_ones_own_areas(places, kids, cast):
    made = helper(cast, places, checked_on=timezone.localdate())
    other_director = make_user("sixin", role="village_director", area=places.sibling_village)
    with pytest.raises(Http404):
        selectors.helper_get_for_user(other_director, made.pk)
    for user in (cast["teacher"], cast["volunteer"], cast["auditor"]):
        with pytest.raises(Http404):
            selectors.helpers_visible_to(user)
    # The director cannot pair with a child of another village.
    with pytest.raises(Http404):
        pair(cast, made, kids.sibling_village)
    assert selectors.helper_get_for_user(cast["county_admin"], made.pk) == made


def test_counselling_written_with_consent_stays_out_of_a_volunteers_sight(places, kids, cast):
    child = kids.village
    services.assignment_add(
        user=cast["school_admin"],
        child_id=child.pk,
        assignee_id=cast["counsellor"].pk,
        kind="counsellor",
    )
    consent_record(
        user=cast["village_director"],
        child_id=child.pk,
        purpose="counselling",
        given_by="张奶奶",
        relationship="grandmother",
        given_on=date(2024, 1, 1),
        method="written",
    )
    session = services.record_create(
        user=cast["counsellor"],
        child_id=child.pk,
        values={"kind": "counselling", "occurred_on": PAST, "found": "保密内容"},
    )
    made = helper(cast, places, user=cast["volunteer"], checked_on=timezone.localdate())
    pair(cast, made, child)
    with pytest.raises(Http404):
        selectors.record_get_for_user(cast["volunteer"], session.pk)
    assert session not in selectors.records_of(cast["volunteer"], child)
    assert not selectors.notes_visible(cast["volunteer"], child)


def test_a_counselling_follow_up_is_a_task_only_for_who_reads_its_notes(places, kids, cast):
    """My tasks shows a follow-up's words: those of a counselling session are for the
    child's counsellors (and county admin) only, not for the responsible teacher or the
    village director, whose tasks the child is otherwise in."""
    child = kids.village
    services.assignment_add(
        user=cast["school_admin"],
        child_id=child.pk,
        assignee_id=cast["counsellor"].pk,
        kind="counsellor",
    )
    consent_record(
        user=cast["village_director"],
        child_id=child.pk,
        purpose="counselling",
        given_by="张奶奶",
        relationship="grandmother",
        given_on=date(2024, 1, 1),
        method="written",
    )
    session = services.record_create(
        user=cast["counsellor"],
        child_id=child.pk,
        values={
            "kind": "counselling",
            "occurred_on": PAST,
            "follow_up": "下周再谈父母离异的事",
            "follow_up_by": PAST,
        },
    )
    visit(cast["village_director"], child, follow_up="送棉衣", follow_up_by=PAST)
    today = PAST + timedelta(days=1)

    def follow_ups(user) -> set[str]:
        return {t.record.follow_up for t in selectors.my_tasks(user, today=today).follow_ups}

    assert follow_ups(cast["counsellor"]) == {"下周再谈父母离异的事", "送棉衣"}
    assert follow_ups(cast["teacher"]) == {"送棉衣"}
    assert follow_ups(cast["village_director"]) == {"送棉衣"}
    # The supervisors' counts leave it out: which children have a counselling follow-up
    # would say more than that a session took place. The counsellor has it in My tasks.
    counts = selectors.counts_by(children_visible_to(cast["county_admin"]), "village", today)
    assert counts[child.village_id].follow_up_overdue == 1
    # The filter says what notes_visible says, for each user.
    other_county_admin = make_user("qingchuan", role="county_admin", area=places.other_county)
    for user in (*cast.values(), other_county_admin):
        readable = CareRecord.objects.filter(selectors.notes_visible_q(user), pk=session.pk)
        assert readable.exists() == selectors.notes_visible(user, child), user
