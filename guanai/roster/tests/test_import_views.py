"""Uploading a roster on the web: checked by a background job, imported on confirmation by
another, with a progress bar, a stop button and an undo; the faulty rows downloadable. A
batch is its importer's, and their county admin's to see and undo; nobody else's."""

import io
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from conftest import make_child, make_id_number, make_user, run_jobs
from guanai.audit.models import AccessEvent
from guanai.children.models import Child, ChildChange, Person
from guanai.children.services import child_update
from guanai.roster.models import ImportBatch
from guanai.roster.tests.test_importing import HEADER, line, roster


def upload(client, data: bytes, name: str = "东河镇花名册.csv"):
    return client.post(reverse("roster:import"), {"file": SimpleUploadedFile(name, data)})


def detail(client, batch: ImportBatch) -> str:
    return client.get(reverse("roster:import_detail", args=[batch.pk])).content.decode()


def uploaded_and_checked(client, data: bytes) -> ImportBatch:
    upload(client, data)
    run_jobs()
    return ImportBatch.objects.latest("pk")


def imported(client, data: bytes) -> ImportBatch:
    batch = uploaded_and_checked(client, data)
    client.post(reverse("roster:import_apply", args=[batch.pk]))
    run_jobs()
    batch.refresh_from_db()
    assert batch.state == "imported"
    return batch


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
    assert batch.state == "checking"
    page = detail(client, batch)
    assert 'data-testid="progress-bar"' in page  # waiting for the worker
    assert "导入有效的" not in page

    assert run_jobs() == 1
    batch.refresh_from_db()
    assert batch.state == "checked"
    # The file has no 健康状况 column and no mother's work place: its children are 待补充.
    assert batch.counts == {
        "create": 2,
        "update": 0,
        "unchanged": 0,
        "error": 1,
        "incomplete": 2,
        "missing": {"health": 2, "parents_work": 2},
    }
    assert (batch.done, batch.total) == (3, 3)
    assert not Child.objects.exists()  # checked, not imported
    assert make_id_number(sequence=401).encode() not in bytes(batch.report)
    page = detail(client, batch)
    assert "导入有效的 2 行" in page
    assert "丢失" in page
    assert 'data-testid="progress-bar"' not in page

    errors = client.get(reverse("roster:import_errors", args=[batch.pk]))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(errors.streaming_content)))
    assert [r[2] for r in rows.get_sheet_by_index(0).to_python()[1:]] == ["陈三"]

    client.post(reverse("roster:import_apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == "importing"
    assert not Child.objects.exists()
    run_jobs()
    batch.refresh_from_db()
    assert batch.state == "imported"
    assert bytes(batch.sealed) == b""
    assert batch.area_prefix == places.village.code
    assert sorted(Child.objects.values_list("name", flat=True)) == ["陈一", "陈二"]
    assert set(ChildChange.objects.values_list("batch", flat=True)) == {batch.pk}
    # Nothing more happens on a second click.
    client.post(reverse("roster:import_apply", args=[batch.pk]))
    assert run_jobs() == 0
    assert Child.objects.count() == 2


def test_the_progress_poll_shows_the_bar_while_running_then_reloads_the_page(
    places, cast, client_for
):
    client = client_for(cast["village_director"])
    upload(client, roster(line(1, "冯一", make_id_number(sequence=411))))
    batch = ImportBatch.objects.get()
    url = reverse("roster:import_progress", args=[batch.pk])
    running = client.get(url, headers={"HX-Request": "true"})
    assert running.status_code == 200
    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert "排队中" in running.content.decode()
    ImportBatch.objects.filter(pk=batch.pk).update(done=500, total=2000)
    polled = client.get(url).content.decode()
    assert 'value="25"' in polled
    assert "job-stalled" not in polled
    # No word from the job for minutes: the worker may not be running.
    ImportBatch.objects.filter(pk=batch.pk).update(updated_at=timezone.now() - timedelta(minutes=3))
    assert "db_worker" in client.get(url).content.decode()
    run_jobs()
    done = client.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


def test_a_file_that_is_not_a_roster_is_explained_on_the_form(places, cast, client_for):
    response = upload(client_for(cast["village_director"]), b"\x89PNG\r\n\x00\x00", "photo.xlsx")
    assert response.status_code == 200
    assert "不是表格" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_roster_without_a_header_fails_with_its_reason(places, cast, client_for):
    client = client_for(cast["village_director"])
    batch = uploaded_and_checked(client, b"a,b\r\n1,2\r\n")
    assert batch.state == "failed"
    assert "找不到表头" in batch.message
    assert bytes(batch.sealed) == b""
    assert "找不到表头" in detail(client, batch)


def test_cancelling_imports_nothing_and_drops_the_file(places, cast, client_for):
    client = client_for(cast["village_director"])
    batch = uploaded_and_checked(client, roster(line(1, "林一", make_id_number(sequence=403))))
    client.post(reverse("roster:import_apply", args=[batch.pk]), {"cancel": "1"})
    batch.refresh_from_db()
    assert batch.state == "cancelled"
    assert bytes(batch.sealed) == b""
    assert not Child.objects.exists()


def test_stopping_a_running_import_takes_out_what_it_wrote(places, cast, client_for):
    client = client_for(cast["village_director"])
    batch = uploaded_and_checked(
        client,
        roster(
            line(1, "邓一", make_id_number(sequence=421)),
            line(2, "邓二", make_id_number(sequence=422)),
        ),
    )
    client.post(reverse("roster:import_apply", args=[batch.pk]))
    # The stop arrives while the job runs: it stops after the batch of rows it is on.
    client.post(reverse("roster:import_apply", args=[batch.pk]), {"cancel": "1"})
    batch.refresh_from_db()
    assert batch.state == "importing"
    assert batch.cancel_requested
    run_jobs()
    batch.refresh_from_db()
    assert batch.state == "cancelled"
    assert "已撤回" in batch.message
    assert not Child.objects.exists()
    assert not Person.objects.exists()


def broken(monkeypatch, *names: str) -> None:
    """These functions of roster.services fail, as they would with the database gone."""

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    for name in names:
        monkeypatch.setattr(f"guanai.roster.services.{name}", fail)


def after_job(client, view: str, batch: ImportBatch) -> ImportBatch:
    client.post(reverse(view, args=[batch.pk]))
    run_jobs()
    batch.refresh_from_db()
    return batch


def test_an_import_that_cannot_take_back_what_it_wrote_fails_and_says_whom_to_call(
    places, cast, client_for, monkeypatch
):
    client = client_for(cast["village_director"])
    batch = uploaded_and_checked(client, roster(line(1, "傅一", make_id_number(sequence=423))))
    broken(monkeypatch, "import_roster", "batch_changes_undo")
    batch = after_job(client, "roster:import_apply", batch)
    assert (batch.state, batch.message) == (
        "failed",
        "导入中断，撤回已写入的部分时出错，请联系系统管理员。",
    )


def test_an_undo_that_fails_leaves_the_batch_imported_to_undo_again(
    places, cast, client_for, monkeypatch
):
    client = client_for(cast["village_director"])
    batch = imported(client, roster(line(1, "傅二", make_id_number(sequence=424))))
    broken(monkeypatch, "batch_changes_undo")
    batch = after_job(client, "roster:import_undo", batch)
    assert (batch.state, batch.message) == (
        "imported",
        "撤销未能完成，已撤销的部分保持撤销，可以再次撤销其余部分。",
    )
    assert Child.objects.filter(name="傅二").exists()


def test_undo_removes_what_was_created_and_reverts_what_was_updated(places, cast, client_for):
    director = cast["village_director"]
    client = client_for(director)
    held = make_child(name="宋老", id_number=make_id_number(sequence=431), village=places.village)

    def facts(child: Child) -> tuple:
        child.refresh_from_db()
        return (child.school_id, child.schooling, child.guardianship_type, child.father.name)

    held_before = facts(held)
    first = imported(client, roster(line(1, "宋一", make_id_number(sequence=432))))
    changed = roster(
        line(1, "宋老", make_id_number(sequence=431)),
        line(2, "宋二", make_id_number(sequence=433)),
        line(3, "宋三", make_id_number(sequence=434)),
    )
    batch = imported(client, changed)
    assert batch.counts["update"] == 1
    assert batch.counts["create"] == 2
    assert facts(held) != held_before
    # Someone edits 宋三 after the import: the undo leaves that child alone.
    song3 = Child.objects.get(name="宋三")
    child_update(user=cast["township_supervisor"], child_id=song3.pk, data={"class_name": "2班"})

    page = detail(client, batch)
    assert 'data-testid="undo-batch"' in page
    client.post(reverse("roster:import_undo", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == "undoing"
    run_jobs()
    batch.refresh_from_db()
    assert batch.state == "undone"
    assert batch.undone_by == director
    assert batch.undone_at is not None
    assert "删除新增的 1 名" in batch.message
    assert "恢复更新的 1 名" in batch.message
    assert "宋三" in batch.message
    assert set(Child.objects.values_list("name", flat=True)) == {"宋老", "宋一", "宋三"}
    assert facts(held) == held_before
    undo_entry = held.changes.order_by("-id").first()
    assert undo_entry.comment.startswith("撤销导入")
    assert undo_entry.by == director
    # The first batch is untouched, and an undone batch cannot be undone again.
    first.refresh_from_db()
    assert first.state == "imported"
    assert 'data-testid="undo-batch"' not in detail(client, batch)
    client.post(reverse("roster:import_undo", args=[batch.pk]))
    assert run_jobs() == 0


def test_undo_puts_back_a_shared_parent_and_their_encrypted_phone(places, cast, client_for):
    client = client_for(cast["village_director"])
    held = make_child(name="韩一", id_number=make_id_number(sequence=441), village=places.village)
    father = held.father
    father.name, father.phone = "韩父", "13800000001"
    father.save()
    row = line(1, "韩一", make_id_number(sequence=441)) + ",13900000002"
    data = f"{HEADER},父亲联系电话\r\n{row}\r\n".encode()
    batch = imported(client, data)
    father.refresh_from_db()
    assert father.phone == "13900000002"
    client.post(reverse("roster:import_undo", args=[batch.pk]))
    run_jobs()
    father.refresh_from_db()
    held.refresh_from_db()
    assert father.phone == "13800000001"
    assert held.father == father


def test_a_county_admin_sees_and_undoes_the_batches_of_their_county(places, cast, client_for):
    batch = imported(
        client_for(cast["village_director"]),
        roster(line(1, "何一", make_id_number(sequence=404))),
    )
    county = client_for(cast["county_admin"])
    assert batch.file_name in county.get(reverse("roster:import")).content.decode()
    page = detail(county, batch)
    assert 'data-testid="undo-batch"' in page
    assert 'data-testid="import-valid"' not in page
    # Seeing is not importing for them: the file's actions are the importer's.
    assert county.get(reverse("roster:import_errors", args=[batch.pk])).status_code == 404
    assert county.post(reverse("roster:import_map", args=[batch.pk])).status_code == 404
    county.post(reverse("roster:import_undo", args=[batch.pk]))
    run_jobs()
    batch.refresh_from_db()
    assert batch.state == "undone"
    assert batch.undone_by == cast["county_admin"]
    assert not Child.objects.exists()


def test_a_batch_is_nobody_elses(places, cast, client_for):
    upload(
        client_for(cast["village_director"]), roster(line(1, "何二", make_id_number(sequence=405)))
    )
    run_jobs()
    batch = ImportBatch.objects.get()
    neighbour = make_user("qingchuan_admin", role="county_admin", area=places.other_county)
    others = [cast[r] for r in ("township_supervisor", "system_admin", "teacher")] + [neighbour]
    for user in others:
        other = client_for(user)
        assert other.get(reverse("roster:import_detail", args=[batch.pk])).status_code == 404
        assert other.get(reverse("roster:import_progress", args=[batch.pk])).status_code == 404
        assert other.get(reverse("roster:import_errors", args=[batch.pk])).status_code == 404
        assert other.post(reverse("roster:import_apply", args=[batch.pk])).status_code == 404
        assert other.post(reverse("roster:import_undo", args=[batch.pk])).status_code == 404
        assert batch.file_name not in other.get(reverse("roster:import")).content.decode()
    assert run_jobs() == 0
    assert not Child.objects.exists()


def test_an_unrecognised_column_can_be_matched_by_hand(places, cast, client_for):
    client = client_for(cast["village_director"])
    header = "姓名,性别,出生日期,身份证号码,村,就学状况,就读学校,监护人,与儿童关系,监护类型,监护情况评估,监护人手机"
    row = f"严一,男,,{make_id_number(sequence=701)},长滩村,小学,东河小学,严奶奶,奶奶,隔代监护,一般,13912345678"
    batch = uploaded_and_checked(client, f"{header}\r\n{row}\r\n".encode())
    page = detail(client, batch)
    assert 'data-testid="header-mapping"' in page
    assert "<code>监护人手机</code>" in page
    client.post(
        reverse("roster:import_map", args=[batch.pk]),
        {"header": ["监护人手机"], "key": ["guardian_phone"]},
    )
    run_jobs()
    page = detail(client, batch)
    assert 'data-testid="header-mapping"' not in page
    client.post(reverse("roster:import_apply", args=[batch.pk]))
    run_jobs()
    assert Child.objects.get().guardian.phone == "13912345678"
    # Someone else's batch cannot be mapped.
    other = client_for(cast["township_supervisor"])
    assert other.post(reverse("roster:import_map", args=[batch.pk]), {}).status_code == 404


def test_two_columns_cannot_be_matched_to_the_same_field(places, cast, client_for):
    client = client_for(cast["village_director"])
    batch = uploaded_and_checked(client, roster(line(1, "严二", make_id_number(sequence=702))))
    response = client.post(
        reverse("roster:import_map", args=[batch.pk]),
        {"header": ["甲", "乙"], "key": ["guardian_phone", "guardian_phone"]},
        follow=True,
    )
    assert "只能对应一个" in response.content.decode()
    batch.refresh_from_db()
    assert batch.mapping == {}


def test_a_county_admin_sees_the_counts_of_a_batch_but_not_the_values_of_its_faults(
    places, cast, client_for
):
    client = client_for(cast["village_director"])
    number = make_id_number(sequence=451)
    batch = uploaded_and_checked(client, roster(line(1, "魏一", number, birth="2001-01-01")))
    assert batch.counts["error"] == 1
    assert number in detail(client, batch)  # the importer sees what they typed
    county_page = detail(client_for(cast["county_admin"]), batch)
    assert 'data-testid="count-error"' in county_page
    assert number not in county_page


def test_a_batch_of_a_county_level_importer_is_seen_by_the_other_county_admins(
    places, cast, client_for
):
    batch = uploaded_and_checked(
        client_for(cast["county_admin"]), roster(line(1, "蒋一", make_id_number(sequence=452)))
    )
    assert batch.area_prefix == places.county.prefix
    colleague = make_user("wangcang_admin_2", role="county_admin", area=places.county)
    response = client_for(colleague).get(reverse("roster:import_detail", args=[batch.pk]))
    assert response.status_code == 200


def test_two_clicks_on_import_queue_one_job(places, cast, client_for):
    client = client_for(cast["village_director"])
    batch = uploaded_and_checked(client, roster(line(1, "沈一", make_id_number(sequence=453))))
    client.post(reverse("roster:import_apply", args=[batch.pk]))
    client.post(reverse("roster:import_apply", args=[batch.pk]))
    assert run_jobs() == 1
    assert Child.objects.count() == 1


def test_undo_leaves_a_parent_shared_with_a_child_out_of_reach(places, cast, client_for):
    from guanai.children.idnumber import id_index

    near = make_child(name="韩近", id_number=make_id_number(sequence=454), village=places.village)
    father = near.father
    father.name, father.phone = "韩父", "13800000004"
    father.id_number = make_id_number("510821", date(1980, 1, 1), 74)
    father.id_number_index = id_index(father.id_number)
    father.save()
    far = make_child(name="韩远", village=places.other_township_village)
    far.father = father
    far.save()
    # The county admin changes the shared father's phone through an import of 韩近.
    row = line(1, "韩近", near.id_number) + f",{father.id_number},13900000003"
    county = client_for(cast["county_admin"])
    batch = imported(county, f"{HEADER},父亲身份证号码,父亲联系电话\r\n{row}\r\n".encode())
    father.refresh_from_db()
    assert father.phone == "13900000003"
    # Before the undo, 韩远 moves to another county: the father is no longer the county's alone.
    Child.objects.filter(pk=far.pk).update(village=places.other_county_village)
    county.post(reverse("roster:import_undo", args=[batch.pk]))
    run_jobs()
    father.refresh_from_db()
    batch.refresh_from_db()
    assert batch.state == "undone"
    assert father.phone == "13900000003"  # left as it is, and said so
    assert "不在撤销人的管辖范围内" in batch.message
    assert "韩远" not in batch.message


def test_undo_puts_back_a_changed_id_number_and_its_index(places, cast, client_for):
    from guanai.children.idnumber import id_index
    from guanai.children.selectors import persons_with_id_numbers

    client = client_for(cast["village_director"])
    held = make_child(name="钟一", id_number=make_id_number(sequence=455), village=places.village)
    father = held.father  # on record without an ID number
    father.name = "钟父"
    father.save()
    number = make_id_number("510821", date(1985, 5, 5), 76)
    row = line(1, "钟一", held.id_number) + f",{number}"
    batch = imported(client, f"{HEADER},父亲身份证号码\r\n{row}\r\n".encode())
    assert persons_with_id_numbers([id_index(number)]).get() == father
    client.post(reverse("roster:import_undo", args=[batch.pk]))
    run_jobs()
    father.refresh_from_db()
    assert father.id_number == ""
    assert father.id_number_index == ""
    assert not persons_with_id_numbers([id_index(number)]).exists()


def test_undo_points_a_family_slot_back_and_drops_the_person_it_pointed_to(
    places, cast, client_for
):
    from guanai.children.idnumber import id_index
    from guanai.children.selectors import persons_with_id_numbers

    client = client_for(cast["village_director"])
    held = make_child(name="钟二", id_number=make_id_number(sequence=456), village=places.village)
    father = held.father
    old_number = make_id_number("510821", date(1985, 5, 5), 77)
    father.name, father.id_number, father.id_number_index = "钟父", old_number, id_index(old_number)
    father.save()
    persons = Person.objects.count()
    # Another ID number is another person: the import points the slot at a new record, and
    # the father no child refers to any more is deleted.
    new_number = make_id_number("510821", date(1984, 4, 4), 78)
    row = line(1, "钟二", held.id_number) + f",{new_number}"
    batch = imported(client, f"{HEADER},父亲身份证号码\r\n{row}\r\n".encode())
    held.refresh_from_db()
    assert held.father != father
    assert not Person.objects.filter(pk=father.pk).exists()
    client.post(reverse("roster:import_undo", args=[batch.pk]))
    run_jobs()
    held.refresh_from_db()
    # He comes back from what the history kept of him, his phone still encrypted at rest.
    assert (held.father.name, held.father.id_number) == ("钟父", old_number)
    assert held.father.id_number_index == id_index(old_number)
    assert held.father.phone == father.phone
    assert not persons_with_id_numbers([id_index(new_number)]).exists()
    assert Person.objects.count() == persons


def test_the_check_results_and_the_faulty_rows_are_logged_with_the_batch(places, cast, client_for):
    director = cast["village_director"]
    client = client_for(director)
    number = make_id_number(sequence=461)
    batch = uploaded_and_checked(client, roster(line(1, "韩一", number, birth="2001-01-01")))
    assert number in detail(client, batch)  # the results quote the file
    entries = AccessEvent.objects.filter(user=director, target=f"import_batch:{batch.pk}")
    assert list(entries.values_list("action", "field")) == [("view", "check_report")]
    response = client.get(reverse("roster:import_errors", args=[batch.pk]))
    assert response.status_code == 200
    assert list(entries.order_by("pk").values_list("action", "field")) == [
        ("view", "check_report"),
        ("export", "faulty_rows"),
    ]
    assert entries.latest("pk").detail == {"format": "xlsx", "rows": 1}
    # The county admin sees the counts, no values from the file: nothing to log.
    detail(client_for(cast["county_admin"]), batch)
    assert not AccessEvent.objects.exclude(user=director).exists()


def test_a_zip_bomb_is_refused_on_upload_and_kept_nowhere(places, cast, client_for):
    from guanai.roster.tests.test_reading import small_bomb

    response = upload(client_for(cast["village_director"]), small_bomb(), name="花名册.xlsx")
    assert response.status_code == 200
    assert "文件解压后过大" in response.content.decode()
    assert not ImportBatch.objects.exists()
