"""The home page (工作台) of each role: what the user has and what to do next, each figure
opening the list it counts, each left-behind figure saying which definition it uses."""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from conftest import make_child, make_user
from guanai.children.models import Child
from guanai.children.services import child_review

pytestmark = pytest.mark.django_db

ROLES_WITH_LISTS = [
    "system_admin",
    "county_admin",
    "county_education",
    "league",
    "township_supervisor",
    "village_director",
    "school_admin",
    "teacher",
]


def home(client):
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    return response


def listed(client, url: str) -> int:
    """How many the page a figure links to says it holds."""
    parts = urlsplit(url)
    response = client.get(parts.path, dict(re.findall(r"([^&=]+)=([^&]*)", parts.query)))
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


@pytest.fixture
def roster(places, cast, kids):
    """Besides the kids (one per place, all approved): in 长滩村 one pending, one with no
    guardian and high risk, one whose parents are home (not left behind), one exited."""
    make_child(places.village, name="张待审", review_state="pending", school=places.school)
    unguarded = make_child(
        places.village,
        name="张无人",
        risk_level="high",
        school=places.school,
        responsible_teacher=cast["teacher"],
    )
    Child.objects.filter(pk=unguarded.pk).update(guardianship_type="none")
    make_child(places.village, name="张在家", father_away=False, mother_away=False)
    make_child(places.village, name="张移出", status="exited")


@pytest.mark.parametrize("role", ROLES_WITH_LISTS)
def test_every_figure_opens_the_list_it_counts(role, cast, roster, client_for):
    client = client_for(cast[role])
    response = home(client)
    figures = response.context["figures"] + response.context["attention"]
    assert figures, role
    for figure in figures:
        assert figure.url, (role, figure.key)
        assert listed(client, figure.url) == figure.value, (role, figure.key)
        assert f'href="{figure.url.replace("&", "&amp;")}"' in response.content.decode()


def test_the_county_sees_its_figures_with_the_definition_each_uses(cast, roster, client_for):
    response = home(client_for(cast["county_admin"]))
    figures = {f.key: f for f in response.context["figures"]}
    # Approved and active: the three kids of 旺苍县, 张无人 and 张在家.
    assert figures["total"].value == 5
    assert figures["left_behind_2016"].value == 4  # 张在家's parents are at home
    assert figures["left_behind_broad"].value == 4
    assert figures["pending"].value == 1
    body = response.content.decode()
    assert "留守儿童（2016年定义）" in body
    assert "国发〔2016〕13号：未满16周岁、农业户籍，父母均外出务工" in body
    assert (
        '留守学生（学校口径）</dt>：<dd class="d-inline">未满18周岁，父母至少一方外出务工' in body
    )
    # The figure that used to read as a bug says why, when it is the total.
    assert "与在册人数相同" not in body
    Child.objects.filter(name="张在家").delete()
    assert "在册儿童都至少有一方父母外出，所以这一数字与在册人数相同。" in (
        home(client_for(cast["county_admin"])).content.decode()
    )
    attention = {f.key: f.value for f in response.context["attention"]}
    assert attention == {"no_guardian": 1, "high_risk": 1}


def test_a_supervisor_is_told_what_waits_for_review(cast, roster, client_for):
    response = home(client_for(cast["township_supervisor"]))
    steps = {s.key: s for s in response.context["next_steps"]}
    assert steps["review"].value == 1
    assert steps["review"].url == reverse("children:review_list")
    assert "1 份档案等待您审核" in response.content.decode()
    assert 'data-testid="township-count">1<' in response.content.decode()
    assert 'data-testid="village-count">2<' in response.content.decode()


def test_a_village_director_sees_what_they_submitted_and_can_register(
    places, cast, roster, client_for
):
    response = home(client_for(cast["village_director"]))
    body = response.content.decode()
    steps = {s.key: s for s in response.context["next_steps"]}
    assert steps["submitted"].value == 1
    assert listed(client_for(cast["village_director"]), steps["submitted"].url) == 1
    assert reverse("children:child_new") in body
    assert reverse("roster:import") in body
    figures = {f.key: f.value for f in response.context["figures"]}
    assert figures["total"] == 3  # the kid of 长滩村, 张无人 and 张在家


def test_a_teacher_sees_their_pupils_not_townships(places, cast, roster, client_for):
    response = home(client_for(cast["teacher"]))
    body = response.content.decode()
    figures = {f.key: f.value for f in response.context["figures"]}
    assert figures["total"] == 2  # the kid of 长滩村 and 张无人, assigned to them
    assert "我负责的学生" in body
    assert "管辖范围" not in body
    assert 'data-testid="my-schools"' in body
    assert "东河小学" in body
    steps = {s.key: s for s in response.context["next_steps"]}
    assert steps["my_students"].url == reverse("children:child_list")
    assert steps["my_high_risk"].value == 1
    assert "1 名高风险学生，请优先关注" in body
    assert "查看您负责的 2 名学生，联系监护人" in body


