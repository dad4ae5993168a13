"""Rosters as counties really keep them: title rows, two-row headers, GBK CSV, dates typed
every way, ID numbers Excel turned into numbers, a 合计 row, and files that are not rosters."""

import io
import zipfile
from datetime import date, datetime

import pytest
import xlsxwriter

from guanai.children.models import Child
from guanai.core.errors import ApplicationError
from guanai.roster.columns import match_header
from guanai.roster.reading import read_sheet
from guanai.roster.values import (
    CellError,
    clean_text,
    is_blank_row,
    is_totals_row,
    read_date,
    read_id_number,
    read_phone,
    read_yes_no,
)

ID = "510821201203051234"


def xlsx(rows, *, merge_title=True, two_row_header=False) -> bytes:
    """A workbook as Excel users make them: a merged title row above the header."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("花名册")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    row_index = 0
    if merge_title:
        sheet.merge_range(0, 0, 0, 5, "旺苍县东河镇留守儿童花名册")
        row_index = 1
    if two_row_header:
        sheet.merge_range(row_index, 2, row_index, 3, "父亲")
        sheet.write_row(row_index, 0, ["姓名", "身份证号"])
        row_index += 1
    for row in rows:
        for col, value in enumerate(row):
            if isinstance(value, datetime | date):
                sheet.write_datetime(row_index, col, value, dates)
            elif value is not None:
                sheet.write(row_index, col, value)
        row_index += 1
    book.close()
    return buffer.getvalue()


def header_and_data(data: bytes):
    rows = list(read_sheet(data).rows)
    match = match_header(rows)
    assert match is not None
    return match, rows[match.row_index + 1 :]


def test_a_title_row_above_the_header_is_skipped():
    data = xlsx(
        [
            ["序号", "儿童姓名", "性别", "出生日期", "公民身份证号码", "监护人"],
            [1, "张三", "男", datetime(2012, 3, 5), ID, "张奶奶"],
        ]
    )
    match, rows = header_and_data(data)
    assert match.row_index == 1
    assert sorted(match.keys.values()) == sorted(
        ["name", "gender", "birth_date", "id_number", "guardian_name"]
    )
    assert rows[0][1] == "张三"
    assert read_date(rows[0][3]) == date(2012, 3, 5)


def test_a_two_row_header_joins_father_with_his_columns():
    data = xlsx(
        [["", "", "姓名", "身份证号码"], ["李四", ID, "李大", "510821198001011234"]],
        two_row_header=True,
    )
    match, _rows = header_and_data(data)
    assert set(match.keys.values()) >= {"name", "id_number", "father_name", "father_id_number"}


def test_unknown_and_blank_columns_are_listed_not_fatal():
    data = xlsx([["姓名", "", "爱好", "性别"], ["王五", "", "画画", "女"]], merge_title=False)
    match, _rows = header_and_data(data)
    assert match.keys == {0: "name", 3: "gender"}
    assert match.unknown == [(2, "爱好")]


def test_a_file_without_a_name_column_has_no_header():
    rows = list(read_sheet(xlsx([["编号", "备注"], [1, "x"]])).rows)
    assert match_header(rows) is None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_encoding_chinese_excel_writes(encoding):
    text = f"姓名,身份证号码,是否寄宿\r\n张三,{ID},√\r\n"
    rows = list(read_sheet(text.encode(encoding)).rows)
    assert rows[1] == ["张三", ID, "√"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "空"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "不是表格"),
        (b"PK\x03\x04garbage", "损坏"),
    ],
)
def test_files_that_are_not_rosters_are_refused_with_a_reason(data, message):
    with pytest.raises(ApplicationError, match=message):
        list(read_sheet(data).rows)


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ApplicationError, match="不是 Excel"):
        read_sheet(buffer.getvalue())


def test_a_zip_bomb_dressed_as_xlsx_is_refused(monkeypatch):
    monkeypatch.setattr("guanai.roster.reading.UNPACKED_FLOOR", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (4 * 1024 * 1024))
    assert len(buffer.getvalue()) < 20_000
    with pytest.raises(ApplicationError, match="解压后过大"):
        read_sheet(buffer.getvalue())


def small_bomb() -> bytes:
    """About 100 KB of xlsx whose sheet unpacks to 50 MB of XML, its compressed data
    spoiled after the first kilobytes: reading any of it fails as a broken file, so being
    told "too large" shows it was refused from the zip's directory, unread."""
    buffer = io.BytesIO()
    row = b'<row><c t="inlineStr"><is><t>%d</t></is></c></row>'
    sheet = b"".join(row % i + b" " * 4000 for i in range(100)) * 125
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    data = bytearray(buffer.getvalue())
    start = data.index(b"xl/worksheets/sheet1.xml") + 100
    data[start + 1024 : start + 4096] = b"\xff" * 3072
    return bytes(data)


