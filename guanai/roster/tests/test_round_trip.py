"""A roster exported and imported back changes only what was changed in the file between:
in full, and masked (ID numbers, phones and addresses starred out)."""

import io
from datetime import date

import pytest
import xlsxwriter
from django.urls import reverse
from django.utils import translation
from python_calamine import CalamineWorkbook

from conftest import make_child, make_id_number
from guanai.children.derived import child_derive
from guanai.children.idnumber import id_index
from guanai.children.models import Child, ChildChange, Person
from guanai.roster.exporting import roster_rows, roster_title, write_xlsx
from guanai.roster.importing import import_plan, import_roster
from guanai.roster.values import is_masked


def demo_like_child(places, name="陈小雨", sequence=31, **fields):
    """A child as the demo and the forms store one: provinces and cities by their full
    names, full-width brackets in the address, parents with ID numbers."""
    child = make_child(
        places.village,
        name=name,
        school=places.school,
        id_number=make_id_number(sequence=sequence),
        address="旺苍县东河镇长滩村（三组）12号",
        grade="三年级",
        class_name="2班",
        boarding=True,
        ethnicity="汉族",
        risk_level="medium",
        **fields,
    )
    for person, province, city, number in (
        (
            child.father,
            "广东省",
            "深圳市",
            make_id_number(birth=date(1985, 6, 1), sequence=sequence + 1),
        ),
        (
            child.mother,
            "浙江省",
            "杭州市",
            make_id_number(birth=date(1987, 2, 3), sequence=sequence + 2),
        ),
    ):
        person.work_province, person.work_city = province, city
        person.id_number, person.id_number_index = number, id_index(number)
        person.save()
    child_derive(child)
    child.save()
    return child


def exported(children, *, full: bool) -> list[list[object]]:
    out = io.BytesIO()
    write_xlsx(roster_rows(children, full=full), out, title=roster_title(full=full))
    out.seek(0)
    return CalamineWorkbook.from_filelike(out).get_sheet_by_index(0).to_python()


