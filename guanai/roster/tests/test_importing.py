"""Importing rosters: the dry run's counts, de-duplication across the system and within
the file, scope, and importing twice changing nothing."""

import io
from datetime import date

import pytest
from django.core.management import call_command

from conftest import make_child, make_id_number
from guanai.children.errors import identity_conflict_message
from guanai.children.models import Child, ChildChange
from guanai.roster.importing import Action, import_plan, import_roster
from guanai.roster.models import ImportBatch

HEADER = "序号,姓名,性别,出生日期,身份证号码,乡镇,村,就学状况,就读学校,父亲姓名,父亲务工地点,母亲姓名,监护人,与儿童关系,监护类型,监护情况评估"


def line(
    n, name, number, *, village="长滩村", birth="", gender="", school="东河小学", schooling="小学"
):
    return (
        f"{n},{name},{gender},{birth},{number},东河镇,{village},{schooling},{school},"
        f"{name[0]}父,广东深圳,李母,{name[0]}奶奶,奶奶,隔代监护,一般"
    )


def roster(*lines: str, title: str = "旺苍县东河镇留守儿童花名册") -> bytes:
    text = "\r\n".join([title, HEADER, *lines, "合计,3人"]) + "\r\n"
    return text.encode("gbk")


def numbers(count: int) -> list[str]:
    return [make_id_number(birth=date(2014, 1, 1 + i % 28), sequence=100 + i) for i in range(count)]


def test_a_dry_run_counts_and_writes_nothing(places, cast):
    ids = numbers(3)
    data = roster(line(1, "张一", ids[0]), line(2, "张二", ids[1]), line(3, "张三", "12345"))
    plan = import_plan(user=cast["village_director"], data=data)
    assert plan.counts == {"create": 2, "update": 0, "unchanged": 0, "error": 1}
    assert [(e.row, e.column) for e in plan.errors] == [(5, "身份证号码")]
    assert not Child.objects.exists()


def test_importing_twice_changes_nothing_the_second_time(places, cast):
    ids = numbers(3)
    data = roster(*(line(i + 1, f"王{i}", n) for i, n in enumerate(ids)))
    director = cast["village_director"]
    assert import_roster(user=director, data=data, write=True).counts == {
        "create": 3,
        "update": 0,
        "unchanged": 0,
        "error": 0,
    }
    changes = ChildChange.objects.count()
    again = import_plan(user=director, data=data)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 3, "error": 0}
    import_roster(user=director, data=data, write=True)
    assert Child.objects.count() == 3
    assert ChildChange.objects.count() == changes


def test_a_changed_row_becomes_an_update_with_history(places, cast):
    ids = numbers(1)
    director = cast["village_director"]
    import_roster(user=director, data=roster(line(1, "赵一", ids[0])), write=True)
    changed = roster(line(1, "赵一", ids[0], village="四新村", school=""))
    plan = import_plan(user=cast["township_supervisor"], data=changed)
    assert plan.counts[Action.UPDATE] == 1
    import_roster(user=cast["township_supervisor"], data=changed, write=True)
    child = Child.objects.get()
    assert child.village == places.sibling_village
    assert child.changes.filter(kind="updated").exists()


def test_the_same_child_twice_in_one_file_is_a_conflict(places, cast):
    ids = numbers(1)
    plan = import_plan(
        user=cast["village_director"], data=roster(line(1, "孙一", ids[0]), line(2, "孙一", ids[0]))
    )
    assert plan.counts == {"create": 1, "update": 0, "unchanged": 0, "error": 1}
    assert (plan.errors[0].row, plan.errors[0].column, plan.errors[0].message) == (
        4,
        "身份证号码",
        "与第 3 行是同一名儿童（身份证号码相同）。",
    )


def test_a_child_held_by_another_village_is_a_conflict_not_overwritten(places, cast, kids):
    plan = import_plan(
        user=cast["village_director"], data=roster(line(1, "李四", kids.sibling_village.id_number))
    )
    assert plan.counts[Action.ERROR] == 1
    assert plan.errors[0].message == identity_conflict_message()


