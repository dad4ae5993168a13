"""ID numbers held for the county to verify (身份冲突待核实): what the roster check and the
forms hold, the access log, the day's limit shared by files and forms with its alert, and
the county admin's page, which sees both sides, for their own county only."""

import json
from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from conftest import make_child, make_id_number, make_user, run_jobs
from guanai.audit.models import AccessEvent
from guanai.children.choices import Subject
from guanai.children.idnumber import id_index
from guanai.children.models import Child
from guanai.children.selectors import Holder
from guanai.children.tests.test_views import form_data
from guanai.conflicts.models import ConflictAlert, IdentityConflict, Source
from guanai.conflicts.services import Claim, conflict_resolve, conflicts_hold
from guanai.core.crypto import mask_id_number
from guanai.roster.tests.test_import_views import uploaded_and_checked
from guanai.roster.tests.test_importing import HEADER, line, roster

NEUTRAL = "该身份证号码需由县民政局核实，已暂存待处理。"


def far_children(places, count: int) -> list[Child]:
    """Children of 青川县, out of reach of everyone in the cast but the system admin."""
    return [
        make_child(
            places.other_county_village,
            name=f"远{i}",
            id_number=make_id_number("510822", sequence=300 + i),
        )
        for i in range(count)
    ]


def new_child_with(client, places, number: str):
    """The new-child form, the child's ID number as given."""
    return client.post(reverse("children:child_new"), form_data(places, id_number=number))


def test_a_checked_file_holds_each_number_out_of_reach_with_its_file_and_row(
    places, cast, kids, client_for
):
    director = cast["village_director"]
    data = roster(
        line(1, "冯一", kids.other_county.id_number),
        line(2, "冯二", make_id_number(sequence=501)),
        line(3, "冯三", kids.sibling_village.id_number),
    )
    batch = uploaded_and_checked(client_for(director), data)
    assert batch.state == "checked"
    counts = {k: batch.counts[k] for k in ("create", "update", "unchanged", "error")}
    assert counts == {"create": 1, "update": 0, "unchanged": 0, "error": 2}
    held = IdentityConflict.objects.order_by("row")
    assert [
        (c.user, c.batch, c.row, c.column, c.typed_for, c.child_name, c.held_child, c.held_as)
        for c in held
    ] == [
        (director, batch, 3, "身份证号码", "child", "冯一", kids.other_county, "child"),
        (director, batch, 5, "身份证号码", "child", "冯三", kids.sibling_village, "child"),
    ]
    assert [c.held_village for c in held] == [places.other_county_village, places.sibling_village]
    assert held[0].id_number == kids.other_county.id_number
    assert held[0].area_prefix == places.village.code  # the director's county resolves it
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM conflicts_identityconflict")
        stored = " ".join(row[0] for row in cursor.fetchall())
    assert kids.other_county.id_number not in stored


def test_each_held_number_is_logged_with_its_file_and_row_never_in_clear(
    places, cast, kids, client_for
):
    director = cast["village_director"]
    father = kids.other_county.father
    father.id_number = make_id_number("510822", date(1985, 2, 2), 61)
    father.id_number_index = id_index(father.id_number)
    father.save()
    rows = [
        line(1, "冯一", kids.other_county.id_number) + ",",
        line(2, "冯二", make_id_number(sequence=502)) + f",{father.id_number}",
    ]
    data = "\r\n".join([HEADER + ",父亲身份证号码", *rows, ""]).encode()
    batch = uploaded_and_checked(client_for(director), data)
    events = AccessEvent.objects.filter(action=AccessEvent.Action.CONFLICT).order_by("pk")
    held = IdentityConflict.objects.order_by("row")
    assert [
        (e.user, e.target, e.field, e.detail["batch"], e.detail["file"], e.detail["row"])
        for e in events
    ] == [
        (director, f"conflict:{held[0].pk}", "child.id_number", batch.pk, batch.file_name, 2),
        (director, f"conflict:{held[1].pk}", "father.id_number", batch.pk, batch.file_name, 3),
    ]
    assert events[1].detail["column"] == "父亲身份证号码"
    assert events[0].detail["id_number"] == mask_id_number(kids.other_county.id_number)
    for event, number in zip(events, [kids.other_county.id_number, father.id_number], strict=True):
        assert number not in json.dumps(event.detail) + event.reason + event.target + event.field
    # The county admin finds them in the access log, by their kind.
    log = client_for(cast["county_admin"]).get(reverse("audit:access_log"), {"action": "conflict"})
    assert log.content.decode().count("身份冲突待核实") == 2