def test_a_counsellor_without_pupils_is_told_why(places, cast, roster, client_for):
    client = client_for(cast["counsellor"])
    body = home(client).content.decode()
    assert 'data-testid="assigned-empty"' in body
    assert "目前还没有学生分配给您：请学校管理员在学生档案中把您设为责任教师。" in body
    assert "管辖范围" not in body
    page = client.get(reverse("children:child_list")).content.decode()
    assert "这里只列出东河小学分配给您的学生" in page
    # A filter that finds nobody says only that.
    filtered = client.get(reverse("children:child_list"), {"risk_level": "high"})
    assert "没有符合条件的儿童。" in filtered.content.decode()
    # Once a pupil is assigned, the counsellor sees them and no explanation.
    Child.objects.filter(name="张待审").update(responsible_teacher=cast["counsellor"])
    response = home(client)
    assert {f.key: f.value for f in response.context["figures"]}["total"] == 1
    assert 'data-testid="assigned-empty"' not in response.content.decode()


def test_a_volunteer_is_told_what_comes_and_whom_to_ask(places, cast, client_for):
    cast["village_director"].full_name = "儿童主任 张兰"
    cast["village_director"].save()
    make_user("sixin", role="village_director", area=places.sibling_village)
    body = home(client_for(cast["volunteer"])).content.decode()
    assert 'data-testid="volunteer-panel"' in body
    assert "现在还没有儿童与您结对。" in body
    assert "结对和走访安排请联系本村儿童主任：儿童主任 张兰。" in body
    assert "sixin" not in body  # the next village's director is not theirs
    assert "管辖范围" not in body


def test_a_volunteer_is_told_how_many_children_are_paired_with_them(places, cast, kids, client_for):
    from django.utils import timezone

    from guanai.care.models import BackgroundCheck, Helper, Pairing

    today = timezone.localdate()
    helper = Helper.objects.create(
        kind="volunteer", name="志愿者", area=places.village, user=cast["volunteer"]
    )
    BackgroundCheck.objects.create(helper=helper, checked_on=today, result="clear")
    Pairing.objects.create(helper=helper, child=kids.village, started_on=today)
    body = home(client_for(cast["volunteer"])).content.decode()
    assert "您现在与 1 名儿童结对" in body
    assert reverse("care:my_tasks") in body  # in the menu and the tasks panel


def test_the_league_sees_figures_and_lists_but_nothing_to_edit(cast, roster, client_for):
    response = home(client_for(cast["league"]))
    body = response.content.decode()
    assert {f.key for f in response.context["figures"]} >= {"total", "left_behind_2016"}
    assert reverse("children:child_new") not in body
    assert 'data-testid="returned-to-me"' not in body
    steps = {s.key: s for s in response.context["next_steps"]}
    assert steps["unguarded"].value == 1
    assert "1 名儿童无人监护，请优先安排关爱" in body
    assert listed(client_for(cast["league"]), steps["unguarded"].url) == 1


def test_the_auditor_sees_figures_without_lists(cast, roster, client_for):
    response = home(client_for(cast["auditor"]))
    figures = {f.key: f for f in response.context["figures"]}
    assert figures["total"].value == 5
    assert all(not f.url for f in response.context["figures"] + response.context["attention"])
    assert f'href="{reverse("children:child_list")}' not in response.content.decode()


def test_a_school_admin_sees_the_school_and_what_it_submitted(places, cast, roster, client_for):
    response = home(client_for(cast["school_admin"]))
    body = response.content.decode()
    figures = {f.key: f.value for f in response.context["figures"]}
    assert figures["total"] == 2  # the pupils of 东河小学: the kid of 长滩村 and 张无人
    assert figures["pending"] == 1
    assert 'data-testid="my-schools"' in body
    assert "管辖范围" not in body


def test_anonymised_records_are_counted_and_said_to_be_off_the_list(
    places, cast, roster, client_for
):
    from django.utils import timezone

    Child.objects.filter(name="张在家").update(anonymised_at=timezone.now())
    response = home(client_for(cast["county_admin"]))
    assert {f.key: f.value for f in response.context["figures"]}["total"] == 5
    assert "其中 1 份档案已过保留期限匿名化，计入统计但不在名册中列出。" in (
        response.content.decode()
    )


def test_returned_records_are_counted_on_the_home_of_the_one_who_submitted(
    places, cast, client_for
):
    child = make_child(places.village, review_state="pending", created_by=cast["village_director"])
    child_review(
        user=cast["township_supervisor"], child_id=child.pk, approve=False, comment="请核实"
    )
    body = home(client_for(cast["village_director"])).content.decode()
    assert "1 份档案被退回，请按审核意见修改" in body
    assert "请核实" in body