def test_rows_outside_the_importers_villages_are_errors(places, cast):
    plan = import_plan(
        user=cast["village_director"], data=roster(line(1, "周一", numbers(1)[0], village="四新村"))
    )
    assert plan.counts[Action.ERROR] == 1
    assert plan.errors[0].column == "村"


def test_a_row_without_id_number_matches_by_village_name_and_birth_date(places, cast):
    make_child(places.village, name="吴一", birth_date=date(2015, 3, 5))
    data = roster(
        line(1, "吴一", "", birth="2015-03-05", gender="男"),
        line(2, "吴二", "", birth="2015-03-05", gender="女"),
    )
    plan = import_plan(user=cast["village_director"], data=data)
    assert plan.counts == {"create": 1, "update": 1, "unchanged": 0, "error": 0}
    import_roster(user=cast["village_director"], data=data, write=True)
    assert Child.objects.get(name="吴一").changes.filter(kind="updated").exists()
    assert Child.objects.filter(name="吴二").count() == 1


def test_a_file_without_a_header_is_explained(places, cast):
    with pytest.raises(Exception, match="表头"):
        import_plan(user=cast["village_director"], data=b"a,b\r\n1,2\r\n")


def test_the_command_line_counts_and_honours_dry_run(places, cast, tmp_path):
    path = tmp_path / "花名册.csv"
    path.write_bytes(roster(*(line(i + 1, f"郑{i}", n) for i, n in enumerate(numbers(2)))))
    out = io.StringIO()
    call_command("import_roster", str(path), "--as", "village_director", "--dry-run", stdout=out)
    assert "新增 2" in out.getvalue()
    assert not Child.objects.exists()
    call_command("import_roster", str(path), "--as", "village_director", stdout=out)
    assert Child.objects.count() == 2
    # Recorded as a batch, undoable on the web; the file itself is not kept.
    batch = ImportBatch.objects.get()
    assert (batch.state, batch.counts["create"], bytes(batch.sealed)) == ("imported", 2, b"")
    assert set(ChildChange.objects.values_list("batch", flat=True)) == {batch.pk}


def test_a_parent_held_by_children_out_of_reach_is_a_fault_found_in_the_check(places, cast, kids):
    from guanai.children.idnumber import id_index

    far_father = kids.other_county.father
    far_father.id_number = make_id_number("510822", date(1980, 1, 1), 73)
    far_father.id_number_index = id_index(far_father.id_number)
    far_father.save()
    header = HEADER + ",父亲身份证号码"
    text = "\r\n".join([header, line(1, "褚一", numbers(1)[0]) + f",{far_father.id_number}", ""])
    plan = import_plan(user=cast["village_director"], data=text.encode("utf-8"))
    assert plan.counts[Action.ERROR] == 1
    assert plan.errors[0].column == "父亲身份证号码"
    assert plan.errors[0].message == identity_conflict_message()


def test_a_number_held_out_of_reach_reads_the_same_whoever_holds_it_and_wherever(
    places, cast, kids
):
    """The child of the next village or of another county, or the father of either: in
    the child's column or in the father's, one and the same message, and each is held."""
    from guanai.children.idnumber import id_index

    fathers = [kids.sibling_village.father, kids.other_county.father]
    for sequence, (father, area) in enumerate(zip(fathers, ("510821", "510822"), strict=True)):
        father.id_number = make_id_number(area, date(1985, 1, 1), 70 + sequence)
        father.id_number_index = id_index(father.id_number)
        father.save()
    held = [kids.sibling_village.id_number, kids.other_county.id_number]
    held += [father.id_number for father in fathers]
    own = numbers(len(held))
    rows = []
    for i, number in enumerate(held):
        rows.append(line(2 * i + 1, f"褚{i}", number) + ",")
        rows.append(line(2 * i + 2, f"卫{i}", own[i]) + f",{number}")
    text = "\r\n".join([HEADER + ",父亲身份证号码", *rows, ""])
    claims: list = []
    plan = import_roster(
        user=cast["village_director"], data=text.encode(), write=False, hold=claims.extend
    )
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 0, "error": 8}
    assert {error.message for error in plan.errors} == {identity_conflict_message()}
    assert [error.column for error in plan.errors] == ["身份证号码", "父亲身份证号码"] * 4
    assert [(claim.row, claim.index) for claim in claims] == [
        (row, id_index(number)) for i, number in enumerate(held) for row in (2 * i + 2, 2 * i + 3)
    ]


