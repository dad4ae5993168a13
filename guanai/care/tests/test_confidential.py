"""The ways around the care rules a review found, each closed: a counselling note reached
through a correction, a history or a follow-up; another's record corrected; a helper's
login reaching a child without a background check in force; an exited child recorded; a
role used to assign where it does not assign."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from guanai.accounts.scope import ChildAccess
from guanai.audit.models import AccessEvent
from guanai.care import services
from guanai.care.models import Assignment, BackgroundCheck, CareRecord, Helper, Pairing
from guanai.children.consent.services import consent_record
from guanai.children.selectors import children_visible_to
from guanai.children.services import child_exit
from guanai.core.errors import ApplicationError

TODAY = timezone.localdate()
NOTE = "谈到想念妈妈，夜里哭"


@pytest.fixture
def session(kids, cast) -> CareRecord:
    """A counselling session of the cast's counsellor with 长滩村's child, locked (written
    8 days ago), with an open follow-up."""
    consent_record(
        user=cast["county_admin"],
        child_id=kids.village.pk,
        purpose="counselling",
        given_by="张奶奶",
        relationship="grandmother",
        given_on=TODAY - timedelta(days=30),
        method="written",
    )
    Assignment.objects.create(child=kids.village, user=cast["counsellor"], kind="counsellor")
    record = services.record_create(
        user=cast["counsellor"],
        child_id=kids.village.pk,
        values={
            "kind": "counselling",
            "occurred_on": TODAY - timedelta(days=8),
            "found": NOTE,
            "follow_up": "下周再谈",
            "follow_up_by": TODAY,
        },
    )
    CareRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(days=8))
    return record


def test_a_teacher_cannot_open_a_session_as_a_correction(session, kids, cast, client_for):
    teacher = client_for(cast["teacher"])
    url = reverse("care:record_new", args=[kids.village.pk]) + f"?corrects={session.pk}"
    response = teacher.get(url)
    assert response.status_code == 404
    assert NOTE not in response.content.decode()
    posted = teacher.post(url, {"kind": "tutoring", "occurred_on": TODAY.isoformat()})
    assert posted.status_code == 404
    with pytest.raises(Http404):
        services.record_create(
            user=cast["teacher"],
            child_id=kids.village.pk,
            values={"kind": "tutoring", "occurred_on": TODAY},
            corrects_id=session.pk,
        )
    assert not session.corrections.exists()


def test_its_counsellor_corrects_a_locked_session_by_a_new_one_and_the_reading_is_logged(
    session, kids, cast, client_for
):
    counsellor = client_for(cast["counsellor"])
    url = reverse("care:record_new", args=[kids.village.pk]) + f"?corrects={session.pk}"
    assert NOTE in counsellor.get(url).content.decode()
    assert AccessEvent.objects.filter(user=cast["counsellor"], field="counselling").exists()
    with pytest.raises(services.RecordInvalid):
        services.record_create(
            user=cast["counsellor"],
            child_id=kids.village.pk,
            values={"kind": "tutoring", "occurred_on": TODAY},
            corrects_id=session.pk,
        )


def test_a_session_never_becomes_another_kind_and_its_history_stays_closed(
    kids, cast, client_for, session
):
    CareRecord.objects.filter(pk=session.pk).update(created_at=timezone.now())
    with pytest.raises(services.RecordInvalid):
        services.record_correct(
            user=cast["counsellor"], record_id=session.pk, values={"kind": "tutoring"}
        )
    services.record_correct(
        user=cast["counsellor"], record_id=session.pk, values={"found": "已好转"}
    )
    page = client_for(cast["teacher"]).get(reverse("care:record_detail", args=[session.pk]))
    history = page.content.decode().split('data-testid="record-history"')[1]
    assert NOTE not in history
    assert "已好转" not in history
    # The counsellor's edit form shows the notes: a reading, logged.
    AccessEvent.objects.all().delete()
    form = client_for(cast["counsellor"]).get(reverse("care:record_edit", args=[session.pk]))
    assert "已好转" in form.content.decode()
    assert AccessEvent.objects.filter(user=cast["counsellor"], field="counselling").exists()


def test_only_who_reads_the_notes_closes_a_sessions_follow_up(session, cast, client_for):
    url = reverse("care:follow_up_done", args=[session.pk])
    assert client_for(cast["teacher"]).post(url).status_code == 404
    session.refresh_from_db()
    assert session.follow_up_done_on is None
    assert client_for(cast["counsellor"]).post(url).status_code == 302
    session.refresh_from_db()
    assert session.follow_up_done_on == TODAY


def test_my_tasks_name_a_sessions_follow_up_without_its_words(session, cast, client_for):
    page = client_for(cast["counsellor"]).get(reverse("care:my_tasks")).content.decode()
    assert "心理辅导的跟进事项" in page
    assert "下周再谈" not in page


def test_an_ended_counsellor_role_ends_the_reading(session, kids, cast):
    assert services.notes_visible(cast["counsellor"], kids.village)
    from guanai.accounts.models import Membership

    Membership.objects.filter(user=cast["counsellor"]).update(revoked_at=timezone.now())
    cast["counsellor"].__dict__.pop("_guanai_scope", None)
    assert not services.notes_visible(cast["counsellor"], kids.village)


def _volunteer_helper(places, cast, kind="volunteer", checked_on=TODAY) -> Helper:
    helper = Helper.objects.create(
        kind=kind, name="志愿者", area=places.village, user=cast["volunteer"]
    )
    if checked_on is not None:
        BackgroundCheck.objects.create(helper=helper, checked_on=checked_on, result="clear")
    return helper


def _reach(cast) -> list[int]:
    volunteer = cast["volunteer"]
    volunteer.__dict__.pop("_guanai_scope", None)
    return list(
        children_visible_to(volunteer, access=ChildAccess.PAIRED).values_list("pk", flat=True)
    )


def test_a_helpers_login_reaches_the_child_only_while_the_helper_is_checked_and_active(
    places, cast, kids
):
    helper = _volunteer_helper(places, cast, checked_on=TODAY - timedelta(days=300))
    Pairing.objects.create(helper=helper, child=kids.village, started_on=TODAY)
    assert _reach(cast) == [kids.village.pk]
    # The check runs out (12 months): the login no longer reaches the child.
    BackgroundCheck.objects.filter(helper=helper).update(checked_on=TODAY - timedelta(days=400))
    assert _reach(cast) == []
    BackgroundCheck.objects.filter(helper=helper).update(checked_on=TODAY)
    assert _reach(cast) == [kids.village.pk]
    Helper.objects.filter(pk=helper.pk).update(active=False)
    assert _reach(cast) == []


def test_an_organisation_has_no_login_and_a_login_is_not_swapped_under_a_pairing(
    places, cast, kids
):
    with pytest.raises(ApplicationError, match="组织或单位不能关联登录账号"):
        services.helper_save(
            user=cast["county_admin"],
            values={
                "kind": "organisation",
                "name": "县妇联",
                "area": places.village,
                "user": cast["volunteer"],
            },
        )
    helper = _volunteer_helper(places, cast)
    Pairing.objects.create(helper=helper, child=kids.village, started_on=TODAY)
    other = make_user("another_volunteer", role="volunteer", area=places.village)
    with pytest.raises(ApplicationError, match="不能更换登录账号"):
        services.helper_save(
            user=cast["county_admin"],
            helper_id=helper.pk,
            values={"kind": "volunteer", "name": "志愿者", "area": places.village, "user": other},
        )
    helper.refresh_from_db()
    assert helper.user == cast["volunteer"]


def test_an_exited_child_gets_no_new_record_nor_pairing(places, cast, kids):
    child_exit(user=cast["village_director"], child_id=kids.village.pk, reason="moved", on=TODAY)
    with pytest.raises(ApplicationError, match="已移出名册"):
        services.record_create(
            user=cast["village_director"],
            child_id=kids.village.pk,
            values={"kind": "home_visit", "occurred_on": TODAY},
        )
    helper = Helper.objects.create(kind="organisation", name="县妇联", area=places.county)
    with pytest.raises(ApplicationError, match="已移出名册"):
        services.pairing_create(
            user=cast["county_admin"],
            helper_id=helper.pk,
            child_id=kids.village.pk,
            started_on=TODAY,
        )


def test_a_role_that_does_not_assign_is_not_used_to_assign(places, cast, kids, client_for):
    """A school admin of another school who is also the director of 长滩村 sees its child as
    director: they do not name the child's teachers."""
    from guanai.accounts.models import Membership, Role

    user = make_user("jiachuan_admin", role="school_admin", school=places.other_township_school)
    Membership.objects.create(
        user=user, role=Role.objects.get(code="village_director"), area=places.village
    )
    client = client_for(user)
    assert client.get(reverse("children:child_detail", args=[kids.village.pk])).status_code == 200
    assert client.get(reverse("care:assign", args=[kids.village.pk])).status_code == 404
    with pytest.raises(Http404):
        services.assignment_add(
            user=user, child_id=kids.village.pk, assignee_id=cast["teacher"].pk, kind="mentor"
        )
