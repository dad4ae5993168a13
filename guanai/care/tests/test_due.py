"""Due and overdue, read from the database after every kind of change: a new, corrected or
deleted record, a change of risk level, an exit, an undone import. Dates are fixed in the
past (the services refuse future dates); the reads take `today`."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conftest import make_child, make_id_number
from guanai.care import selectors, services
from guanai.care.models import CareRecord, CareRecordChange, CareState, ContactPlan
from guanai.children.models import Child
from guanai.children.selectors import children_visible_to
from guanai.children.services import child_exit, child_update
from guanai.roster.importing import import_roster
from guanai.roster.models import ImportBatch
from guanai.roster.tests.test_importing import HEADER, line, roster

SHANGHAI = ZoneInfo("Asia/Shanghai")


def registered_on(child: Child, day: date, at: time = time(9, 0)) -> None:
    """Set the child's registration time (the base of a child never visited)."""
    Child.objects.filter(pk=child.pk).update(created_at=datetime.combine(day, at, SHANGHAI))


def visit(user, child: Child, on: date, **values) -> CareRecord:
    return services.record_create(
        user=user,
        child_id=child.pk,
        values={"kind": "home_visit", "occurred_on": on, "found": "家中情况正常", **values},
    )


def parent_call(user, child: Child, on: date) -> CareRecord:
    return services.record_create(
        user=user,
        child_id=child.pk,
        values={
            "kind": "parent_contact",
            "occurred_on": on,
            "method": "phone",
            "caller": "parent",
            "duration_minutes": 15,
        },
    )


def lists(user, today: date) -> dict[str, set[int]]:
    """The children in each list of the user's tasks on that day."""
    tasks = selectors.my_tasks(user, today=today)
    return {
        "overdue": {t.child.pk for t in tasks.visits_overdue},
        "week": {t.child.pk for t in tasks.visits_week},
        "contact": {t.child.pk for t in tasks.contacts_overdue},
        "follow_up": {t.child.pk for t in tasks.follow_ups},
    }


def state(user, child: Child, today: date) -> str:
    """'overdue', 'week' or 'later' for the child's visit, in the user's tasks; checked
    against the supervisors' count and list of the same day."""
    found = lists(user, today)
    overdue, week = child.pk in found["overdue"], child.pk in found["week"]
    assert not (overdue and week)
    children = Child.objects.filter(pk=child.pk)
    counted = selectors.counts_by(children, "village", today)
    assert counted.get(child.village_id) is None or counted[child.village_id].visit_overdue == int(
        overdue
    )
    assert (
        child.pk in set(selectors.due_list(children, "visit", today).values_list("pk", flat=True))
    ) == overdue
    return "overdue" if overdue else "week" if week else "later"


def test_a_child_never_visited_counts_from_the_day_registered_in_chinas_time(kids, cast):
    director, child = cast["village_director"], kids.village
    # 00:30 in Beijing on 31 January is still 30 January in UTC: the base is the 31st.
    registered_on(child, date(2024, 1, 31), time(0, 30))
    assert state(director, child, date(2024, 2, 22)) == "later"
    assert state(director, child, date(2024, 2, 23)) == "week"  # due 29 Feb (leap day)
    assert state(director, child, date(2024, 2, 29)) == "week"
    assert state(director, child, date(2024, 3, 1)) == "overdue"
    task = next(
        t
        for t in selectors.my_tasks(director, today=date(2024, 3, 1)).visits_overdue
        if t.child.pk == child.pk
    )
    assert task.due_on == date(2024, 2, 29)
    assert not CareState.objects.filter(child=child).exists()