def test_importing_a_checked_file_holds_and_logs_its_numbers_once(places, cast, kids, client_for):
    client = client_for(cast["village_director"])
    data = roster(
        line(1, "冯一", kids.other_county.id_number), line(2, "冯二", make_id_number(sequence=503))
    )
    batch = uploaded_and_checked(client, data)
    client.post(reverse("roster:import_apply", args=[batch.pk]))
    run_jobs()
    batch.refresh_from_db()
    assert batch.state == "imported"
    assert Child.objects.filter(name="冯二").exists()
    assert not Child.objects.filter(name="冯一").exists()
    held = IdentityConflict.objects.get()
    assert held.attempts == 1
    assert AccessEvent.objects.filter(action="conflict").count() == 1


def test_the_sixth_number_in_a_day_stops_the_file_imports_nothing_and_alerts_the_county(
    places, cast, kids, client_for
):
    director = cast["village_director"]
    far = far_children(places, 7)
    data = roster(
        line(1, "冯新", make_id_number(sequence=510)),
        *(line(i + 2, f"冯{i}", child.id_number) for i, child in enumerate(far)),
    )
    batch = uploaded_and_checked(client_for(director), data)
    assert batch.state == "failed"
    assert "超过 5 个" in batch.message
    assert "没有导入任何数据" in batch.message
    # Held up to the one that crossed the limit; the rows after it are not looked at.
    assert IdentityConflict.objects.filter(user=director).count() == 6
    assert AccessEvent.objects.filter(action="conflict").count() == 6
    assert not Child.objects.filter(name="冯新").exists()
    alert = ConflictAlert.objects.get()
    assert (alert.user, alert.conflicts, alert.batch) == (director, 6, batch)
    admin = client_for(cast["county_admin"])
    for url in (reverse("web:home"), reverse("conflicts:conflict_list")):
        page = admin.get(url).content.decode()
        assert "village_director（village_director）在一天内提交了 6 个" in page, url
    # The director is told why the file stopped, and nothing of the alert.
    own_home = client_for(director).get(reverse("web:home")).content.decode()
    assert 'data-testid="conflict-alert"' not in own_home


def test_the_forms_share_the_days_limit_with_the_files(places, cast, kids, client_for):
    director = cast["village_director"]
    client = client_for(director)
    far = far_children(places, 7)
    data = roster(*(line(i + 1, f"冯{i}", child.id_number) for i, child in enumerate(far[:5])))
    batch = uploaded_and_checked(client, data)
    assert (batch.state, batch.counts["error"]) == ("checked", 5)
    assert not ConflictAlert.objects.exists()
    page = new_child_with(client, places, far[5].id_number).content.decode()
    assert "超过 5 个" in page
    assert NEUTRAL not in page
    assert ConflictAlert.objects.get().conflicts == 6
    # Past the limit, every further number is refused the same way, and still logged.
    page = new_child_with(client, places, far[6].id_number).content.decode()
    assert "超过 5 个" in page
    assert AccessEvent.objects.filter(user=director, action="conflict").count() == 7
    assert ConflictAlert.objects.get().conflicts == 7
    # A number nobody else holds still goes through.
    response = new_child_with(client, places, make_id_number(sequence=520))
    assert response.status_code == 302


def test_under_the_limit_a_form_is_refused_with_the_neutral_message_and_held(
    places, cast, kids, client_for
):
    director = cast["village_director"]
    client = client_for(director)
    response = new_child_with(client, places, kids.other_county.id_number)
    assert NEUTRAL in response.content.decode()
    held = IdentityConflict.objects.get()
    assert (held.source, held.typed_for, held.held_child) == (
        "child_new",
        "child",
        kids.other_county,
    )
    assert held.child_name == "王小芳"
    assert held.village == places.village


def test_typing_a_number_again_is_the_same_conflict_not_counted_again(
    places, cast, kids, client_for
):
    client = client_for(cast["village_director"])
    for _attempt in range(7):
        page = new_child_with(client, places, kids.other_county.id_number).content.decode()
        assert NEUTRAL in page
    held = IdentityConflict.objects.get()
    assert held.attempts == 7
    assert AccessEvent.objects.filter(action="conflict").count() == 7
    assert not ConflictAlert.objects.exists()


def test_the_edit_form_holds_a_number_typed_for_the_father(places, cast, kids, client_for):
    far_father = kids.other_county.father
    far_father.id_number = make_id_number("510822", date(1985, 2, 2), 63)
    far_father.id_number_index = id_index(far_father.id_number)
    far_father.save()
    own = kids.village
    data = form_data(
        places, name=own.name, **{"id_number": "", "father-id_number": far_father.id_number}
    )
    data |= {"birth_date": own.birth_date.isoformat(), "gender": own.gender}
    client = client_for(cast["village_director"])
    page = client.post(reverse("children:child_edit", args=[own.pk]), data).content.decode()
    assert f"父亲：{NEUTRAL}" in page
    held = IdentityConflict.objects.get()
    assert (held.source, held.edited_child, held.typed_for) == ("child_edit", own, "father")
    assert (held.held_child, held.held_as, held.person_name) == (
        kids.other_county,
        "father",
        "王大军",
    )
    own.refresh_from_db()
    assert own.father.name != "王大军"  # nothing of the entry saved


