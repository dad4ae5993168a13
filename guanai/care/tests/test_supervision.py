"""The township supervisors' log (督导日志): a supervisor logs visits to the villages and
schools of their township and corrects them for 7 days; their county reads them; nobody
else reaches them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from guanai.care import supervision
from guanai.care.models import SupervisionVisit
from guanai.care.services import RecordInvalid

TODAY = timezone.localdate()


def _log(client, place: str, **values):
    data = {
        "place": place,
        "visited_on": TODAY.isoformat(),
        "checked": "查看儿童信息更新和入户走访记录",
        "findings": "两名儿童的委托监护确认书未签",
        "follow_up": "一周内补签",
        "follow_up_by": (TODAY + timedelta(days=7)).isoformat(),
        **values,
    }
    return client.post(reverse("care:supervision_new"), data)


def test_a_supervisor_logs_a_visit_and_the_county_reads_it(places, cast, client_for):
    supervisor = client_for(cast["township_supervisor"])
    response = _log(supervisor, f"v:{places.village.code}")
    assert response.status_code == 302
    visit = SupervisionVisit.objects.get()
    assert (visit.township, visit.village, visit.by) == (
        places.township,
        places.village,
        cast["township_supervisor"],
    )
    school = _log(supervisor, f"s:{places.school.pk}", findings="")
    assert school.status_code == 302
    for role in ("township_supervisor", "county_admin", "county_education", "system_admin"):
        page = client_for(cast[role]).get(reverse("care:supervision_list")).content.decode()
        assert "长滩村村民委员会" in page, role
        assert "东河小学" in page, role
        detail = client_for(cast[role]).get(reverse("care:supervision_detail", args=[visit.pk]))
        assert "两名儿童的委托监护确认书未签" in detail.content.decode(), role


def test_others_reach_no_log(places, cast, client_for):
    supervisor = cast["township_supervisor"]
    supervision.visit_save(
        user=supervisor,
        place=f"v:{places.village.code}",
        values={"visited_on": TODAY, "checked": "检查"},
    )
    visit = SupervisionVisit.objects.get()
    for role in ("village_director", "teacher", "school_admin", "volunteer", "auditor", "league"):
        client = client_for(cast[role])
        assert client.get(reverse("care:supervision_list")).status_code == 404, role
        assert client.get(reverse("care:supervision_detail", args=[visit.pk])).status_code == 404
    # The supervisor of the next township, and the county admin of the next county.
    for user in (
        make_user("jiachuan_sup", role="township_supervisor", area=places.other_township),
        make_user("qingchuan_admin", role="county_admin", area=places.other_county),
    ):
        client = client_for(user)
        assert "长滩村" not in client.get(reverse("care:supervision_list")).content.decode()
        assert client.get(reverse("care:supervision_detail", args=[visit.pk])).status_code == 404
        assert client.get(reverse("care:supervision_edit", args=[visit.pk])).status_code == 404


def test_only_places_of_the_supervisors_township_are_logged(places, cast, client_for):
    for place in (
        f"v:{places.other_township_village.code}",
        f"s:{places.other_township_school.pk}",
        f"v:{places.other_county_village.code}",
        "v:999999999999",
        "x:1",
    ):
        with pytest.raises(RecordInvalid):
            supervision.visit_save(
                user=cast["township_supervisor"],
                place=place,
                values={"visited_on": TODAY, "checked": "检查"},
            )
    assert not SupervisionVisit.objects.exists()
    # The county reads the log but does not write it.
    admin = client_for(cast["county_admin"])
    assert admin.get(reverse("care:supervision_new")).status_code == 404


def test_the_form_shows_the_rules_and_keeps_what_was_typed(places, cast, client_for):
    supervisor = client_for(cast["township_supervisor"])
    response = _log(
        supervisor,
        f"v:{places.village.code}",
        visited_on=(TODAY + timedelta(days=1)).isoformat(),
        checked="",
        follow_up="",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "日期不能晚于今天。" in page
    assert "请写明督导了什么。" in page
    assert "填写了整改期限，请写明整改要求。" in page
    assert "两名儿童的委托监护确认书未签" in page
    assert not SupervisionVisit.objects.exists()


def test_its_author_corrects_a_visit_for_seven_days(places, cast, client_for):
    supervisor = client_for(cast["township_supervisor"])
    _log(supervisor, f"v:{places.village.code}")
    visit = SupervisionVisit.objects.get()
    edit = reverse("care:supervision_edit", args=[visit.pk])
    response = supervisor.post(
        edit,
        {
            "place": f"v:{places.sibling_village.code}",
            "visited_on": TODAY.isoformat(),
            "checked": "检查花名册",
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.village, visit.checked, visit.findings) == (
        places.sibling_village,
        "检查花名册",
        "",
    )
    other = make_user("donghe_sup2", role="township_supervisor", area=places.township)
    assert client_for(other).get(edit).status_code == 404
    SupervisionVisit.objects.filter(pk=visit.pk).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    assert supervisor.get(edit).status_code == 404