def test_every_change_of_a_record_moves_the_child_at_once(kids, cast):
    director, child = cast["village_director"], kids.village
    registered_on(child, date(2024, 1, 1))
    today = date(2024, 3, 5)
    assert state(director, child, today) == "overdue"  # due 1 February
    record = visit(director, child, date(2024, 2, 20))  # due 20 March
    assert CareState.objects.get(child=child).last_visit_on == date(2024, 2, 20)
    assert state(director, child, today) == "later"
    services.record_correct(
        user=director, record_id=record.pk, values={"occurred_on": date(2024, 1, 31)}
    )
    assert state(director, child, today) == "overdue"  # due 29 February
    services.record_correct(
        user=director, record_id=record.pk, values={"occurred_on": date(2024, 2, 10)}
    )
    assert state(director, child, today) == "week"  # due 10 March
    # An earlier visit recorded after a later one does not move the base back.
    earlier = visit(director, child, date(2024, 1, 15))
    assert state(director, child, today) == "week"
    services.record_delete(user=director, record_id=record.pk)
    assert CareState.objects.get(child=child).last_visit_on == date(2024, 1, 15)
    assert state(director, child, today) == "overdue"
    services.record_delete(user=director, record_id=earlier.pk)
    assert CareState.objects.get(child=child).last_visit_on is None
    assert state(director, child, today) == "overdue"  # from registration again
    # A correction that changes the kind takes the visit away.
    record = visit(director, child, date(2024, 3, 1))
    assert state(director, child, today) == "later"
    services.record_correct(
        user=director,
        record_id=record.pk,
        values={"kind": "guardian_contact", "method": "phone"},
    )
    assert state(director, child, today) == "overdue"


def test_only_home_visits_count_as_visits(kids, cast):
    director, child = cast["village_director"], kids.village
    registered_on(child, date(2024, 1, 1))
    today = date(2024, 3, 5)
    for kind, extra in (
        ("guardian_contact", {"method": "phone"}),
        ("tutoring", {}),
        ("safety_education", {}),
        ("other", {}),
        ("assistance", {"items": "棉衣一件"}),
    ):
        services.record_create(
            user=director,
            child_id=child.pk,
            values={"kind": kind, "occurred_on": date(2024, 3, 1), **extra},
        )
    parent_call(director, child, date(2024, 3, 1))
    assert state(director, child, today) == "overdue"
    assert CareState.objects.get(child=child).last_visit_on is None


def test_a_change_of_risk_level_moves_the_child_at_once(kids, cast):
    director, child = cast["village_director"], kids.village
    assert child.risk_level == "low"
    visit(director, child, date(2024, 2, 20))
    today = date(2024, 3, 5)  # 14 days after the visit
    assert state(director, child, today) == "later"  # low: due 20 March
    child_update(user=director, child_id=child.pk, data={"risk_level": "medium"})
    assert state(director, child, today) == "week"  # due 5 March: today, not overdue
    assert state(director, child, today + timedelta(days=1)) == "overdue"
    child_update(user=director, child_id=child.pk, data={"risk_level": "high"})
    assert state(director, child, today) == "overdue"  # due 27 February
    child_update(user=director, child_id=child.pk, data={"risk_level": "low"})
    assert state(director, child, today) == "later"


def test_an_exit_takes_the_child_off_every_list(kids, cast):
    director, child = cast["village_director"], kids.village
    registered_on(child, date(2024, 1, 1))
    services.record_create(
        user=director,
        child_id=child.pk,
        values={
            "kind": "guardian_contact",
            "method": "phone",
            "occurred_on": date(2024, 1, 20),
            "follow_up": "联系学校",
            "follow_up_by": date(2024, 1, 25),
        },
    )
    today = date(2024, 3, 5)
    for user in (director, cast["teacher"]):
        found = lists(user, today)
        assert child.pk in found["overdue"]
        assert child.pk in found["contact"]
        assert child.pk in found["follow_up"]
    county = children_visible_to(cast["county_admin"])
    before = selectors.counts_by(county, "village", today)[child.village_id]
    assert (before.active, before.visit_overdue, before.contact_overdue) == (1, 1, 1)
    assert before.follow_up_overdue == 1
    assert selectors.counts_by(county, "school", today)[str(child.school_id)].active == 1

    child_exit(user=director, child_id=child.pk, reason="moved", on=child_registered(child))

    for user in (director, cast["teacher"]):
        assert lists(user, today) == {
            "overdue": set(),
            "week": set(),
            "contact": set(),
            "follow_up": set(),
        }
    assert child.village_id not in selectors.counts_by(county, "village", today)
    for what in ("visit", "contact", "follow_up", "no_director", "no_teacher"):
        assert not selectors.due_list(county, what, today).filter(pk=child.pk).exists()