def test_a_number_within_reach_is_no_conflict(places, cast, kids, client_for):
    """The township supervisor may edit 四新村's child: a duplicate there is told as it is."""
    client = client_for(cast["township_supervisor"])
    page = new_child_with(client, places, kids.sibling_village.id_number).content.decode()
    assert "已有儿童档案，在您的管辖范围内" in page
    assert not IdentityConflict.objects.exists()


def test_a_number_whose_holder_was_removed_meanwhile_is_held_with_its_place(
    places, cast, kids, client_for
):
    far = kids.other_county
    claim = Claim(
        typed_for=Subject.CHILD,
        id_number=far.id_number,
        index=far.id_number_index,
        holder=Holder(far.pk, Subject.CHILD, far.village_id),
        child_name="冯一",
    )
    Child.objects.filter(pk=far.pk).delete()  # an import undone, between finding and holding
    conflicts_hold(user=cast["village_director"], claims=[claim], source=Source.CHILD_NEW)
    held = IdentityConflict.objects.get()
    assert (held.held_child, held.held_village) == (None, places.other_county_village)
    page = client_for(cast["county_admin"]).get(reverse("conflicts:conflict_list"))
    assert "请联系青川县民政局核实" in page.content.decode()


@pytest.fixture
def held(places, cast, kids, client_for):
    """The director typed the numbers of 青川县's child and of 四新村's (both out of
    their reach, the second in their own county)."""
    director = cast["village_director"]
    data = roster(
        line(1, "冯一", kids.other_county.id_number),
        line(2, "冯三", kids.sibling_village.id_number),
    )
    uploaded_and_checked(client_for(director), data)
    return list(IdentityConflict.objects.order_by("row"))


def test_the_county_admin_sees_both_sides_and_links_only_their_own_countys_child(
    held, cast, kids, client_for
):
    page = client_for(cast["county_admin"]).get(reverse("conflicts:conflict_list"))
    text = page.content.decode()
    assert text.count('data-testid="conflict-row"') == 2
    assert mask_id_number(kids.other_county.id_number) in text
    assert kids.other_county.id_number not in text
    assert "冯一" in text
    assert "冯三" in text
    # Held in another county: where, and whom to ask; nothing of the child.
    assert "青川县 乔庄镇 城郊村" in text
    assert "请联系青川县民政局核实" in text
    assert kids.other_county.name not in text
    assert reverse("children:child_detail", args=[kids.other_county.pk]) not in text
    # Held in their own county: the child, linked.
    near_link = reverse("children:child_detail", args=[kids.sibling_village.pk])
    assert f'<a href="{near_link}">{kids.sibling_village.name}</a>' in text


def test_another_countys_admin_sees_none_of_them(held, places, cast, client_for):
    other_admin = make_user("qingchuan_admin", role="county_admin", area=places.other_county)
    client = client_for(other_admin)
    page = client.get(reverse("conflicts:conflict_list")).content.decode()
    assert 'data-testid="conflict-row"' not in page
    decision = {"decision": "rejected", "note": "不是本县的"}
    for conflict in held:
        url = reverse("conflicts:conflict_resolve", args=[conflict.pk])
        assert client.post(url, decision).status_code == 404
    assert set(IdentityConflict.objects.values_list("state", flat=True)) == {"pending"}


def test_resolving_records_who_when_and_the_note(held, cast, client_for):
    admin = cast["county_admin"]
    client = client_for(admin)
    conflict = held[0]
    url = reverse("conflicts:conflict_resolve", args=[conflict.pk])
    client.post(url, {"decision": "resolved", "note": "  "})
    conflict.refresh_from_db()
    assert conflict.state == "pending"
    client.post(
        url, {"decision": "resolved", "note": "已与青川县核实，儿童已迁入，由原地移出后登记"}
    )
    conflict.refresh_from_db()
    assert (conflict.state, conflict.resolved_by) == ("resolved", admin)
    assert conflict.resolved_at is not None
    assert conflict.resolution_note.startswith("已与青川县核实")
    response = client.post(url, {"decision": "rejected", "note": "再次处理"}, follow=True)
    assert "已经处理过了" in response.content.decode()
    conflict.refresh_from_db()
    assert conflict.state == "resolved"
    page = client.get(reverse("conflicts:conflict_list")).content.decode()
    assert "由原地移出后登记" in page


