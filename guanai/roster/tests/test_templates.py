"""The blank template imports as a roster; faulty rows come back with their faults."""

import io
import zipfile

from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import make_id_number
from guanai.children.models import Child
from guanai.roster.columns import COLUMNS, match_header
from guanai.roster.importing import import_plan, import_roster
from guanai.roster.templates import write_error_file
from guanai.roster.tests.test_importing import line, roster


def sheet_rows(content: bytes) -> list[list[object]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def test_the_template_has_the_official_headers_and_lists_for_coded_columns(
    places, cast, client_for
):
    response = client_for(cast["village_director"]).get(reverse("roster:template"))
    content = b"".join(response.streaming_content)
    rows = sheet_rows(content)
    match = match_header(rows)
    assert match is not None
    assert sorted(match.keys.values()) == sorted(column.key for column in COLUMNS)
    with io.BytesIO(content) as raw:
        sheet_xml = zipfile.ZipFile(raw).read("xl/worksheets/sheet1.xml").decode()
    assert "dataValidation" in sheet_xml
    assert "祖辈监护" in sheet_xml


def test_the_error_file_holds_the_faulty_rows_with_their_faults(places, cast, tmp_path):
    good = make_id_number(sequence=301)
    data = roster(line(1, "钱一", good), line(2, "钱二", "5.10821E+17"), line(3, "钱三", "123"))
    director = cast["village_director"]
    plan = import_plan(user=director, data=data)
    out = io.BytesIO()
    assert write_error_file(plan, out) == 2
    rows = sheet_rows(out.getvalue())
    assert rows[0][0] == "错误说明"
    assert rows[0][1:4] == ["序号", "姓名", "性别"]
    assert [row[2] for row in rows[1:]] == ["钱二", "钱三"]
    assert "丢失" in rows[1][0]
    assert "原第 4 行" in rows[1][0]
    # Imported after correction, with the good row already in.
    import_roster(user=director, data=data, write=True)
    fixed = roster(
        line(1, "钱二", make_id_number(sequence=302)), line(2, "钱三", make_id_number(sequence=303))
    )
    import_roster(user=director, data=fixed, write=True)
    assert sorted(Child.objects.values_list("name", flat=True)) == ["钱一", "钱三", "钱二"]
