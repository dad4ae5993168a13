"""访问日志: a county admin searches the entries of their county, and only those; the
system admin searches all; anyone else gets 404. Filters and the export."""

import csv
import io
import json
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from conftest import exported, make_user
from guanai.accounts.tests.helpers import grant, revoke
from guanai.audit.models import AccessEvent
from guanai.audit.selectors import access_events_visible_to, access_log_rows
from guanai.audit.services import access_log_faults, access_record
from guanai.exports.models import ExportJob

URL = reverse("audit:access_log")
EXPORT = reverse("audit:access_log_export")


@dataclass
class Log:
    by_director: AccessEvent  # our county's director opens our county's child
    by_teacher: AccessEvent  # our county's teacher reveals a father's ID number
    outside_on_outside: AccessEvent  # the next county's director, their own child
    outside_on_ours: AccessEvent  # the next county's director, one of our children
    ours_on_outside: AccessEvent  # our director, a child of the next county
    export: AccessEvent  # our education bureau exports the roster


@pytest.fixture
def other_admin(places):
    return make_user("qingchuan_admin", role="county_admin", area=places.other_county)


def viewed(user, child, *, action: str = "view", **kwargs) -> AccessEvent:
    """The log's entry for the user's look at the child's file (`kwargs`: its reason,
    the field revealed)."""
    return access_record(user=user, action=action, target=f"child:{child.pk}", **kwargs)


@pytest.fixture
def log(places, cast, kids) -> Log:
    outsider = make_user(
        "outside_director", role="village_director", area=places.other_county_village
    )
    return Log(
        by_director=viewed(cast["village_director"], kids.village, reason="家访"),
        by_teacher=viewed(
            cast["teacher"],
            kids.village,
            action="reveal",
            field="father.id_number",
            reason="核对 100% 信息",
        ),
        outside_on_outside=viewed(outsider, kids.other_county, reason="青川家访"),
        outside_on_ours=viewed(outsider, kids.sibling_village, reason="跨县协查"),
        ours_on_outside=viewed(cast["village_director"], kids.other_county, reason="转学核对"),
        export=access_record(
            user=cast["county_education"],
            action="export",
            target="roster",
            detail={"format": "xlsx", "rows": 3},
        ),
    )


def pks(events) -> set[int]:
    return {e.pk for e in events}


def test_the_county_admin_sees_their_county_and_not_the_next(log, cast, other_admin):
    # An entry about a child is its county's, whoever made it: our director's look at a
    # child of the next county is theirs to see (its reason may tell of that child).
    ours = {log.by_director, log.by_teacher, log.outside_on_ours, log.export}
    assert pks(access_events_visible_to(cast["county_admin"])) == pks(ours)
    theirs = {log.outside_on_outside, log.ours_on_outside}
    assert pks(access_events_visible_to(other_admin)) == pks(theirs)


def test_what_a_user_did_under_a_role_since_revoked_stays_in_that_countys_log(
    places, cast, other_admin
):
    """A county education bureau's export stays in the county's log when the bureau's
    role is revoked; what the user does afterwards, working in the next county, is not
    ours."""
    bureau = cast["county_education"]
    before = access_record(user=bureau, action="export", target="roster")
    revoke(cast["system_admin"], bureau.memberships.get())
    grant(cast["system_admin"], bureau, "county_education", area=places.other_county)
    after = access_record(user=bureau, action="export", target="roster")
    assert pks(access_events_visible_to(cast["county_admin"])) == {before.pk}
    assert pks(access_events_visible_to(other_admin)) == {after.pk}


def test_the_system_admin_sees_everything(log, cast):
    assert access_events_visible_to(cast["system_admin"]).count() == 6


@pytest.mark.parametrize(
    "role", ["county_education", "auditor", "township_supervisor", "teacher", "volunteer"]
)
def test_anyone_else_gets_404(role, log, cast, client_for):
    client = client_for(cast[role])
    assert client.get(URL).status_code == 404
    assert client.post(EXPORT, {"format": "csv"}).status_code == 404
    assert not ExportJob.objects.exists()
    assert not access_events_visible_to(cast[role]).exists()


