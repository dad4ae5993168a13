"""The ID-number oracle: what a village director learns of records outside their scope by
typing ID numbers into every door that takes one — the roster check (the child's column
and a parent's), the new-child and edit forms (the child's number and the father's), the
check while typing, and the ID-number lookup.

A number held in another county, as a child's or as a parent's, gets the same answer,
word for word (only CSRF tokens, batch ids, times and the number itself differ), and
nothing of the record: not its name, its village, township, county or school. A number
nobody holds goes through. De-duplication stays: the held ones are not registered again.
"""

import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import make_id_number, run_jobs
from guanai.audit.models import AccessEvent
from guanai.children.derived import child_derive
from guanai.children.idnumber import id_index
from guanai.children.models import Child, Person
from guanai.children.tests.test_views import form_data
from guanai.core.crypto import mask_id_number
from guanai.core.tests.attack_kit import World, attacker, body
from guanai.roster.models import ImportBatch
from guanai.roster.tests.test_importing import HEADER, line

pytestmark = pytest.mark.usefixtures("rates_lifted")

# One birth date and gender for every number: the forms fill both in from the number.
BIRTH = date(2015, 6, 1)


@pytest.fixture
def numbers(world: World) -> dict[str, str]:
    """A child's ID number of 青川县, the number of that child's father, and unused ones."""
    child = world.kids.other_county
    child.id_number = make_id_number("510822", BIRTH, 81)
    child_derive(child)
    child.save()
    father = child.father
    father.id_number = make_id_number("510822", BIRTH, 83)
    father.id_number_index = id_index(father.id_number)
    father.save()
    # Names of their own, to be looked for (the cast's children share a mother's name).
    Person.objects.filter(pk=child.mother_id).update(name="钱秀英")
    Person.objects.filter(pk=child.guardian_id).update(name="钱婆婆")
    return {"child": child.id_number, "parent": father.id_number}


def unused(sequence: int) -> str:
    number = make_id_number("510822", BIRTH, sequence)
    assert not Child.objects.filter(id_number_index=id_index(number)).exists()
    assert not Person.objects.filter(id_number_index=id_index(number)).exists()
    return number


def secrets(world: World) -> list[str]:
    """What the director must never see of county B's records."""
    child = Child.objects.select_related("father", "mother", "guardian").get(
        pk=world.kids.other_county.pk
    )
    places = world.places
    return [
        child.name,
        child.father.name,
        child.mother.name,
        child.guardian.name,
        places.other_county.name,
        places.other_county_township.name,
        places.other_county_village.name,
        "城郊村",
        places.other_county_school.name,
        world.outsider.username,
    ]


def normalised(text: str, number: str) -> str:
    """The response without what may differ between two submissions of the same form."""
    for shown in (number, mask_id_number(number)):
        text = text.replace(shown, "<number>")
    text = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1-", text)
    text = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1-", text)
    text = re.sub(r"/children/import/\d+/", "/children/import/N/", text)
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "<time>", text)


def roster_check(client, number: str, column: str) -> tuple[str, ImportBatch]:
    """A one-row roster, the number in the child's column or the father's, uploaded and
    checked: the batch's page, its message and faults, and the faulty rows file."""
    header = HEADER + ",父亲身份证号码"
    child_number = number if column == "child" else make_id_number(birth=BIRTH, sequence=901)
    father_number = number if column == "father" else ""
    row = line(1, "冯一", child_number) + f",{father_number}"
    data = "\r\n".join([header, row, ""]).encode()
    upload = SimpleUploadedFile("花名册.csv", data)
    assert client.post(reverse("roster:import"), {"file": upload}).status_code == 302
    run_jobs()
    batch = ImportBatch.objects.latest("pk")
    page = client.get(reverse("roster:import_detail", args=[batch.pk])).content.decode()
    if batch.counts.get("error"):
        errors = client.get(reverse("roster:import_errors", args=[batch.pk]))
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(body(errors))).get_sheet_by_index(0)
        page += repr(sheet.to_python())
    return page, batch


