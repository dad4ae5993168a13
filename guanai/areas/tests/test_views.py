"""Area and school pages: contents, filters, editing, query counts."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanai.areas.models import Area, School


def post_new_school(client, *, name: str, code: str, area: Area, stage: str = "primary"):
    """The form for a new school, filled in and sent."""
    return client.post(
        reverse("areas:school_new"), {"name": name, "code": code, "area": area.code, "stage": stage}
    )


def test_the_school_list_filters_by_township_and_name(cast, places, client_for):
    client = client_for(cast["county_admin"])
    page = client.get(
        reverse("areas:school_list"), {"township": places.township.code}
    ).content.decode()
    assert "东河小学" in page
    assert "嘉川小学" not in page
    page = client.get(reverse("areas:school_list"), {"q": "嘉川"}).content.decode()
    assert "嘉川小学" in page
    assert "东河小学" not in page
    assert "乔庄小学" not in page  # another county


def test_the_school_list_answers_htmx_with_the_rows_only(cast, places, client_for):
    response = client_for(cast["county_admin"]).get(
        reverse("areas:school_list"), {"q": "东河"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "东河小学" in html
    assert "<html" not in html


def test_a_village_page_lists_the_schools_of_its_township(cast, places, client_for):
    page = (
        client_for(cast["village_director"])
        .get(reverse("areas:area_detail", args=[places.village.code]))
        .content.decode()
    )
    assert "东河小学" in page
    assert "嘉川小学" not in page


def test_the_school_list_runs_the_same_queries_for_5_or_40_schools(cast, places, client_for):
    client = client_for(cast["county_admin"])
    url = reverse("areas:school_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    School.objects.bulk_create(
        School(name=f"测试小学{n}", code=f"51082110{n:03d}", area=places.township, stage="primary")
        for n in range(40)
    )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_a_county_admin_adds_and_edits_a_school(cast, places, client_for):
    client = client_for(cast["county_admin"])
    response = post_new_school(
        client, name="东河初级中学", code="5108211009", area=places.township, stage="junior"
    )
    school = School.objects.get(code="5108211009")
    assert response["Location"] == reverse("areas:school_detail", args=[school.pk])
    client.post(
        reverse("areas:school_edit", args=[school.pk]),
        {"name": "东河中学", "area": places.township.code, "stage": "junior"},
    )
    school.refresh_from_db()
    assert school.name == "东河中学"


def test_a_school_cannot_be_placed_in_another_county(cast, places, client_for):
    response = post_new_school(
        client_for(cast["county_admin"]),
        name="外县小学",
        code="5108221009",
        area=places.other_county_township,
    )
    assert response.status_code == 200
    assert not School.objects.filter(code="5108221009").exists()


def test_a_duplicate_school_name_in_a_township_gets_a_message(cast, places, client_for):
    response = post_new_school(
        client_for(cast["county_admin"]), name="东河小学", code="5108211019", area=places.township
    )
    assert response.status_code == 200
    assert School.objects.filter(name="东河小学").count() == 1
    assert "已" in response.content.decode()
