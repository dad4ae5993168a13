"""The care pages as their people use them: the village director's My tasks and record
form, a record's page and its correction window, the counselling note kept from the
teacher, the supervisors' overview and lists, the county's plan and the assignments; and
every page's 404 outside the user's scope."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_child, make_id_number, make_user
from guanai.audit.models import AccessEvent
from guanai.care.models import Assignment, CareRecord, ContactPlan
from guanai.care.services import record_create
from guanai.children.consent.services import consent_record
from guanai.children.models import Child

TODAY = timezone.localdate()


def _backdate(child: Child, days: int) -> None:
    """Registered `days` ago: a child never visited is due from their registration."""
    Child.objects.filter(pk=child.pk).update(created_at=timezone.now() - timedelta(days=days))


def _visit(user, child, on, **values):
    return record_create(
        user=user,
        child_id=child.pk,
        values={"kind": "home_visit", "occurred_on": on, "found": "家中正常", **values},
    )


def _overdue_names(client) -> list[str]:
    page = client.get(reverse("care:my_tasks"))
    assert page.status_code == 200
    section = page.content.decode().split('data-testid="visits-overdue"')[1].split("</section>")[0]
    return [name for name in ("张小明", "李四", "王五", "赵六") if name in section]


def test_a_director_records_a_visit_and_the_child_leaves_the_overdue_list(kids, cast, client_for):
    _backdate(kids.village, 40)  # low risk: monthly, so overdue
    director = client_for(cast["village_director"])
    assert _overdue_names(director) == ["张小明"]
    form = director.get(
        reverse("care:record_new", args=[kids.village.pk]) + "?kind=home_visit&next=tasks"
    )
    assert form.status_code == 200
    assert f'value="{TODAY.isoformat()}"' in form.content.decode()  # today by default
    response = director.post(
        reverse("care:record_new", args=[kids.village.pk]),
        {
            "kind": "home_visit",
            "occurred_on": TODAY.isoformat(),
            "method": "in_person",
            "found": "奶奶身体不好，孩子作业按时完成",
            "next": "tasks",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("care:my_tasks")
    assert _overdue_names(director) == []
    record = CareRecord.objects.get(child=kids.village)
    assert record.by == cast["village_director"]
    assert record.method == "in_person"
    # On the child's file, in place of the placeholder.
    page = director.get(reverse("children:child_detail", args=[kids.village.pk])).content.decode()
    assert 'data-testid="care-timeline"' in page
    assert "奶奶身体不好" in page


def test_the_record_form_shows_the_rules_messages_and_keeps_what_was_typed(kids, cast, client_for):
    director = client_for(cast["village_director"])
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = director.post(
        reverse("care:record_new", args=[kids.village.pk]),
        {
            "kind": "home_visit",
            "occurred_on": tomorrow,
            "method": "parents_meeting",
            "found": "写了很多字",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "日期不能晚于今天。" in page
    assert "这类记录的方式只能是" in page
    assert "写了很多字" in page
    assert not CareRecord.objects.exists()


def test_a_corrected_or_deleted_visit_moves_the_child_back_into_the_overdue_list(
    kids, cast, client_for
):
    _backdate(kids.village, 60)
    director = client_for(cast["village_director"])
    record = _visit(cast["village_director"], kids.village, TODAY - timedelta(days=2))
    assert _overdue_names(director) == []
    edit = reverse("care:record_edit", args=[record.pk])
    old = (TODAY - timedelta(days=45)).isoformat()
    response = director.post(
        edit, {"kind": "home_visit", "occurred_on": old, "method": "in_person"}
    )
    assert response.status_code == 302
    assert _overdue_names(director) == ["张小明"]
    director.post(
        edit, {"kind": "home_visit", "occurred_on": TODAY.isoformat(), "method": "in_person"}
    )
    assert _overdue_names(director) == []
    assert director.post(reverse("care:record_delete", args=[record.pk])).status_code == 302
    assert _overdue_names(director) == ["张小明"]
    assert not CareRecord.objects.exists()


def test_a_record_is_locked_after_seven_days(kids, cast, client_for):
    record = _visit(cast["village_director"], kids.village, TODAY - timedelta(days=9))
    CareRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(days=8))
    director = client_for(cast["village_director"])
    page = director.get(reverse("care:record_detail", args=[record.pk])).content.decode()
    assert "record-edit" not in page
    assert "新增更正记录" in page
    assert director.get(reverse("care:record_edit", args=[record.pk])).status_code == 404
    director.post(reverse("care:record_delete", args=[record.pk]))
    assert CareRecord.objects.filter(pk=record.pk).exists()
    # A correction is a new record that refers to it.
    url = reverse("care:record_new", args=[kids.village.pk]) + f"?corrects={record.pk}"
    response = director.post(
        url,
        {
            "kind": "home_visit",
            "occurred_on": (TODAY - timedelta(days=8)).isoformat(),
            "method": "in_person",
            "found": "更正：见到了孩子",
        },
    )
    assert response.status_code == 302
    assert CareRecord.objects.get(corrects=record).found == "更正：见到了孩子"


def _counselling(cast, kids):
    consent_record(
        user=cast["county_admin"],
        child_id=kids.village.pk,
        purpose="counselling",
        given_by="张奶奶",
        relationship="grandmother",
        given_on=date(2026, 1, 5),
        method="written",
    )
    Assignment.objects.create(child=kids.village, user=cast["counsellor"], kind="counsellor")
    return record_create(
        user=cast["counsellor"],
        child_id=kids.village.pk,
        values={"kind": "counselling", "occurred_on": TODAY, "found": "谈到想念妈妈，夜里哭"},
    )


def test_a_teacher_sees_that_a_session_happened_but_not_its_notes(kids, cast, client_for):
    record = _counselling(cast, kids)
    teacher = client_for(cast["teacher"])
    file = teacher.get(reverse("children:child_detail", args=[kids.village.pk])).content.decode()
    assert "心理辅导" in file
    assert "夜里哭" not in file
    page = teacher.get(reverse("care:record_detail", args=[record.pk])).content.decode()
    assert 'data-testid="notes-confidential"' in page
    assert "夜里哭" not in page
    assert "counsellor" in page  # by whom
    history = page.split('data-testid="record-history"')[1]
    assert "夜里哭" not in history
    # The counsellor and the county admin read them, and each reading is logged.
    for role in ("counsellor", "county_admin"):
        page = client_for(cast[role]).get(reverse("care:record_detail", args=[record.pk]))
        assert "夜里哭" in page.content.decode()
        assert AccessEvent.objects.filter(user=cast[role], field="counselling").exists()
    assert not AccessEvent.objects.filter(user=cast["teacher"], field="counselling").exists()


def test_the_record_form_offers_counselling_only_to_whom_may_write_it(kids, cast, client_for):
    url = reverse("care:record_new", args=[kids.village.pk])
    assert 'value="counselling"' not in client_for(cast["teacher"]).get(url).content.decode()
    Assignment.objects.create(child=kids.village, user=cast["counsellor"], kind="counsellor")
    response = client_for(cast["counsellor"]).post(
        url, {"kind": "counselling", "occurred_on": TODAY.isoformat(), "method": "in_person"}
    )
    assert "未取得监护人同意，不能进行心理辅导记录。" in response.content.decode()


def test_supervisors_see_overdue_counts_and_open_each_list(kids, cast, client_for, places):
    _backdate(kids.village, 40)
    _backdate(kids.sibling_village, 3)
    for role in ("township_supervisor", "county_admin"):
        client = client_for(cast[role])
        page = client.get(reverse("care:overview") + "?by=village").content.decode()
        assert "长滩村村民委员会" in page
        assert "四新村村民委员会" in page
        listed = client.get(reverse("care:due_list") + f"?what=visit&area={places.village.code}")
        assert listed.status_code == 200
        assert "张小明" in listed.content.decode()
        assert "李四" not in client.get(reverse("care:due_list") + "?what=visit").content.decode()
        assert ('data-testid="plan-link"' in page) is (role == "county_admin")
    school = client_for(cast["school_admin"]).get(reverse("care:overview"))
    assert "东河小学" in school.content.decode()


def test_a_county_sees_its_townships_and_opens_each_on_its_villages(kids, cast, client_for, places):
    _backdate(kids.village, 40)
    client = client_for(cast["county_admin"])
    page = client.get(reverse("care:overview")).content.decode()
    assert "东河镇" in page
    assert "嘉川镇" in page
    assert "长滩村村民委员会" not in page
    drill = f"?by=village&amp;area={places.township.code}"
    assert drill in page
    villages = client.get(reverse("care:overview") + drill.replace("&amp;", "&")).content.decode()
    assert "长滩村村民委员会" in villages
    assert "石桥村村民委员会" not in villages  # 嘉川镇's
    # The township's count opens the township's list.
    listed = client.get(reverse("care:due_list") + f"?what=visit&area={places.township.code}")
    assert "张小明" in listed.content.decode()
    # A township supervisor sees their villages at once.
    supervisor = client_for(cast["township_supervisor"]).get(reverse("care:overview"))
    assert "长滩村村民委员会" in supervisor.content.decode()


def test_a_school_admin_names_a_teacher_for_pupils_without_one(kids, cast, client_for, places):
    pupil = make_child(
        places.village, name="陈无师", school=places.school, id_number=make_id_number(sequence=77)
    )
    admin = client_for(cast["school_admin"])
    url = reverse("care:due_list") + f"?what=no_teacher&school={places.school.pk}"
    page = admin.get(url).content.decode()
    assert "陈无师" in page
    assert 'data-testid="teacher-assign"' in page
    admin.post(
        reverse("care:teacher_assign"),
        {"child": [pupil.pk], "teacher": cast["teacher"].pk, "school": places.school.pk},
    )
    pupil.refresh_from_db()
    assert pupil.responsible_teacher == cast["teacher"]
    assert "陈无师" not in admin.get(url).content.decode()


def test_the_county_admin_sets_the_plan_and_overdue_follows_it(kids, cast, client_for):
    _backdate(kids.village, 20)  # monthly by default: not overdue
    director = client_for(cast["village_director"])
    assert _overdue_names(director) == []
    admin = client_for(cast["county_admin"])
    response = admin.post(
        reverse("care:plan"),
        {
            "high_every": 1,
            "high_unit": "week",
            "medium_every": 2,
            "medium_unit": "week",
            "low_every": 2,
            "low_unit": "week",
            "parent_contact_days": 7,
        },
    )
    assert response.status_code == 302
    assert ContactPlan.objects.count() == 1
    assert _overdue_names(director) == ["张小明"]
    refused = admin.post(
        reverse("care:plan"),
        {
            "high_every": 1,
            "high_unit": "week",
            "medium_every": 2,
            "medium_unit": "week",
            "low_every": 1,
            "low_unit": "month",
            "parent_contact_days": 14,
        },
    )
    assert "至少每周一次" in refused.content.decode()


def test_assigning_a_mentor_gives_the_teacher_the_child(kids, cast, places, client_for):
    pupil = make_child(
        places.village, name="刘导师", school=places.school, id_number=make_id_number(sequence=78)
    )
    teacher = client_for(cast["teacher"])
    assert teacher.get(reverse("children:child_detail", args=[pupil.pk])).status_code == 404
    admin = client_for(cast["school_admin"])
    admin.post(
        reverse("care:assign", args=[pupil.pk]), {"what": "mentor", "user": cast["teacher"].pk}
    )
    assert teacher.get(reverse("children:child_detail", args=[pupil.pk])).status_code == 200
    assignment = Assignment.objects.get(child=pupil)
    admin.post(reverse("care:assignment_end", args=[assignment.pk]))
    assert teacher.get(reverse("children:child_detail", args=[pupil.pk])).status_code == 404


@pytest.mark.parametrize(
    "role", ["village_director", "teacher", "volunteer", "township_supervisor"]
)
def test_records_and_lists_outside_the_scope_are_404(kids, cast, client_for, places, role):
    other = make_user("qc_director", role="village_director", area=places.other_county_village)
    record = _visit(other, kids.other_county, TODAY)
    client = client_for(cast[role])
    for url in (
        reverse("care:record_detail", args=[record.pk]),
        reverse("care:record_edit", args=[record.pk]),
        reverse("care:record_new", args=[kids.other_county.pk]),
        reverse("care:assign", args=[kids.other_county.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("care:record_delete", args=[record.pk]),
        reverse("care:follow_up_done", args=[record.pk]),
    ):
        assert client.post(url).status_code == 404, url
    assert CareRecord.objects.filter(pk=record.pk).exists()
    if role != "township_supervisor":
        assert client.get(reverse("care:overview")).status_code == 404
    assert (
        client.get(
            reverse("care:due_list") + f"?what=visit&area={places.other_county.code}"
        ).status_code
        == 404
    )
    assert client.get(reverse("care:plan")).status_code == 404


def test_a_paired_volunteer_reveals_the_guardians_phone_and_nothing_else(
    kids, cast, client_for, places
):
    from guanai.care.models import BackgroundCheck, Helper, Pairing

    helper = Helper.objects.create(
        kind="volunteer", name="志愿者", area=places.village, user=cast["volunteer"]
    )
    BackgroundCheck.objects.create(helper=helper, checked_on=TODAY, result="clear")
    Pairing.objects.create(helper=helper, child=kids.village, started_on=TODAY)
    volunteer = client_for(cast["volunteer"])
    url = reverse("children:child_reveal", args=[kids.village.pk])
    response = volunteer.post(
        url, {"subject": "guardian", "field": "phone", "reason": "home_visit"}
    )
    assert response.status_code == 200
    assert "13700003333" in response.content.decode()
    assert AccessEvent.objects.filter(user=cast["volunteer"], field="guardian.phone").exists()
    for subject, field in (("father", "phone"), ("child", "id_number"), ("child", "address")):
        refused = volunteer.post(url, {"subject": subject, "field": field, "reason": "home_visit"})
        assert refused.status_code == 404, (subject, field)


def test_a_helper_whose_login_cannot_see_the_child_is_not_paired(kids, cast, places):
    """Their login would see nothing: the pairing is refused, saying what to do."""
    from guanai.care.models import BackgroundCheck, Helper
    from guanai.care.services import pairing_create
    from guanai.core.errors import ApplicationError

    elsewhere = make_user("sixin_volunteer", role="volunteer", area=places.sibling_village)
    helper = Helper.objects.create(
        kind="volunteer", name="志愿者", area=places.township, user=elsewhere
    )
    BackgroundCheck.objects.create(helper=helper, checked_on=TODAY, result="clear")
    with pytest.raises(ApplicationError, match="不是该儿童所在村"):
        pairing_create(
            user=cast["township_supervisor"],
            helper_id=helper.pk,
            child_id=kids.village.pk,
            started_on=TODAY,
        )
    pairing = pairing_create(
        user=cast["township_supervisor"],
        helper_id=helper.pk,
        child_id=kids.sibling_village.pk,
        started_on=TODAY,
    )
    assert pairing.child == kids.sibling_village


def test_a_follow_up_of_a_corrected_record_is_no_longer_due(kids, cast, client_for):
    from guanai.care.selectors import my_tasks

    director = cast["village_director"]
    old = _visit(
        director,
        kids.village,
        TODAY - timedelta(days=10),
        follow_up="送棉衣",
        follow_up_by=TODAY - timedelta(days=2),
    )
    CareRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=9))
    assert [t.record.pk for t in my_tasks(director, TODAY).follow_ups] == [old.pk]
    correction = record_create(
        user=director,
        child_id=kids.village.pk,
        values={"kind": "home_visit", "occurred_on": TODAY - timedelta(days=10)},
        corrects_id=old.pk,
    )
    assert correction.corrects == old
    assert my_tasks(director, TODAY).follow_ups == []
    from guanai.care.models import CareState

    assert CareState.objects.get(child=kids.village).shared_follow_up_by is None


def test_the_next_follow_up_on_the_care_state_follows_every_change(kids, cast, client_for):
    from guanai.care.models import CareState
    from guanai.care.services import follow_up_done

    director = cast["village_director"]
    first = _visit(
        director,
        kids.village,
        TODAY - timedelta(days=5),
        follow_up="送棉衣",
        follow_up_by=TODAY - timedelta(days=1),
    )
    _visit(
        director,
        kids.village,
        TODAY - timedelta(days=4),
        follow_up="问成绩",
        follow_up_by=TODAY + timedelta(days=3),
    )

    def state():
        row = CareState.objects.get(child=kids.village)
        return row.follow_up_by, row.shared_follow_up_by

    assert state() == (TODAY - timedelta(days=1), TODAY - timedelta(days=1))
    overview = client_for(cast["township_supervisor"]).get(
        reverse("care:due_list") + "?what=follow_up"
    )
    assert "张小明" in overview.content.decode()
    follow_up_done(user=director, record_id=first.pk)
    assert state() == (TODAY + timedelta(days=3), TODAY + timedelta(days=3))
    overview = client_for(cast["township_supervisor"]).get(
        reverse("care:due_list") + "?what=follow_up"
    )
    assert "张小明" not in overview.content.decode()


def test_a_counselling_session_raises_the_risk_level_from_its_form(kids, cast, client_for):
    from guanai.children.models import ChildChange

    _counselling(cast, kids)  # consent and the counsellor's assignment
    counsellor = client_for(cast["counsellor"])
    response = counsellor.post(
        reverse("care:record_new", args=[kids.village.pk]),
        {
            "kind": "counselling",
            "occurred_on": TODAY.isoformat(),
            "method": "in_person",
            "found": "情绪低落，不愿上学",
            "concerns": ["psychological", "academic"],
            "risk_level": "high",
            "apply_concerns": "on",
        },
    )
    assert response.status_code == 302
    kids.village.refresh_from_db()
    assert kids.village.risk_level == "high"
    assert kids.village.concerns == ["academic", "psychological"]
    change = ChildChange.objects.filter(child=kids.village).latest("at")
    assert "心理辅导后更新" in change.comment


def test_children_without_a_director_are_counted_per_village_and_listed(
    kids, cast, client_for, places
):
    """石桥村 has no child director and its child names none; 长滩村's children have the
    village's (the cast's director), named or not."""
    from guanai.care.selectors import counts_by
    from guanai.children.selectors import children_visible_to

    counts = counts_by(children_visible_to(cast["county_admin"]), "village", TODAY)
    assert counts[places.other_township_village.code].without_director == 1
    assert counts[places.village.code].without_director == 0
    township = counts_by(children_visible_to(cast["county_admin"]), "township", TODAY)
    assert township[places.other_township.prefix].without_director == 1
    listed = client_for(cast["county_admin"]).get(reverse("care:due_list") + "?what=no_director")
    page = listed.content.decode()
    assert "王五" in page
    assert "张小明" not in page