def test_a_number_typed_again_after_its_conflict_was_resolved_is_a_new_one(
    held, places, cast, kids, client_for
):
    admin = client_for(cast["county_admin"])
    admin.post(
        reverse("conflicts:conflict_resolve", args=[held[0].pk]),
        {"decision": "rejected", "note": "号码有误"},
    )
    new_child_with(client_for(cast["village_director"]), places, kids.other_county.id_number)
    assert (
        IdentityConflict.objects.filter(state="pending", held_child=kids.other_county).count() == 1
    )
    assert IdentityConflict.objects.count() == 3


def test_an_acknowledged_alert_leaves_the_home_page(places, cast, kids, client_for):
    far = far_children(places, 6)
    data = roster(*(line(i + 1, f"冯{i}", child.id_number) for i, child in enumerate(far)))
    uploaded_and_checked(client_for(cast["village_director"]), data)
    admin = client_for(cast["county_admin"])
    alert = ConflictAlert.objects.get()
    response = admin.post(reverse("conflicts:alert_acknowledge", args=[alert.pk]), {"next": "home"})
    assert response["Location"] == reverse("web:home")
    alert.refresh_from_db()
    assert alert.acknowledged_by == cast["county_admin"]
    assert 'data-testid="conflict-alert"' not in admin.get(reverse("web:home")).content.decode()


def test_the_daily_retention_run_drops_the_entry_of_conflicts_resolved_long_ago(
    held, cast, client_for, settings
):
    from guanai.retention.services import retention_daily

    old, recent = held
    for conflict, days in ((old, settings.IMPORT_FILE_RETENTION_DAYS + 1), (recent, 1)):
        conflict_resolve(
            user=cast["county_admin"], conflict_id=conflict.pk, decision="resolved", note="已核实"
        )
        IdentityConflict.objects.filter(pk=conflict.pk).update(
            resolved_at=timezone.now() - timedelta(days=days)
        )
    assert retention_daily().expired["conflicts.resolved_entries"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.id_number, old.id_number_index, old.child_name) == ("", "", "")
    assert (old.user, old.held_child, old.state) == (
        cast["village_director"],
        held[0].held_child,
        "resolved",
    )
    assert recent.id_number
    assert recent.child_name == "冯三"
    assert retention_daily().expired["conflicts.resolved_entries"] == 0


def test_anonymising_the_child_that_held_the_number_clears_and_closes_its_conflicts(
    held, cast, kids
):
    from guanai.children.anonymise import children_anonymise

    first, second = held
    conflict_resolve(
        user=cast["county_admin"], conflict_id=second.pk, decision="resolved", note="已核实"
    )
    assert first.held_child is not None
    children_anonymise({first.held_child.pk: "保留期限已满"})
    for conflict in (first, second):
        conflict.refresh_from_db()
    # Another child's conflict is left as it was.
    assert second.held_child_id != first.held_child_id
    assert (second.child_name, second.state) == ("冯三", "resolved")
    assert second.id_number
    assert (first.id_number, first.id_number_index, first.child_name, first.person_name) == (
        "",
        "",
        "",
        "",
    )
    assert first.birth_date is None
    assert first.state == "rejected"
    assert "匿名化" in first.resolution_note
    # Who typed it, when and where stay, as the county's record.
    assert first.user == cast["village_director"]


def test_the_menu_leads_county_admins_to_the_page(cast, client_for):
    url = reverse("conflicts:conflict_list")
    for role, shown in (("county_admin", True), ("village_director", False), ("teacher", False)):
        page = client_for(cast[role]).get(reverse("web:home")).content.decode()
        assert (f'href="{url}"' in page) == shown, role


def test_the_county_admins_home_counts_what_waits(places, cast, kids, client_for):
    director = cast["village_director"]
    uploaded_and_checked(client_for(director), roster(line(1, "冯一", kids.other_county.id_number)))
    admin_home = client_for(cast["county_admin"]).get(reverse("web:home")).content.decode()
    assert "1 个身份证号码待核实" in admin_home
    assert 'data-testid="conflicts-pending"' not in (
        client_for(director).get(reverse("web:home")).content.decode()
    )
    conflict = IdentityConflict.objects.get()
    client_for(cast["county_admin"]).post(
        reverse("conflicts:conflict_resolve", args=[conflict.pk]),
        {"decision": "rejected", "note": "已与朝天区核实"},
    )
    admin_home = client_for(cast["county_admin"]).get(reverse("web:home")).content.decode()
    assert 'data-testid="conflicts-pending"' not in admin_home