def submitted(client, response) -> tuple[str, int]:
    """A form's answer; a redirect is followed, so that its messages are not left for the
    next page."""
    if response.status_code == 302:
        client.get(response["Location"])
    return response.content.decode(), response.status_code


def new_child(client, places, number: str, field: str) -> tuple[str, int]:
    key = "id_number" if field == "child" else "father-id_number"
    data = form_data(places, name="冯二", **{key: number})
    if field != "child":
        data["id_number"] = ""
        data["birth_date"], data["gender"] = BIRTH.isoformat(), "female"
    return submitted(client, client.post(reverse("children:child_new"), data))


def edit_child(client, places, child: Child, number: str, field: str) -> tuple[str, int]:
    key = "id_number" if field == "child" else "father-id_number"
    data = form_data(places, name=child.name, **{"id_number": "", key: number})
    if field != "child":  # the stored number stays, and is checked against these
        data["birth_date"], data["gender"] = child.birth_date.isoformat(), child.gender
    return submitted(client, client.post(reverse("children:child_edit", args=[child.pk]), data))


def test_a_number_held_in_another_county_reads_the_same_as_a_child_or_as_a_parent(
    world, numbers, client_for
):
    director = world.cast["village_director"]
    client = attacker(client_for(director))
    places = world.places
    held = [("child", numbers["child"]), ("parent", numbers["parent"])]
    hidden = secrets(world)
    answers: dict[str, dict[str, str]] = {}

    def answer(door: str, kind: str, number: str, text: str) -> None:
        leaked = [secret for secret in hidden if secret in text]
        assert not leaked, (door, kind, leaked)
        answers.setdefault(door, {})[kind] = normalised(text, number)

    for column in ("child", "father"):
        for kind, number in held:
            page, batch = roster_check(client, number, column)
            assert batch.state == "checked", batch.message
            assert batch.counts["error"] == 1, (column, kind, batch.counts)
            answer(f"roster check, {column}'s column", kind, number, page)
        page, batch = roster_check(client, unused(91 if column == "child" else 93), column)
        assert batch.counts["create"] == 1, (column, batch.counts)

    for field in ("child", "father"):
        for kind, number in held:
            text, status = new_child(client, places, number, field)
            assert status == 200, (field, kind)
            answer(f"new child form, {field}'s number", kind, number, text)
        assert new_child(client, places, unused(95 if field == "child" else 97), field)[1] == 302

    own = world.kids.village
    for field in ("child", "father"):
        own.refresh_from_db()
        for kind, number in held:
            text, status = edit_child(client, places, own, number, field)
            assert status == 200, (field, kind)
            answer(f"edit form, {field}'s number", kind, number, text)
        sequence = 99 if field == "child" else 101
        text, status = edit_child(client, places, own, unused(sequence), field)
        assert status == 302, re.findall(r"(?:invalid-feedback|alert)[^>]*>([^<]+)", text)

    for kind, number in held:
        data = form_data(places, id_number=number)
        inline = client.post(reverse("children:child_validate_new"), data, HTTP_HX_REQUEST="true")
        answer("check while typing", kind, number, inline.content.decode())
        found = client.post(reverse("children:child_find"), {"id_number": number}, follow=True)
        answer("ID-number lookup", kind, number, found.content.decode())

    different = [door for door, pages in answers.items() if pages["child"] != pages["parent"]]
    assert not different, different
    # The held numbers were held, not registered a second time, and each try is logged.
    assert Child.objects.filter(id_number_index=id_index(numbers["child"])).count() == 1
    assert not Child.objects.filter(id_number_index=id_index(numbers["parent"])).exists()
    logged = AccessEvent.objects.filter(user=director, action="conflict")
    assert logged.count() == 12  # 2 numbers × (2 roster columns + 2 new + 2 edit fields)
