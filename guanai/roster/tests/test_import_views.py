"""Uploading a roster on the web: checked first, imported on confirmation, the faulty rows
downloadable; a batch is its importer's alone."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import make_id_number
from guanai.children.models import Child
from guanai.roster.models import ImportBatch
from guanai.roster.tests.test_importing import line, roster


def upload(client, data: bytes, name: str = "东河镇花名册.csv"):
    return client.post(reverse("roster:import"), {"file": SimpleUploadedFile(name, data)})


def test_upload_check_import_and_download_the_faulty_rows(places, cast, client_for):
    client = client_for(cast["village_director"])
    data = roster(
        line(1, "陈一", make_id_number(sequence=401)),
        line(2, "陈二", make_id_number(sequence=402)),
        line(3, "陈三", "5.10821E+17"),
    )
    response = upload(client, data, name="../../etc/东河镇花名册.csv")
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("roster:import_detail", args=[batch.pk])
    assert batch.file_name == "东河镇花名册.csv"  # the path part of a name is never kept
    assert make_id_number(sequence=401).encode() not in bytes(batch.sealed)
    assert not Child.objects.exists()  # checked, not imported

    page = client.get(reverse("roster:import_detail", args=[batch.pk])).content.decode()
    assert "导入有效的 2 行" in page
    assert "丢失" in page

    errors = client.get(reverse("roster:import_errors", args=[batch.pk]))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(errors.streaming_content)))
    assert [r[2] for r in rows.get_sheet_by_index(0).to_python()[1:]] == ["陈三"]

    client.post(reverse("roster:import_apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == "imported"
    assert bytes(batch.sealed) == b""
    assert sorted(Child.objects.values_list("name", flat=True)) == ["陈一", "陈二"]
    # Nothing more happens on a second click.
    client.post(reverse("roster:import_apply", args=[batch.pk]))
    assert Child.objects.count() == 2


def test_a_file_that_is_not_a_roster_is_explained_on_the_form(places, cast, client_for):
    response = upload(client_for(cast["village_director"]), b"\x89PNG\r\n\x00\x00", "photo.xlsx")
    assert response.status_code == 200
    assert "不是表格" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_cancelling_imports_nothing_and_drops_the_file(places, cast, client_for):
    client = client_for(cast["village_director"])
    upload(client, roster(line(1, "林一", make_id_number(sequence=403))))
    batch = ImportBatch.objects.get()
    client.post(reverse("roster:import_apply", args=[batch.pk]), {"cancel": "1"})
    batch.refresh_from_db()
    assert batch.state == "cancelled"
    assert bytes(batch.sealed) == b""
    assert not Child.objects.exists()


def test_a_batch_is_its_importers_alone(places, cast, client_for):
    upload(
        client_for(cast["village_director"]), roster(line(1, "何一", make_id_number(sequence=404)))
    )
    batch = ImportBatch.objects.get()
    for role in ("township_supervisor", "county_admin", "system_admin", "teacher"):
        other = client_for(cast[role])
        assert other.get(reverse("roster:import_detail", args=[batch.pk])).status_code == 404
        assert other.get(reverse("roster:import_errors", args=[batch.pk])).status_code == 404
        assert other.post(reverse("roster:import_apply", args=[batch.pk])).status_code == 404
    assert not Child.objects.exists()


def test_an_unrecognised_column_can_be_matched_by_hand(places, cast, client_for):
    client = client_for(cast["village_director"])
    header = "姓名,性别,出生日期,身份证号码,村,就学状况,就读学校,监护人,与儿童关系,监护类型,监护情况评估,监护人手机"
    row = f"严一,男,,{make_id_number(sequence=701)},长滩村,小学,东河小学,严奶奶,奶奶,隔代监护,一般,13912345678"
    upload(client, f"{header}\r\n{row}\r\n".encode())
    batch = ImportBatch.objects.get()
    page = client.get(reverse("roster:import_detail", args=[batch.pk])).content.decode()
    assert 'data-testid="header-mapping"' in page
    assert "<code>监护人手机</code>" in page
    client.post(
        reverse("roster:import_map", args=[batch.pk]),
        {"header": ["监护人手机"], "key": ["guardian_phone"]},
    )
    page = client.get(reverse("roster:import_detail", args=[batch.pk])).content.decode()
    assert 'data-testid="header-mapping"' not in page
    client.post(reverse("roster:import_apply", args=[batch.pk]))
    assert Child.objects.get().guardian.phone == "13912345678"
    # Someone else's batch cannot be mapped.
    other = client_for(cast["township_supervisor"])
    assert other.post(reverse("roster:import_map", args=[batch.pk]), {}).status_code == 404


def test_two_columns_cannot_be_matched_to_the_same_field(places, cast, client_for):
    client = client_for(cast["village_director"])
    upload(client, roster(line(1, "严二", make_id_number(sequence=702))))
    batch = ImportBatch.objects.get()
    response = client.post(
        reverse("roster:import_map", args=[batch.pk]),
        {"header": ["甲", "乙"], "key": ["guardian_phone", "guardian_phone"]},
        follow=True,
    )
    assert "只能对应一个" in response.content.decode()
    batch.refresh_from_db()
    assert batch.mapping == {}