def test_the_page_lists_the_county_newest_first_with_links_to_files_it_may_open(
    log, cast, kids, client_for
):
    response = client_for(cast["county_admin"]).get(URL)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.reason for r in rows] == ["", "跨县协查", "核对 100% 信息", "家访"]
    body = response.content.decode()
    assert reverse("children:child_detail", args=[kids.village.pk]) in body
    assert "张小明" in body
    # The next county's child is named to neither the page nor its link.
    assert "赵六" not in body
    assert reverse("children:child_detail", args=[kids.other_county.pk]) not in body
    assert "青川家访" not in body
    assert "转学核对" not in body  # our director, about their child: the next county's entry
    teacher_row = next(r for r in rows if r.action == "reveal")
    assert teacher_row.field_label == "父亲 · 身份证号码"
    assert next(r for r in rows if r.action == "export").rows == 3


def test_the_log_says_which_part_of_a_file_which_import_or_which_export_was_opened(cast, kids):
    director = cast["village_director"]
    viewed(director, kids.village, field="form")
    viewed(director, kids.village, field="photo")
    access_record(user=director, action="view", target="import_batch:7", field="check_report")
    access_record(
        user=director,
        action="export",
        target="import_batch:7",
        field="faulty_rows",
        detail={"format": "xlsx", "rows": 4},
    )
    access_record(
        user=director,
        action="export",
        target="export:12",
        field="download",
        detail={"format": "xlsx", "export": 12},
    )
    events = list(access_events_visible_to(cast["county_admin"]).select_related("user"))
    rows = access_log_rows(cast["county_admin"], events)
    assert [(r.child_name or r.target_label, r.field_label, r.rows) for r in rows] == [
        ("导出文件 #12", "下载", None),
        ("花名册导入 #7", "有错误的行", 4),
        ("花名册导入 #7", "检查结果", None),
        ("张小明", "照片", None),
        ("张小明", "修改表单", None),
    ]


def test_the_menu_offers_the_log_to_county_admins_only(cast, client_for):
    home = reverse("web:home")
    assert URL in client_for(cast["county_admin"]).get(home).content.decode()
    assert URL in client_for(cast["system_admin"]).get(home).content.decode()
    assert URL not in client_for(cast["county_education"]).get(home).content.decode()


def shown(client, **params) -> set[int]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return {e.pk for e in response.context["page"].object_list}


def test_filters_narrow_the_log(log, cast, client_for):
    client = client_for(cast["county_admin"])
    assert shown(client, action="reveal") == {log.by_teacher.pk}
    assert shown(client, user="director") == pks([log.by_director, log.outside_on_ours])
    assert shown(client, user="outside_director") == {log.outside_on_ours.pk}
    assert shown(client, child="张小明") == pks([log.by_director, log.by_teacher])
    assert shown(client, child="zxm") == pks([log.by_director, log.by_teacher])
    assert shown(client, reason="100%") == {log.by_teacher.pk}
    assert shown(client, reason="家访", user="village") == {log.by_director.pk}
    today = timezone.localdate()
    assert len(shown(client, date_from=today.isoformat(), date_to=today.isoformat())) == 4
    assert shown(client, date_from=(today + timedelta(days=1)).isoformat()) == set()
    assert shown(client, date_to=(today - timedelta(days=1)).isoformat()) == set()


def test_a_child_outside_the_viewers_scope_cannot_be_searched_for(log, cast, client_for):
    """赵六 lives in the next county: the county admin's search does not resolve the name."""
    assert shown(client_for(cast["county_admin"]), child="赵六") == set()
    assert shown(client_for(cast["system_admin"]), child="赵六") == pks(
        [log.outside_on_outside, log.ours_on_outside]
    )


@pytest.mark.parametrize("text", ["%", "_", "'", "%%", "' OR '1'='1", "\\", "100%_"])
@pytest.mark.parametrize("field", ["user", "child", "reason"])
def test_sql_metacharacters_in_text_filters_find_only_what_contains_them(
    text, field, log, cast, client_for
):
    client = client_for(cast["county_admin"])
    found = shown(client, **{field: text})
    if field == "reason" and text == "%":
        assert found == {log.by_teacher.pk}  # the one reason with a percent sign
    elif field == "user" and text == "_":
        # The usernames with a literal underscore; "_" is not "any character" ("teacher").
        ours = access_events_visible_to(cast["county_admin"])
        assert found == pks(ours.exclude(user=cast["teacher"]))
        assert log.by_teacher.pk not in found
    else:
        assert found == set()


def test_a_percent_sign_is_not_a_wildcard(log, cast, client_for):
    client = client_for(cast["county_admin"])
    assert shown(client, reason="核对%信息") == set()
    assert shown(client, reason="核对 _00") == set()


