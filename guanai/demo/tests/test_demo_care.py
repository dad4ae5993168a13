"""The demo's care work, as `load_demo` makes it for 旺苍县 (guanai.demo.care)."""

from collections.abc import Iterator
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess
from guanai.care import selectors, services
from guanai.care.choices import AssignmentKind, CheckResult, HelperKind, RecordKind
from guanai.care.models import Assignment, CareRecord, CareState, Helper, Pairing
from guanai.care.plans import add_months
from guanai.children.choices import ConsentPurpose
from guanai.children.consent.selectors import consent_given
from guanai.children.models import Child
from guanai.children.selectors import children_visible_to

# Enough children for the seeds' 1 210 pairings of proxy parents and temporary mothers.
COUNT = 3000


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The county with its children and their care, made once and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("load_demo", children=COUNT, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_the_seeds_proxy_parents_and_temporary_mothers_are_each_paired_once(db, demo):
    for kind, count in ((HelperKind.PROXY_PARENT, 478), (HelperKind.TEMPORARY_MOTHER, 732)):
        assert Helper.objects.filter(kind=kind).count() == count
        pairings = Pairing.objects.filter(helper__kind=kind, ended_on=None)
        assert pairings.count() == count
        assert pairings.values("helper").distinct().count() == count
    assert "结对" in demo


def test_every_pairing_starts_within_a_year_of_a_clear_check(db, demo):
    pairings = Pairing.objects.exclude(helper__kind=HelperKind.ORGANISATION).select_related(
        "helper"
    )
    assert pairings.count() > 1210
    for pairing in pairings:
        check = selectors.last_clear_check(pairing.helper)
        assert check is not None
        assert check.result == CheckResult.CLEAR
        assert check.checked_on <= pairing.started_on <= add_months(check.checked_on, 12)
        services.pairing_check(pairing.helper, pairing.started_on)


def test_some_checks_run_out_within_30_days_and_most_later(db, demo):
    today = timezone.localdate()
    soon = later = 0
    for helper in Helper.objects.exclude(kind=HelperKind.ORGANISATION):
        until = selectors.check_valid_until(selectors.last_clear_check(helper))
        assert until is not None
        soon += today <= until <= today + timedelta(days=30)
        later += until > today + timedelta(days=30)
    total = Helper.objects.exclude(kind=HelperKind.ORGANISATION).count()
    assert 0.02 * total < soon < 0.1 * total
    assert later > 0.85 * total


def test_the_volunteer_login_sees_exactly_its_three_paired_children(db, demo):
    volunteer = User.objects.get(username="volunteer")
    paired = set(
        Pairing.objects.filter(helper__user=volunteer, ended_on=None).values_list(
            "child_id", flat=True
        )
    )
    assert len(paired) == 3
    seen = set(
        children_visible_to(volunteer, access=ChildAccess.PAIRED).values_list("pk", flat=True)
    )
    assert seen == paired
    assert not children_visible_to(volunteer).exists()
    own = CareRecord.objects.filter(created_by=volunteer)
    assert set(own.values_list("child_id", flat=True)) == paired
    assert all(r.pairing is not None and r.pairing.helper.user == volunteer for r in own)


def test_the_care_states_are_those_the_services_compute(db, demo):
    stored = {
        s.child_id: (s.last_visit_on, s.last_parent_contact_on) for s in CareState.objects.all()
    }
    with_records = set(CareRecord.objects.values_list("child_id", flat=True))
    assert set(stored) == with_records
    with transaction.atomic():
        CareState.objects.update(last_visit_on=None, last_parent_contact_on=None)
        services.state_refresh(with_records)
        recomputed = {
            s.child_id: (s.last_visit_on, s.last_parent_contact_on) for s in CareState.objects.all()
        }
        transaction.set_rollback(True)
    assert recomputed == stored
    assert sum(1 for visit, _contact in stored.values() if visit) > 0.9 * len(stored)


def test_some_children_are_overdue_for_a_visit_today_and_most_are_not(db, demo):
    today = timezone.localdate()
    active, q = selectors.due_children(Child.objects.all(), today)
    overdue = active.filter(q.visit_overdue).count()
    assert 0.05 * active.count() < overdue < 0.2 * active.count()
    contacts = active.filter(q.contact_overdue).count()
    assert 0.05 * active.count() < contacts < 0.3 * active.count()
    county_admin = User.objects.get(username="county_admin")
    counts = selectors.counts_by(children_visible_to(county_admin), "village", today)
    assert sum(c.visit_overdue for c in counts.values()) == overdue
    assert sum(c.active for c in counts.values()) == active.count()
    assert any(c.follow_up_overdue for c in counts.values())
    assert any(c.visit_overdue == 0 and c.active for c in counts.values())


def test_the_village_director_has_tasks(db, demo):
    tasks = selectors.my_tasks(User.objects.get(username="village_director"))
    assert tasks.visits_overdue or tasks.visits_week
    assert all(t.overdue for t in tasks.visits_overdue)


def test_the_counsellor_counsels_only_pupils_with_consent(db, demo):
    counsellor = User.objects.get(username="counsellor")
    assigned = Assignment.objects.filter(user=counsellor, kind=AssignmentKind.COUNSELLOR)
    assert assigned.count() >= 2
    for assignment in assigned.select_related("child"):
        assert consent_given(assignment.child, ConsentPurpose.COUNSELLING)
    sessions = CareRecord.objects.filter(kind=RecordKind.COUNSELLING)
    assert sessions.exists()
    assert set(sessions.values_list("created_by", flat=True)) == {counsellor.pk}
    assert set(sessions.values_list("child_id", flat=True)) <= set(
        assigned.values_list("child_id", flat=True)
    )
    teacher = User.objects.get(username="teacher")
    mentored = Assignment.objects.filter(user=teacher, kind=AssignmentKind.MENTOR)
    assert mentored.exists()
    seen = set(children_visible_to(teacher).values_list("pk", flat=True))
    assert set(mentored.values_list("child_id", flat=True)) <= seen