def child_registered(child: Child) -> date:
    from django.utils import timezone

    return timezone.localdate(Child.objects.get(pk=child.pk).created_at)


def test_parents_away_must_have_been_in_touch_weekly(places, kids, cast):
    director, child = cast["village_director"], kids.village
    at_home = make_child(places.village, name="刘在家", father_away=False, mother_away=False)
    assert child.parent_away
    assert not at_home.parent_away
    for c in (child, at_home):
        registered_on(c, date(2024, 1, 1))
    parent_call(director, child, date(2024, 2, 28))  # due 6 March (over the leap day)
    assert CareState.objects.get(child=child).last_parent_contact_on == date(2024, 2, 28)
    assert child.pk not in lists(director, date(2024, 3, 6))["contact"]
    assert child.pk in lists(director, date(2024, 3, 7))["contact"]
    # Children with their parents at home never have a contact due.
    assert at_home.pk not in lists(director, date(2024, 12, 31))["contact"]
    assert at_home.pk in lists(director, date(2024, 3, 7))["overdue"]
    # A parent's call is not a visit, and a visit is not a parent's call.
    visit(director, child, date(2024, 3, 1))
    assert child.pk in lists(director, date(2024, 3, 7))["contact"]
    counts = selectors.counts_by(
        Child.objects.filter(village=places.village), "village", date(2024, 3, 7)
    )
    assert counts[places.village.code].contact_overdue == 1
    # The year's end: a call on 29 December is due 5 January.
    parent_call(director, child, date(2023, 12, 29))
    parent_call(director, child, date(2024, 3, 10))
    assert child.pk not in lists(director, date(2024, 3, 17))["contact"]
    assert child.pk in lists(director, date(2024, 3, 18))["contact"]


def test_the_contact_plan_of_each_county_applies_to_its_children(places, kids, cast):
    admin = cast["system_admin"]
    ContactPlan.objects.create(county=places.other_county, low_every=5, low_unit="day")
    for c in (kids.village, kids.other_county):
        registered_on(c, date(2024, 12, 20))
    everyone = Child.objects.filter(pk__in=[kids.village.pk, kids.other_county.pk])
    counts = selectors.counts_by(everyone, "village", date(2024, 12, 26))
    assert counts[kids.village.village_id].visit_overdue == 0  # 旺苍县: monthly
    assert counts[kids.other_county.village_id].visit_overdue == 1  # 青川县: every 5 days
    assert list(selectors.due_list(everyone, "visit", date(2024, 12, 26))) == [kids.other_county]
    assert selectors.plan_for(places.county.code) == selectors.DEFAULTS
    del admin