def test_children_are_never_searched_by_id_number(log, cast, kids, client_for):
    client = client_for(cast["county_admin"])
    response = client.get(URL, {"child": kids.village.id_number})
    assert response.status_code == 200
    assert response.context["form"].errors["child"]
    assert list(response.context["page"].object_list) == []


def test_a_reversed_date_range_is_refused(log, cast, client_for):
    today = timezone.localdate()
    response = client_for(cast["county_admin"]).get(
        URL, {"date_from": today.isoformat(), "date_to": (today - timedelta(days=2)).isoformat()}
    )
    assert response.context["form"].errors["date_to"]
    assert list(response.context["page"].object_list) == []


def test_typed_text_is_escaped(cast, kids, client_for):
    viewed(cast["village_director"], kids.village, reason="<script>alert(1)</script>")
    body = client_for(cast["county_admin"]).get(URL).content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_the_page_takes_a_fixed_number_of_queries(places, cast, kids, client_for):
    client = client_for(cast["county_admin"])
    client.get(URL)  # warm the session
    counts = []
    for n in (5, 60):
        AccessEvent.objects.all().delete()
        for i in range(n):
            child = kids.village if i % 2 else kids.other_township
            viewed(cast["teacher"], child)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert len(response.context["rows"]) == min(n, 50)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12


def test_the_csv_export_is_the_filtered_log_and_is_itself_logged(log, cast, client_for):
    client = client_for(cast["county_admin"])
    response = exported(client, EXPORT, {"format": "csv", "user": "director"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[0] == "时间"
    assert [row[6] for row in rows] == ["跨县协查", "家访"]
    assert "赵六" not in text
    entry = AccessEvent.objects.get(target="access_log")
    assert (entry.user, entry.action) == (cast["county_admin"], "export")
    job = ExportJob.objects.get()
    assert entry.detail == {
        "format": "csv",
        "rows": 2,
        "full_ids": False,
        "filter": {"user": "director"},
        "export": job.pk,
    }
    assert list(access_log_faults()) == []


def test_the_xlsx_export_writes_typed_text_as_text(cast, kids, client_for):
    viewed(cast["village_director"], kids.village, reason='=HYPERLINK("http://evil.example","x")')
    response = exported(client_for(cast["county_admin"]), EXPORT, {"format": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[1][4] == "张小明"
    assert rows[1][6] == '=HYPERLINK("http://evil.example","x")'
    assert len(rows) == 2  # the header and the one entry; not the export's own entry


def test_the_csv_export_defuses_formulas(cast, kids, client_for):
    viewed(cast["village_director"], kids.village, reason="=1+1")
    response = exported(client_for(cast["county_admin"]), EXPORT, {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=1+1" in text


def test_an_export_with_a_bad_filter_is_refused(log, cast, client_for):
    response = client_for(cast["county_admin"]).post(
        EXPORT, {"format": "csv", "date_from": "not a date"}
    )
    assert response.status_code == 400
    assert "筛选条件有误" in response.content.decode()
    assert not ExportJob.objects.exists()
    assert not AccessEvent.objects.filter(target="access_log").exists()


def test_entries_about_an_anonymised_child_stay_in_the_countys_log(log, cast, kids):
    from guanai.children.anonymise import children_anonymise

    children_anonymise({kids.village.pk: "期满"})
    assert {log.by_director.pk, log.by_teacher.pk} <= pks(
        access_events_visible_to(cast["county_admin"])
    )


def test_an_id_number_typed_into_a_filter_is_not_stored_with_the_export(log, cast, client_for):
    number = "510821201503051234"
    spaced_full_width = "５１０８２１ ２０１５０３０５ １２３４"
    response = exported(
        client_for(cast["county_admin"]),
        EXPORT,
        {"format": "csv", "reason": f"核对{number}", "user": spaced_full_width},
    )
    assert response.status_code == 200
    entry = AccessEvent.objects.get(target="access_log")
    with connection.cursor() as cursor:
        cursor.execute("SELECT detail FROM audit_accessevent WHERE id = %s", [entry.pk])
        (raw,) = cursor.fetchone()
    stored = json.loads(raw) if isinstance(raw, str) else raw
    typed = unicodedata.normalize("NFKC", json.dumps(stored, ensure_ascii=False))
    assert number not in typed.replace(" ", "")
    assert stored["filter"]["reason"].startswith("核对")
    assert list(access_log_faults()) == []