def test_a_small_zip_bomb_dressed_as_xlsx_is_refused_unread():
    bomb = small_bomb()
    assert 20_000 < len(bomb) < 200_000
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert sum(i.file_size for i in archive.infolist()) > 50_000_000
    with pytest.raises(ApplicationError, match="解压后过大"):
        read_sheet(bomb)


def test_a_roster_of_ordinary_size_still_reads(places, cast, kids):
    # A workbook as the export writes it: about 14 times smaller than its XML.
    from guanai.roster.exporting import roster_rows, write_xlsx

    out = io.BytesIO()
    rows = list(roster_rows(Child.objects.all(), full=True)) * 2000
    write_xlsx(rows, out, title="花名册")
    assert len(list(read_sheet(out.getvalue()).rows)) == len(rows) + 2


def test_an_oversize_file_is_refused(monkeypatch):
    monkeypatch.setattr("guanai.roster.reading.MAX_BYTES", 1000)
    with pytest.raises(ApplicationError, match="MB"):
        read_sheet(b"a,b\n" * 400)


def test_too_many_rows_are_refused_as_they_are_read(monkeypatch):
    monkeypatch.setattr("guanai.roster.reading.MAX_ROWS", 10)
    with pytest.raises(ApplicationError, match="行"):
        list(read_sheet(b"a,b\n" * 20).rows)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2012, 3, 5, 0, 0), date(2012, 3, 5)),
        (40973.0, date(2012, 3, 5)),  # an Excel serial number
        (40973, date(2012, 3, 5)),
        ("2012-03-05", date(2012, 3, 5)),
        ("2012.3.5", date(2012, 3, 5)),
        ("2012/3/5", date(2012, 3, 5)),
        ("2012年3月5日", date(2012, 3, 5)),
        (" ２０１２年３月５日 ", date(2012, 3, 5)),
        ("20120305", date(2012, 3, 5)),
        ("", None),
        (None, None),
    ],
)
def test_dates_as_people_type_them(value, expected):
    assert read_date(value) == expected


@pytest.mark.parametrize("value", ["2012-02-30", "2012.13.1", "去年三月", "12/3/5", 12.0])
def test_dates_that_are_not_dates_are_explained(value):
    with pytest.raises(CellError) as raised:
        read_date(value)
    assert "日期" in raised.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("√", True),
        ("Y", True),
        ("１", True),
        ("否", False),
        ("×", False),
        ("无", False),
        ("", None),
    ],
)
def test_yes_and_no_as_people_mark_them(value, expected):
    assert read_yes_no(value) is expected


def test_an_unclear_yes_or_no_is_explained():
    with pytest.raises(CellError, match=r"是.*否"):
        read_yes_no("可能")


@pytest.mark.parametrize(
    "value", [5.10821e17, 510821201203051234.0, "5.10821E+17", "5.10821e17", 510821201203051000]
)
def test_an_id_number_stored_as_a_number_is_an_error_never_a_guess(value):
    with pytest.raises(CellError, match="丢失"):
        read_id_number(value)


@pytest.mark.parametrize(
    "value",
    [ID, f" {ID} ", "５１０８２１２０１２０３０５１２３４", f"'{ID}", "510821 20120305 1234"],
)
def test_id_numbers_typed_as_text_are_normalised(value):
    assert read_id_number(value) == ID


def test_phones_keep_their_digits():
    assert read_phone(13812345678.0) == "13812345678"
    assert read_phone("0839-1234567") == "0839-1234567"
    assert read_phone("138 1234 5678") == "13812345678"
    with pytest.raises(CellError):
        read_phone("12345")