def test_a_follow_up_is_due_until_it_is_done(kids, cast):
    director, child = cast["village_director"], kids.village
    record = visit(
        director,
        child,
        date(2024, 2, 27),
        follow_up="给奶奶送药",
        follow_up_by=date(2024, 3, 1),
    )
    # Due on 1 March: within the week from 24 February (29 February comes between).
    assert child.pk not in lists(director, date(2024, 2, 23))["follow_up"]
    assert child.pk in lists(director, date(2024, 2, 24))["follow_up"]
    assert child.pk in lists(director, date(2024, 3, 1))["follow_up"]
    assert child.pk in lists(director, date(2025, 3, 1))["follow_up"]  # long overdue: still
    children = Child.objects.filter(pk=child.pk)
    assert (
        selectors.counts_by(children, "village", date(2024, 3, 1))[
            child.village_id
        ].follow_up_overdue
        == 0
    )
    assert (
        selectors.counts_by(children, "village", date(2024, 3, 2))[
            child.village_id
        ].follow_up_overdue
        == 1
    )
    assert list(selectors.due_list(children, "follow_up", date(2024, 3, 2))) == [child]
    services.follow_up_done(user=director, record_id=record.pk, on=date(2024, 3, 4))
    assert child.pk not in lists(director, date(2024, 3, 5))["follow_up"]
    assert (
        selectors.counts_by(children, "village", date(2024, 3, 5))[
            child.village_id
        ].follow_up_overdue
        == 0
    )
    assert not selectors.due_list(children, "follow_up", date(2024, 3, 5)).exists()
    assert CareRecordChange.objects.filter(record_id=record.pk, kind="followed_up").count() == 1


def _import(user, data: bytes) -> ImportBatch:
    batch = ImportBatch.objects.create(user=user, file_name="花名册.csv", file_sha256="0" * 64)
    import_roster(user=user, data=data, write=True, batch_id=batch.pk)
    return batch


def test_an_undone_import_puts_back_the_risk_level_and_the_due_state(places, cast):
    from guanai.children.undo import batch_changes_undo

    director = cast["village_director"]
    number = make_id_number(sequence=501)
    child = make_child(places.village, name="马一", id_number=number, school=places.school)
    visit(director, child, date(2024, 2, 20))
    today = date(2024, 3, 1)  # 10 days after the visit
    assert state(director, child, today) == "later"
    header = HEADER + ",风险等级"
    data = (
        "\r\n".join(["旺苍县东河镇留守儿童花名册", header, line(1, "马一", number) + ",高风险"])
        + "\r\n"
    ).encode("gbk")
    batch = _import(director, data)
    child.refresh_from_db()
    assert child.risk_level == "high"
    assert state(director, child, today) == "overdue"
    result = batch_changes_undo(user=director, batch_id=batch.pk, comment="撤销")
    assert result.reverted == 1
    child.refresh_from_db()
    assert child.risk_level == "low"
    assert state(director, child, today) == "later"


def test_an_undone_import_takes_its_children_away_but_keeps_those_cared_for_since(places, cast):
    """A child the import created goes with the undo, with no care state left behind;
    one cared for since (a home visit on their timeline) is left alone and named, with
    their records and due state, as a child changed since is: no later work is lost."""
    from guanai.children.undo import batch_changes_undo

    director = cast["village_director"]
    batch = _import(
        director,
        roster(
            line(1, "牛一", make_id_number(sequence=502)),
            line(2, "马二", make_id_number(sequence=503)),
        ),
    )
    visited, untouched = Child.objects.get(name="牛一"), Child.objects.get(name="马二")
    for child in (visited, untouched):
        registered_on(child, date(2024, 1, 1))
    assert visited.pk in lists(director, date(2024, 3, 5))["overdue"]
    record = visit(
        director, visited, date(2024, 2, 1), follow_up="再访", follow_up_by=date(2024, 2, 10)
    )
    result = batch_changes_undo(user=director, batch_id=batch.pk, comment="撤销")
    assert result.removed == 1
    assert result.kept == [(visited.pk, "牛一")]
    assert not Child.objects.filter(pk=untouched.pk).exists()
    assert CareRecord.objects.filter(pk=record.pk).exists()
    assert CareRecordChange.objects.filter(record_id=record.pk).exists()
    assert list(CareState.objects.values_list("child_id", flat=True)) == [visited.pk]
    assert lists(director, date(2024, 3, 5))["overdue"] == {visited.pk}


