"""The roster out: the official layout, masked unless revealed with a reason, within the
user's scope, logged; xlsx readable back and CSV that Excel opens as UTF-8."""

import io
import json
import zipfile
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import exported
from guanai.audit.models import AccessEvent
from guanai.children.models import Child
from guanai.exports.models import ExportJob
from guanai.roster.columns import COLUMNS, match_header
from guanai.roster.exporting import HEADERS, roster_rows


def xlsx_rows(content: bytes) -> list[list[object]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return book.get_sheet_by_index(0).to_python()


def one_row(child_id: int) -> list:
    (row,) = roster_rows(Child.objects.filter(pk=child_id), full=False)
    return row


def test_every_row_follows_the_official_columns(places, cast, kids):
    row = one_row(kids.village.pk)
    assert len(row) == len(HEADERS) == len(COLUMNS)
    by_header = dict(zip(HEADERS, row, strict=True))
    assert by_header["姓名"] == "张小明"
    assert by_header["村(社区)"] == "长滩村"
    assert by_header["乡镇"] == "东河镇"
    assert by_header["公民身份号码"] == f"{kids.village.id_number[:6]}************"
    assert by_header["委托监护人联系电话"] == "137****3333"
    assert by_header["监护类型"] == "祖辈监护"


def test_an_xlsx_export_is_masked_scoped_logged_and_reads_back_as_a_roster(
    places, cast, kids, client_for
):
    response = exported(client_for(cast["township_supervisor"]), reverse("roster:export"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    rows = xlsx_rows(content)
    assert rows[0][0] == "留守儿童花名册（身份证号码、电话和住址已脱敏）"  # says what is masked
    match = match_header(rows)
    assert match is not None
    assert match.row_index == 1
    names = sorted(row[0] for row in rows[2:])
    assert names == ["张小明", "李四"]  # 东河镇 only
    assert kids.village.id_number.encode() not in content
    # The file made, as the export was logged when it was built inside the request; then
    # the download of it.
    made, downloaded = AccessEvent.objects.filter(action="export").order_by("pk")
    job = ExportJob.objects.get()
    assert made.target == "roster"
    assert made.detail == {
        "rows": 2, "full_ids": False, "format": "xlsx", "filter": {}, "export": job.pk
    }  # fmt: skip
    assert made.ip_address == "127.0.0.1"  # of the request that asked
    assert (downloaded.target, downloaded.field) == (f"export:{job.pk}", "download")
    assert "rows" not in downloaded.detail  # the rows went out once, counted once


def test_the_export_follows_the_list_filter(places, cast, kids, client_for):
    client = client_for(cast["county_admin"])
    response = exported(client, reverse("roster:export"), {"township": places.other_township.code})
    rows = xlsx_rows(b"".join(response.streaming_content))
    assert [row[0] for row in rows[2:]] == ["王五"]
    entry = AccessEvent.objects.get(target="roster")
    assert entry.detail["filter"] == {"township": places.other_township.code}


def test_full_id_numbers_need_the_reveal_right_and_a_reason(places, cast, kids, client_for):
    url = reverse("roster:export")
    director = client_for(cast["village_director"])
    assert director.post(url, {"full": "1", "format": "csv"}).status_code == 400
    response = exported(director, url, {"full": "1", "format": "csv", "reason": "报送县民政局"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff姓名,")
    assert kids.village.id_number in body
    assert AccessEvent.objects.get(target="roster").reason == "报送县民政局"
    league = client_for(cast["league"])
    assert league.post(url, {"full": "1", "reason": "想看"}).status_code == 400
    assert AccessEvent.objects.filter(target="roster").count() == 1


def test_the_csv_export_streams_the_same_rows(places, cast, kids, client_for):
    response = exported(
        client_for(cast["county_admin"]), reverse("roster:export"), {"format": "csv"}
    )
    lines = b"".join(response.streaming_content).decode("utf-8").splitlines()
    assert len(lines) == 1 + 3  # header and the county's three children
    assert response["Content-Disposition"].lower().startswith("attachment; filename*=utf-8''")


def test_the_command_line_exports_within_the_users_scope(places, cast, kids, tmp_path):
    out = tmp_path / "花名册.xlsx"
    stdout = io.StringIO()
    call_command("export_roster", str(out), "--as", "township_supervisor", stdout=stdout)
    rows = xlsx_rows(out.read_bytes())
    assert sorted(row[0] for row in rows[2:]) == ["张小明", "李四"]
    assert "已导出 2 名儿童" in stdout.getvalue()
    call_command(
        "export_roster", str(out), "--as", "county_admin", "--area", places.other_township.code,
        stdout=stdout,
    )  # fmt: skip
    assert [row[0] for row in xlsx_rows(out.read_bytes())[2:]] == ["王五"]
    assert AccessEvent.objects.filter(action="export").count() == 2
    # A place outside the user's scope, or a county, is refused, not exported empty.
    for code in (places.other_county_village.code, places.county.code):
        with pytest.raises(CommandError):
            call_command(
                "export_roster", str(out), "--as", "township_supervisor", "--area", code,
                stdout=stdout,
            )  # fmt: skip
    assert AccessEvent.objects.filter(action="export").count() == 2


def test_ages_and_dates_are_written_as_iso_dates(places, cast, kids):
    row = one_row(kids.village.pk)
    assert row[HEADERS.index("出生日期")] == date(2015, 3, 5).isoformat()


def test_the_list_offers_the_export_of_its_filter(places, cast, kids, client_for):
    page = client_for(cast["county_admin"]).get(
        reverse("children:child_list"), {"township": places.township.code}
    )
    body = page.content.decode()
    assert f'<form method="post" action="{reverse("roster:export")}"' in body
    assert f'name="township" value="{places.township.code}"' in body
    assert 'name="format" value="xlsx"' in body
    assert 'name="full" value="1"' in body
    league = client_for(cast["league"]).get(reverse("children:child_list")).content.decode()
    assert 'name="full" value="1"' not in league


@pytest.mark.parametrize("streamed", [False, True], ids=["calamine", "streamed"])
def test_a_full_export_imports_back_unchanged(places, cast, monkeypatch, streamed):
    from guanai.roster.exporting import write_xlsx
    from guanai.roster.importing import import_plan, import_roster
    from guanai.roster.tests.test_importing import line, numbers, roster

    director = cast["village_director"]
    ids = numbers(3)
    data = roster(*(line(i + 1, f"冯{i}", n) for i, n in enumerate(ids)))
    import_roster(user=director, data=data, write=True)
    out = io.BytesIO()
    write_xlsx(roster_rows(Child.objects.all(), full=True), out, title="留守儿童花名册")
    if streamed:  # as a province's roster is read
        monkeypatch.setattr("guanai.roster.reading.STREAM_ABOVE", 0)
    plan = import_plan(user=director, data=out.getvalue())
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 3, "error": 0}


def test_what_people_typed_is_never_exported_as_a_formula(places, cast, kids, client_for):
    Child.objects.filter(pk=kids.village.pk).update(name='=HYPERLINK("http://x","点我")')
    client = client_for(cast["village_director"])
    xlsx = b"".join(exported(client, reverse("roster:export")).streaming_content)
    sheet = zipfile.ZipFile(io.BytesIO(xlsx)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula cell
    csv_text = b"".join(
        exported(client, reverse("roster:export"), {"format": "csv"}).streaming_content
    ).decode("utf-8")
    assert "'=HYPERLINK" in csv_text


def test_an_id_number_typed_into_the_search_is_not_written_to_the_access_log(
    places, cast, kids, client_for
):
    from conftest import make_id_number

    number = make_id_number()
    client = client_for(cast["village_director"])
    response = exported(
        client, reverse("roster:export"), {"format": "csv", "q": number, "risk": "high"}
    )
    assert response.status_code == 200
    entry = AccessEvent.objects.get(action="export", target="roster")
    assert entry.detail["filter"].keys() == {"q"}  # "risk" is not a filter of the list
    assert number not in str(entry.detail)
    job = ExportJob.objects.get()
    assert number not in str(job.filter)
    assert bytes(job.sealed_request) == b""  # the request as sent is forgotten once done


def test_junk_posted_to_the_export_is_not_stored_in_the_access_log(cast, kids, client_for):
    junk = {f"junk{i}": "x" * 200 for i in range(500)}
    response = exported(
        client_for(cast["village_director"]),
        reverse("roster:export"),
        {**junk, "blob": "y" * 2_000_000, "q": "张", "format": "csv", "sort": "name"},
    )
    assert response.status_code == 200
    b"".join(response.streaming_content)
    entry = AccessEvent.objects.get(action="export", target="roster")
    # Only the list's own filter fields: the whole entry stays small.
    assert entry.detail["filter"] == {"q": "张", "sort": "name"}
    assert len(json.dumps(entry.detail, ensure_ascii=False)) < 1000


@pytest.mark.parametrize("bad", [{"q": "张" * 5000}, {"sort": "z" * 9999}, {"risk_level": "x"}])
def test_a_filter_the_list_cannot_read_exports_nothing(bad, cast, kids, client_for):
    """Not the default list in its place: every child in scope, logged as the filter asked."""
    response = client_for(cast["village_director"]).post(
        reverse("roster:export"), {**bad, "format": "csv"}
    )
    assert response.status_code == 400
    assert "筛选条件有误" in response.content.decode()
    assert not ExportJob.objects.exists()
    assert not AccessEvent.objects.filter(action="export").exists()