def test_totals_and_blank_rows_are_recognised():
    assert is_totals_row(["", "合 计", 42])
    assert is_totals_row(["总计：", None])
    assert not is_totals_row(["张合计", "男"])
    assert is_blank_row(["", None, "  "])
    assert not is_blank_row(["", "张三"])


def test_clean_text_makes_full_width_plain():
    assert clean_text("  ＡＢＣ　１２３  ") == "ABC 123"
    assert clean_text(3.0) == "3"


def _plain(value: object) -> object:
    """Dates as Excel serial days and numbers as floats, as both readers agree on them."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return float((value - date(1899, 12, 30)).days)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None if value == "" else value


def _values(sheet) -> list[list[object]]:
    """Rows without trailing blanks."""
    out = []
    for row in sheet.rows:
        cells = [_plain(v) for v in row]
        while cells and cells[-1] is None:
            cells.pop()
        out.append(cells)
    return out


def test_a_large_sheet_is_streamed_and_reads_as_calamine_reads_it(monkeypatch):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)  # shared strings, as Excel writes them
    sheet = book.add_worksheet("花名册")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["姓名", "出生日期", "身份证号码", "人数", "寄宿"])
    sheet.write_row(1, 0, ["张三", None, ID, 3, True])
    sheet.write_datetime(1, 1, datetime(2012, 3, 5), dates)
    sheet.write_row(3, 0, ["李四", None, "", 2.5])  # row 3 left blank
    sheet.write_string(4, 2, "5.10821E+17")
    sheet.write_formula(5, 3, "=1+1", None, 2)
    book.close()
    data = buffer.getvalue()
    whole = _values(read_sheet(data))
    monkeypatch.setattr("guanai.roster.reading.STREAM_ABOVE", 0)
    streamed_sheet = read_sheet(data)
    assert streamed_sheet.size == 6
    streamed = _values(streamed_sheet)
    assert streamed == whole
    assert streamed[1] == ["张三", 40973.0, ID, 3.0, True]
    assert streamed[2] == []


def test_the_streaming_reader_leaves_out_phonetic_guides():
    from guanai.roster.xlsx_stream import iter_rows

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rels}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId7"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId7" Target="worksheets/roster.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/sharedStrings.xml",
            f'<sst xmlns="{main}"><si><t>曾</t><rPh sb="0" eb="1"><t>zeng</t></rPh></si>'
            "<si><r><t>小</t></r><r><t>明</t></r></si></sst>",
        )
        archive.writestr(
            "xl/worksheets/roster.xml",
            f'<worksheet xmlns="{main}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
            '<c r="C1" t="s"><v>1</v></c><c r="D1" t="inlineStr"><is><t>甲</t></is></c>'
            '</row><row r="3"><c r="B3" t="e"><v>#REF!</v></c></row></sheetData></worksheet>',
        )
    rows = list(iter_rows(zipfile.ZipFile(io.BytesIO(buffer.getvalue()))))
    assert rows == [["曾", None, "小明", "甲"], [], [None, None]]


def test_a_large_csv_is_decoded_as_it_is_read_in_gbk_too():
    text = "姓名,村\r\n" + "".join(f"张{i},长滩村\r\n" for i in range(1000))
    sheet = read_sheet(text.encode("gb18030"))
    rows = list(sheet.rows)
    assert rows[0] == ["姓名", "村"]
    assert rows[1000] == ["张999", "长滩村"]
    assert sheet.size == 1002


def test_the_streaming_reader_refuses_an_entity_bomb(monkeypatch):
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<worksheet xmlns="{main}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
        "<is><t>&b;</t></is></c></row></sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{main}"/>')
        archive.writestr("xl/_rels/workbook.xml.rels", "<Relationships/>")
        archive.writestr("xl/worksheets/sheet1.xml", bomb)
    monkeypatch.setattr("guanai.roster.reading.STREAM_ABOVE", 0)
    with pytest.raises(ApplicationError, match="损坏"):
        list(read_sheet(buffer.getvalue()).rows)


def test_a_streamed_sheet_keeps_a_blank_first_row(monkeypatch):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    book.add_worksheet().write_row(1, 0, ["姓名", "村"])  # row 1 left blank
    book.close()
    monkeypatch.setattr("guanai.roster.reading.STREAM_ABOVE", 0)
    assert _values(read_sheet(buffer.getvalue())) == [[], ["姓名", "村"]]
