"""Rosters as townships keep them, without every official column: they import, each child
registered as 待补充 with what their file lacks, named on the file's page; only what
identifies a child is required; a file sent later with the missing columns completes them,
and a blank cell never clears what is known."""

import io
from datetime import date

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from conftest import make_child, make_id_number, run_jobs
from guanai.children.models import Child
from guanai.children.selectors import child_counts, incomplete_counts
from guanai.children.undo import batch_changes_undo
from guanai.roster.exporting import HEADERS, roster_rows, write_xlsx
from guanai.roster.importing import Action, import_plan, import_roster
from guanai.roster.models import ImportBatch
from guanai.roster.services import batch_import_now

TODAY = date(2026, 3, 20)

# What a township's roster has: no 就学状况, no 监护情况评估.
TOWNSHIP = [
    "序号", "姓名", "性别", "出生日期", "身份证号码", "乡镇", "村", "健康状况", "监护类型",
    "监护人", "监护人电话", "父亲姓名", "父亲务工地点", "母亲姓名", "母亲务工地点",
]  # fmt: skip
# The columns it lacked, sent later by the school.
SCHOOL = ["序号", "姓名", "身份证号码", "乡镇", "村", "就学状况", "就读学校", "监护情况评估"]


def workbook(header: list[str], rows: list[dict[str, object]]) -> bytes:
    """An xlsx as a township makes one: a merged title, a line of who filled it in, then
    the header."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Sheet1")
    sheet.merge_range(0, 0, 0, len(header) - 1, "旺苍县东河镇农村留守儿童花名册")
    sheet.write(1, 0, "填报单位：东河镇人民政府（盖章）      填报时间：2026年3月")
    sheet.write_row(2, 0, header)
    for index, row in enumerate(rows, start=3):
        sheet.write_row(index, 0, [row.get(column, "") for column in header])
    book.close()
    return out.getvalue()


def identity(n: int, name: str, number: str) -> dict[str, object]:
    """What every row tells the child by, in both files."""
    return {"序号": n, "姓名": name, "身份证号码": number, "乡镇": "东河镇", "村": "长滩村"}


def township_row(n: int, name: str, number: str, **cells: object) -> dict[str, object]:
    surname = name[:1] or "钱"
    township = {
        "健康状况": "健康",
        "监护类型": "隔代监护",
        "监护人": f"{surname}奶奶",
        "监护人电话": "13812345678",
        "父亲姓名": f"{surname}大山",
        "父亲务工地点": "广东省东莞市",
        "母亲姓名": "李秀英",
        "母亲务工地点": "浙江宁波",
    }
    return identity(n, name, number) | township | cells


def school_row(n: int, name: str, number: str, **cells: object) -> dict[str, object]:
    school = {"就学状况": "小学", "就读学校": "东河小学", "监护情况评估": "一般"}
    return identity(n, name, number) | school | cells


def numbers(count: int) -> list[str]:
    return [make_id_number(birth=date(2014, 5, 1 + i), sequence=300 + i) for i in range(count)]


@pytest.fixture
def ids() -> list[str]:
    return numbers(3)


@pytest.fixture
def township_file(ids) -> bytes:
    return workbook(TOWNSHIP, [township_row(i + 1, f"王{i}", n) for i, n in enumerate(ids)])


def test_a_township_roster_without_schooling_or_assessment_imports_every_child_as_incomplete(
    places, cast, township_file
):
    director = cast["village_director"]
    plan = import_plan(user=director, data=township_file, today=TODAY)
    assert plan.errors == []
    assert plan.counts == {"create": 3, "update": 0, "unchanged": 0, "error": 0}
    assert (plan.incomplete, plan.missing) == (3, {"schooling": 3, "assessment": 3})

    import_roster(user=director, data=township_file, write=True, today=TODAY)
    children = list(Child.objects.order_by("name"))
    assert len(children) == 3
    for child in children:
        assert child.incomplete
        assert child.missing_labels == ["就学状况", "监护情况评估"]
        assert (child.schooling, child.assessment) == ("", "")
        # What the file did say is kept, and the left-behind facts follow from it.
        assert (child.health, child.guardianship_type) == ("healthy", "grandparent")
        assert child.father.away_for_work
        assert child.mother.away_for_work
        assert child.parents_away_2016
        assert not child.parents_work_unknown


def test_the_files_page_names_the_missing_fields(places, cast, client_for, township_file):
    client = client_for(cast["village_director"])
    client.post(
        reverse("roster:import"),
        {"file": SimpleUploadedFile("东河镇花名册.xlsx", township_file)},
    )
    run_jobs()
    batch = ImportBatch.objects.get()
    assert batch.state == "checked"
    page = client.get(reverse("roster:import_detail", args=[batch.pk])).content.decode()
    assert "3 名儿童资料不全" in page
    assert "待补充：就学状况（3）、监护情况评估（3）" in page
    assert "导入有效的 3 行" in page

    client.post(reverse("roster:import_apply", args=[batch.pk]))
    run_jobs()
    page = client.get(reverse("roster:import_detail", args=[batch.pk])).content.decode()
    assert "已登记并标为“待补充”" in page
    assert "待补充：就学状况（3）、监护情况评估（3）" in page
    assert "?completeness=incomplete" in page
    # The county admin overseeing the batch sees the counts (nothing of the file).
    page = client_for(cast["county_admin"]).get(reverse("roster:import_detail", args=[batch.pk]))
    assert "待补充：就学状况（3）" in page.content.decode()


def test_what_identifies_a_child_is_still_required(places, cast):
    rows = [
        # No village: a child of nowhere cannot be registered.
        township_row(1, "赵一", numbers(1)[0], 村=""),
        # No ID number, no birth date.
        township_row(2, "赵二", "", 性别="男"),
        # No ID number, no gender.
        township_row(3, "赵三", "", 出生日期="2015-06-01"),
        # No ID number, but a birth date and a gender: enough.
        township_row(4, "赵四", "", 性别="女", 出生日期="2015-06-01"),
        # No name.
        township_row(5, "", numbers(2)[1]),
    ]
    plan = import_plan(user=cast["village_director"], data=workbook(TOWNSHIP, rows), today=TODAY)
    faults = {(e.row, e.column) for e in plan.errors}
    assert faults == {(4, "村"), (5, "出生日期"), (6, "性别"), (8, "姓名")}
    messages = {e.column: e.message for e in plan.errors}
    assert messages["出生日期"] == "请填写出生日期，或填写身份证号码。"
    assert messages["性别"] == "请填写性别，或填写身份证号码。"
    assert plan.counts == {"create": 1, "update": 0, "unchanged": 0, "error": 4}
    assert plan.incomplete == 1


def test_a_file_without_a_village_column_is_refused_row_by_row(places, cast, ids):
    header = [column for column in TOWNSHIP if column not in ("乡镇", "村")]
    data = workbook(header, [township_row(i + 1, f"钱{i}", n) for i, n in enumerate(ids)])
    plan = import_plan(user=cast["village_director"], data=data, today=TODAY)
    assert plan.counts[Action.ERROR] == 3
    assert {e.column for e in plan.errors} == {"村(社区)"}


def test_the_missing_columns_sent_later_fill_the_files_in_and_clear_the_mark(
    places, cast, ids, township_file
):
    director = cast["village_director"]
    import_roster(user=director, data=township_file, write=True, today=TODAY)
    later = workbook(SCHOOL, [school_row(i + 1, f"王{i}", n) for i, n in enumerate(ids)])
    plan = import_plan(user=director, data=later, today=TODAY)
    assert plan.counts == {"create": 0, "update": 3, "unchanged": 0, "error": 0}
    assert plan.incomplete == 0
    import_roster(user=director, data=later, write=True, today=TODAY)
    for child in Child.objects.select_related("school"):
        assert not child.incomplete
        assert (child.schooling, child.school, child.assessment) == (
            "primary",
            places.school,
            "ordinary",
        )
        # The rest stays as the township's file had it.
        assert child.guardianship_type == "grandparent"
        assert child.father.away_for_work
        entry = child.changes.filter(kind="updated").get()
        fields = {change["field"]: change for change in entry.changes}
        assert fields["missing_fields"]["old_display"] == "监护情况评估、就学状况"
        assert fields["missing_fields"]["new_display"] == ""
    # The same file again changes nothing.
    again = import_plan(user=director, data=later, today=TODAY)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 3, "error": 0}


def test_a_file_filling_in_part_leaves_the_rest_to_complete(places, cast, ids, township_file):
    director = cast["village_director"]
    import_roster(user=director, data=township_file, write=True, today=TODAY)
    header = [column for column in SCHOOL if column != "监护情况评估"]
    later = workbook(header, [school_row(i + 1, f"王{i}", n) for i, n in enumerate(ids)])
    plan = import_plan(user=director, data=later, today=TODAY)
    assert (plan.incomplete, plan.missing) == (3, {"assessment": 3})
    import_roster(user=director, data=later, write=True, today=TODAY)
    assert {tuple(c.missing_fields) for c in Child.objects.all()} == {("assessment",)}


def test_a_blank_cell_is_unknown_and_clears_nothing(places, cast):
    number = numbers(1)[0]
    held = make_child(
        places.village,
        name="孙一",
        id_number=number,
        birth_date=date(2014, 5, 1),
        gender="female",
        school=places.school,
    )
    assert (held.schooling, held.assessment, held.incomplete) == ("primary", "ordinary", False)
    rows = [school_row(1, "孙一", number, 就学状况="", 监护情况评估="待补充", 就读学校="东河小学")]
    plan = import_plan(user=cast["village_director"], data=workbook(SCHOOL, rows), today=TODAY)
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 1, "error": 0}
    import_roster(
        user=cast["village_director"], data=workbook(SCHOOL, rows), write=True, today=TODAY
    )
    held.refresh_from_db()
    assert (held.schooling, held.assessment, held.incomplete) == ("primary", "ordinary", False)


def test_parents_work_unknown_is_counted_apart_not_as_at_home(places, cast, ids):
    """A roster without the parents' work places: whether the children are left behind is
    unknown, so they are in neither count, counted apart, until a file says."""
    header = [c for c in TOWNSHIP if c not in ("父亲务工地点", "母亲务工地点")]
    rows = [township_row(i + 1, f"周{i}", n) for i, n in enumerate(ids)]
    county = cast["county_admin"]
    import_roster(user=county, data=workbook(header, rows), write=True, today=TODAY)
    children = list(Child.objects.all())
    assert all(c.parents_work_unknown and c.review_state == "approved" for c in children)
    assert {tuple(c.missing_labels) for c in children} == {
        ("就学状况", "监护情况评估", "父母外出务工情况")
    }
    counts = child_counts(county, on=TODAY)
    assert (counts["total"], counts["left_behind_2016"], counts["left_behind_broad"]) == (3, 0, 0)
    assert incomplete_counts(county, on=TODAY) == {"incomplete": 3, "work_unknown": 3}

    # The township's full file comes: the work places say both parents are away.
    import_roster(user=county, data=workbook(TOWNSHIP, rows), write=True, today=TODAY)
    assert not any(c.parents_work_unknown for c in Child.objects.all())
    counts = child_counts(county, on=TODAY)
    assert (counts["left_behind_2016"], counts["left_behind_broad"]) == (3, 3)
    assert incomplete_counts(county, on=TODAY) == {"incomplete": 3, "work_unknown": 0}


def test_an_export_of_incomplete_children_says_so_and_imports_back_unchanged(places, cast, ids):
    header = [c for c in TOWNSHIP if c != "母亲务工地点"]
    rows = [township_row(i + 1, f"吴{i}", n) for i, n in enumerate(ids)]
    director = cast["village_director"]
    import_roster(user=director, data=workbook(header, rows), write=True, today=TODAY)
    exported = list(roster_rows(Child.objects.all(), full=True))
    first = dict(zip(HEADERS, exported[0], strict=True))
    assert (first["就学状况"], first["监护情况评估"]) == ("待补充", "待补充")
    assert first["父亲务工地点"] == "广东省东莞市"  # stated: away, the province named in full
    assert first["母亲务工地点"] == "待补充"  # never stated
    out = io.BytesIO()
    write_xlsx(iter(exported), out, title="留守儿童花名册")
    plan = import_plan(user=director, data=out.getvalue(), today=TODAY)
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 3, "error": 0}
    assert plan.missing == {"schooling": 3, "assessment": 3, "parents_work": 3}


def test_undoing_the_import_that_completed_the_files_marks_them_again(
    places, cast, ids, township_file
):
    director = cast["village_director"]
    import_roster(user=director, data=township_file, write=True, today=TODAY)
    later = workbook(SCHOOL, [school_row(i + 1, f"王{i}", n) for i, n in enumerate(ids)])
    batch, _report = batch_import_now(user=director, file_name="学校名单.xlsx", data=later)
    assert not Child.objects.exclude(missing_fields="").exists()
    result = batch_changes_undo(user=director, batch_id=batch.pk, comment="撤销")
    assert result.reverted == 3
    for child in Child.objects.all():
        assert child.missing_labels == ["就学状况", "监护情况评估"]
        assert (child.schooling, child.school_id, child.assessment) == ("", None, "")


def test_the_command_line_names_the_missing_fields(places, cast, tmp_path, township_file):
    path = tmp_path / "东河镇.xlsx"
    path.write_bytes(township_file)
    out = io.StringIO()
    call_command("import_roster", str(path), "--as", "village_director", "--dry-run", stdout=out)
    assert "其中待补充 3（就学状况 3、监护情况评估 3）" in out.getvalue()