def test_the_lists_agree_with_each_childs_due_date_on_every_day_at_the_edges(places, cast):
    """Through SQL: for children last visited at month and year ends and on a leap day, at
    each risk level, every day around February 2024 and the turn of 2025 lists as overdue
    exactly those due before it, and as due this week those due within seven days."""
    director = cast["village_director"]
    bases = [
        date(2023, 12, 31),
        date(2024, 1, 29),
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 11, 30),
        date(2024, 12, 25),
        date(2024, 12, 31),
        date(2025, 1, 31),
    ]
    due_on: dict[int, date] = {}
    for n, base in enumerate(bases):
        for risk in ("low", "medium", "high"):
            child = make_child(places.village, name=f"边{n}{risk[0]}", risk_level=risk)
            visit(director, child, base)
            due_on[child.pk] = selectors.DEFAULTS.visit[risk].after(base)
    village = Child.objects.filter(village=places.village)
    periods = [(date(2024, 1, 20), date(2024, 4, 5)), (date(2024, 12, 20), date(2025, 3, 5))]
    for first, last in periods:
        today = first
        while today <= last:
            tasks = selectors.my_tasks(director, today=today)
            overdue = {pk for pk, due in due_on.items() if due < today}
            week = {pk for pk, due in due_on.items() if today <= due < today + timedelta(days=7)}
            assert {t.child.pk for t in tasks.visits_overdue} == overdue, today
            assert {t.child.pk for t in tasks.visits_week} == week, today
            for task in tasks.visits_overdue + tasks.visits_week:
                assert task.due_on == due_on[task.child.pk]
            listed = set(selectors.due_list(village, "visit", today).values_list("pk", flat=True))
            assert listed == overdue, today
            assert selectors.counts_by(village, "village", today)[
                places.village.code
            ].visit_overdue == len(overdue)
            today += timedelta(days=1)


def test_a_locked_record_corrected_by_a_new_one_no_longer_counts(kids, cast):
    """A record past its correction window is corrected by a new record pointing at it:
    the plan counts from the correction, not from the record it corrects."""
    director, child = cast["village_director"], kids.village
    registered_on(child, date(2024, 1, 1))
    today = date(2024, 3, 5)
    wrong = visit(director, child, date(2024, 2, 25))  # the visit was on 25 January
    CareRecord.objects.filter(pk=wrong.pk).update(created_at=wrong.created_at - timedelta(days=8))
    assert state(director, child, today) == "later"
    services.record_create(
        user=director,
        child_id=child.pk,
        values={"kind": "home_visit", "occurred_on": date(2024, 1, 25), "found": "日期更正"},
        corrects_id=wrong.pk,
    )
    assert CareState.objects.get(child=child).last_visit_on == date(2024, 1, 25)
    assert state(director, child, today) == "overdue"  # due 25 February
    # Not a visit at all (a phone call to the grandmother): no visit counts.
    wrong_call = visit(director, child, date(2024, 3, 1))
    CareRecord.objects.filter(pk=wrong_call.pk).update(
        created_at=wrong_call.created_at - timedelta(days=8)
    )
    assert state(director, child, today) == "later"
    services.record_create(
        user=director,
        child_id=child.pk,
        values={"kind": "guardian_contact", "method": "phone", "occurred_on": date(2024, 3, 1)},
        corrects_id=wrong_call.pk,
    )
    assert state(director, child, today) == "overdue"
    # The same for a parent's call.
    call = parent_call(director, child, date(2024, 3, 4))
    CareRecord.objects.filter(pk=call.pk).update(created_at=call.created_at - timedelta(days=8))
    assert child.pk not in lists(director, today)["contact"]
    services.record_create(
        user=director,
        child_id=child.pk,
        values={
            "kind": "parent_contact",
            "method": "phone",
            "occurred_on": date(2024, 2, 20),
        },
        corrects_id=call.pk,
    )
    assert CareState.objects.get(child=child).last_parent_contact_on == date(2024, 2, 20)
    assert child.pk in lists(director, today)["contact"]