def as_xlsx(rows: list[list[object]]) -> bytes:
    """The rows saved again as a spreadsheet program would, every cell as it was read."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for index, row in enumerate(rows):
        sheet.write_row(index, 0, row)
    book.close()
    return out.getvalue()


def with_class(rows, name, class_name):
    header = rows[1]
    column = header.index("班级")
    changed = [list(row) for row in rows]
    for row in changed[2:]:
        if row[0] == name:
            row[column] = class_name
    return changed


def snapshot(child: Child) -> dict:
    child = Child.objects.get(pk=child.pk)
    people = {
        role: {f.name: getattr(getattr(child, role), f.name) for f in Person._meta.concrete_fields}
        for role in ("father", "mother", "guardian")
    }
    fields = {f.attname: getattr(child, f.attname) for f in Child._meta.concrete_fields}
    for volatile in ("updated_at",):
        fields.pop(volatile)
    return {"child": fields, **people}


def differences(after: dict, before: dict) -> dict:
    return {
        (part, name): (before[part][name], value)
        for part, values in after.items()
        for name, value in values.items()
        if before[part][name] != value
    }


@pytest.mark.parametrize("full", [True, False], ids=["full", "masked"])
@pytest.mark.parametrize("who", ["township_supervisor", "village_director"])
def test_one_class_cell_changed_in_an_export_changes_that_field_alone(places, cast, full, who):
    child = demo_like_child(places)
    # Registered in another village of the township, and a mother away with no place known:
    # the roster says neither, so neither may change.
    other = demo_like_child(places, name="陈小雪", sequence=41)
    other.hukou_area = places.sibling_village
    other.save()
    other.mother.work_province = other.mother.work_city = ""
    other.mother.save()
    supervisor = cast[who]
    before, other_before = snapshot(child), snapshot(other)
    changes = ChildChange.objects.count()
    data = as_xlsx(with_class(exported(Child.objects.order_by("pk"), full=full), "陈小雨", "5班"))

    plan = import_plan(user=supervisor, data=data)
    assert plan.errors == []
    assert plan.counts == {"create": 0, "update": 1, "unchanged": 1, "error": 0}
    import_roster(user=supervisor, data=data, write=True)

    after = snapshot(child)
    assert after["child"].pop("class_name") == "5班"
    before["child"].pop("class_name")
    for volatile in ("reviewed_at", "reviewed_by_id"):
        after["child"].pop(volatile), before["child"].pop(volatile)
    assert differences(after, before) == {}
    assert snapshot(other) == other_before
    (entry,) = ChildChange.objects.order_by("pk")[changes:]
    assert (entry.child_id, entry.subject) == (child.pk, "child")
    assert [c["field"] for c in entry.changes] == ["class_name"]


def test_a_masked_value_for_a_new_child_is_a_fault_that_says_how_to_get_the_file_in_full(
    places, cast
):
    demo_like_child(places)
    rows = exported(Child.objects.all(), full=False)
    assert rows[0][0] == "留守儿童花名册（身份证号码、电话和住址已脱敏）"
    rows[2][0] = "陈小新"  # not the child held: a new one, whose starred values stand for nothing
    director = cast["village_director"]

    report = import_roster(user=director, data=as_xlsx(rows), write=True)

    assert report.counts == {"create": 0, "update": 0, "unchanged": 0, "error": 1}
    faults = {error.column: error for error in report.errors}
    assert set(faults) == {
        "公民身份号码",
        "现住址",
        "父亲身份证号码",
        "父亲联系电话",
        "母亲身份证号码",
        "母亲联系电话",
        "委托监护人联系电话",
    }
    message = faults["公民身份号码"].message
    assert "脱敏导出" in message
    assert "导出完整信息" in message
    assert faults["父亲联系电话"].value == "138****1111"
    assert any("脱敏导出的花名册" in warning for warning in report.warnings)
    assert not Child.objects.filter(name="陈小新").exists()
    # A starred phone is never read as the digits left in it.
    assert not Person.objects.filter(phone="1381111").exists()


def test_the_list_says_what_a_masked_export_masks(places, cast, client_for):
    page = client_for(cast["township_supervisor"]).get(reverse("children:child_list"))
    assert "Excel（身份证号码、电话和住址已脱敏）" in page.content.decode()


def test_a_masked_row_that_could_be_either_of_two_children_is_a_fault_not_a_guess(places, cast):
    # Namesakes born the same day in one village: only their ID numbers tell them apart.
    first = demo_like_child(places, name="陈小雨", sequence=31)
    second = demo_like_child(places, name="陈小雨", sequence=51)
    rows = with_class(exported(Child.objects.order_by("pk"), full=False), "陈小雨", "5班")

    report = import_roster(user=cast["township_supervisor"], data=as_xlsx(rows), write=True)

    assert report.counts == {"create": 0, "update": 0, "unchanged": 0, "error": 2}
    assert all("无法确定是哪一名" in error.message for error in report.errors)
    assert {child.class_name for child in Child.objects.filter(pk__in=[first.pk, second.pk])} == {
        "2班"
    }


def test_two_rows_for_one_child_held_are_a_fault_not_two_updates(places, cast):
    demo_like_child(places)
    rows = exported(Child.objects.all(), full=False)
    rows.append(with_class(rows, "陈小雨", "5班")[2])  # the same child again, another class

    report = import_roster(user=cast["township_supervisor"], data=as_xlsx(rows), write=True)

    assert report.counts == {"create": 0, "update": 0, "unchanged": 1, "error": 1}
    assert report.errors[0].message == "与第 3 行是同一名儿童。"
    assert Child.objects.get().class_name == "2班"


@pytest.mark.parametrize(
    ("value", "address", "masked"),
    [
        ("510821************", False, True),
        ("５１０８２１＊＊＊＊＊＊＊＊＊＊＊＊", False, True),  # full-width
        ("138****5678", False, True),
        ("**********67", False, True),
        ("旺苍县东河镇****", True, True),
        ("****", True, True),
        ("51082120150305011X", False, False),
        ("@SUM(1+1)*cmd", False, False),  # a star, but no mask: refused as the number it is
        ("三组*号", True, False),
    ],
)
def test_only_what_a_masked_export_writes_reads_as_masked(value, address, masked):
    assert is_masked(value, address=address) is masked


def test_an_export_made_in_english_imports_back_unchanged(places, cast):
    demo_like_child(places)
    away = demo_like_child(places, name="陈小雪", sequence=41)
    away.mother.work_province = away.mother.work_city = ""  # away, the place not known
    away.mother.save()
    with translation.override("en"):
        rows = exported(Child.objects.order_by("pk"), full=True)
    assert "Grandparent care" in rows[2]
    assert "Working away" in rows[3]

    plan = import_plan(user=cast["village_director"], data=as_xlsx(rows))

    assert plan.errors == []
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 2, "error": 0}