def test_a_parent_of_ones_own_child_shared_out_of_reach_stays_a_fault_of_the_row(
    places, cast, kids
):
    """Typing again the number of a father the child already has is no claim to hold; he is
    still not the user's to change while a child out of their reach shares him."""
    from guanai.children.idnumber import id_index

    father = kids.village.father
    father.id_number = make_id_number("510821", date(1985, 1, 1), 75)
    father.id_number_index = id_index(father.id_number)
    father.save()
    kids.other_county.father = father
    kids.other_county.save()
    row = line(1, "张小明", kids.village.id_number) + f",{father.id_number}"
    claims: list = []
    plan = import_roster(
        user=cast["village_director"],
        data="\r\n".join([HEADER + ",父亲身份证号码", row, ""]).encode(),
        write=False,
        hold=claims.extend,
    )
    assert plan.counts["error"] == 1
    assert "管辖范围以外" in plan.errors[0].message
    assert not claims


def test_ten_thousand_rows_with_three_faulty_import_the_rest_and_touch_nothing_else(
    places, cast, kids
):
    from datetime import timedelta

    before = {c.pk: c.updated_at for c in Child.objects.all()}
    faulty = {17: "5.10821E+17", 5000: "51082120100101", 9999: "510821201001011230"}
    lines = []
    for i in range(10_000):
        birth = date(2010, 1, 1) + timedelta(days=i % 3000)
        number = faulty.get(i) or make_id_number(birth=birth, sequence=100 + i // 3000)
        lines.append(line(i + 1, f"测{i}", number))
    director = cast["village_director"]
    plan = import_plan(user=director, data=roster(*lines))
    assert plan.counts == {"create": 9997, "update": 0, "unchanged": 0, "error": 3}
    assert sorted(e.row for e in plan.errors) == [17 + 3, 5000 + 3, 9999 + 3]
    assert not Child.objects.exclude(pk__in=before).exists()
    done = import_roster(user=director, data=roster(*lines), write=True)
    assert done.counts == plan.counts
    assert [e.row for e in done.errors] == [e.row for e in plan.errors]
    assert Child.objects.count() == len(before) + 9997
    assert {c.pk: c.updated_at for c in Child.objects.filter(pk__in=before)} == before
    # And a second time, nothing changes.
    again = import_plan(user=director, data=roster(*lines))
    assert again.counts == {"create": 0, "update": 0, "unchanged": 9997, "error": 3}


def test_columns_a_file_lacks_never_overwrite_what_is_held(places, cast):
    held = make_child(places.village, name="郑一", id_number=numbers(1)[0], risk_level="high")
    held.grade = "三年级"
    held.save()
    header = "姓名,身份证号码,村,就学状况,就读学校,监护类型,监护情况评估,班级"
    row = f"郑一,{held.id_number},长滩村,小学,东河小学,隔代监护,一般,2班"
    director = cast["village_director"]
    report = import_roster(user=director, data=f"{header}\r\n{row}\r\n".encode(), write=True)
    assert report.counts["update"] == 1
    child = Child.objects.select_related("father", "mother").get(pk=held.pk)
    assert child.class_name == "2班"  # given
    assert (child.risk_level, child.grade) == ("high", "三年级")  # not in the file: kept
    assert child.father == held.father  # no father columns: the father is kept
    assert child.mother == held.mother


def test_a_parent_who_came_home_is_an_update(places, cast):
    director = cast["village_director"]
    number = numbers(1)[0]
    import_roster(user=director, data=roster(line(1, "郑二", number)), write=True)
    assert Child.objects.get().father.away_for_work
    home = roster(line(1, "郑二", number)).decode("gbk").replace("广东深圳", "")
    plan = import_plan(user=director, data=home.encode("gbk"))
    assert plan.counts[Action.UPDATE] == 1
    import_roster(user=director, data=home.encode("gbk"), write=True)
    child = Child.objects.select_related("father").get()
    assert not child.father.away_for_work
    assert not child.parents_away_2016
