"""The review queue (待审核): what each entry changed and who entered it, by village or
school, several approved at once after looking, and a return that reaches its submitter."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_child, make_id_number, make_user
from guanai.children.choices import ReviewState
from guanai.children.models import Child, ChildChange
from guanai.children.services import child_create, child_review, child_update

pytestmark = pytest.mark.django_db


def register(user, village, *, name="张小明", school=None, **data) -> Child:
    """A child registered through the service, as the form does it (history included)."""
    return child_create(
        user=user,
        data={
            "name": name,
            "gender": "male",
            "birth_date": "2015-03-05",
            "village": village,
            "schooling": "primary" if school else "not_in_school",
            "school": school,
            "guardianship_type": "grandparent",
            "guardian_relationship": "grandmother",
            "assessment": "ordinary",
            **data,
        },
        family={
            "father": {"name": f"{name[0]}大山", "away_for_work": True, "work_city": "东莞市"},
            "mother": {"name": "李秀英", "away_for_work": True},
            "guardian": {"name": f"{name[0]}奶奶", "phone": "13712345678"},
        },
    )


def queue(client, **params):
    return client.get(reverse("children:review_list"), params)


def entry(child: Child) -> str:
    """The value a ticked box of the queue posts: the child and what was seen of it."""
    latest = child.changes.order_by("-id").values_list("id", flat=True).first() or 0
    return f"{child.pk}:{latest}"


def test_each_entry_shows_what_changed_old_to_new_and_who_entered_it(places, cast, client_for):
    director, supervisor = cast["village_director"], cast["township_supervisor"]
    director.full_name = "儿童主任 张兰"
    director.save()
    changed = register(director, places.village, name="张小明")
    child_review(user=supervisor, child_id=changed.pk, approve=True)
    child_update(
        user=director,
        child_id=changed.pk,
        data={"guardianship_type": "relative", "guardian_relationship": "uncle_aunt"},
    )
    register(director, places.village, name="李小花")
    response = queue(client_for(supervisor))
    body = response.content.decode()
    submissions = {e["submission"].child.name: e["submission"] for e in response.context["entries"]}
    assert set(submissions) == {"张小明", "李小花"}
    # The change since the approval, and only that: the registration was approved.
    [update] = submissions["张小明"].entries
    assert update.kind == ChildChange.Kind.UPDATED
    shown = {(c["label"], c["old_display"], c["new_display"]) for c in update.entries}
    assert ("监护类型", "祖辈监护", "亲友委托监护") in shown
    assert "<del>祖辈监护</del> → <span>亲友委托监护</span>" in body
    assert "新登记" in body
    # 填报人: the director, on both; never "—".
    assert [u.pk for u in submissions["张小明"].submitters] == [director.pk]
    assert [u.pk for u in submissions["李小花"].submitters] == [director.pk]
    assert body.count('data-testid="submitters">儿童主任 张兰<') == 4  # card and row, twice
    assert 'data-testid="submitters">—' not in body


def test_masked_values_stay_masked_in_the_queue(places, cast, client_for):
    child = register(cast["village_director"], places.village)
    child_review(user=cast["township_supervisor"], child_id=child.pk, approve=True)
    guardian = {"name": "张奶奶", "phone": "13900001111"}
    child_update(
        user=cast["village_director"],
        child_id=child.pk,
        data={"id_number": make_id_number(sequence=77)},
        family={"guardian": guardian},
    )
    body = queue(client_for(cast["township_supervisor"])).content.decode()
    assert make_id_number(sequence=77) not in body
    assert "13900001111" not in body
    assert "13712345678" not in body
    assert "510821************" in body
    assert "139****1111" in body


def test_the_queue_filters_by_village_and_school_and_offers_only_places_with_work(
    places, cast, client_for
):
    director = cast["village_director"]
    at_school = register(director, places.village, name="张小明", school=places.school)
    register(director, places.village, name="张小红")
    next_door = make_user("sixin", role="village_director", area=places.sibling_village)
    register(next_door, places.sibling_village, name="李四")
    client = client_for(cast["township_supervisor"])

    def names(**params):
        return {e["submission"].child.name for e in queue(client, **params).context["entries"]}

    assert names() == {"张小明", "张小红", "李四"}
    assert names(village=places.village.code) == {"张小明", "张小红"}
    assert names(village=places.sibling_village.code) == {"李四"}
    assert names(school=places.school.pk) == {at_school.name}
    assert names(village=places.village.code, per_page=7) == {"张小明", "张小红"}
    # A place out of the supervisor's township has nothing for them, whatever is asked.
    assert names(village=places.other_township_village.code) == set()
    response = queue(client)
    assert [(v.code, n) for v, n in response.context["villages"]] == [
        (places.village.code, 2),
        (places.sibling_village.code, 1),
    ]
    assert [(s.pk, n) for s, n in response.context["schools"]] == [(places.school.pk, 1)]
    assert "长滩村（2）" in response.content.decode()


def test_bulk_approval_approves_only_what_is_pending_in_the_users_queue(places, cast, client_for):
    director = cast["village_director"]
    supervisor = cast["township_supervisor"]
    first = register(director, places.village, name="张一")
    second = register(director, places.village, name="张二")
    approved = register(director, places.village, name="张三")
    child_review(user=supervisor, child_id=approved.pk, approve=True)
    returned = register(director, places.village, name="张四")
    child_review(user=supervisor, child_id=returned.pk, approve=False, comment="请核实")
    elsewhere = make_user("shiqiao", role="village_director", area=places.other_township_village)
    outside = register(elsewhere, places.other_township_village, name="王五")
    posted = [entry(c) for c in (first, second, approved, returned, outside)]
    posted.append("987654:0")  # no such child
    response = client_for(supervisor).post(
        reverse("children:review_bulk"),
        {"entry": posted, "village": places.village.code},
        follow=True,
    )
    states = dict(Child.objects.values_list("name", "review_state"))
    assert states == {
        "张一": "approved",
        "张二": "approved",
        "张三": "approved",
        "张四": "returned",
        "王五": "pending",
    }
    text = response.content.decode()
    assert "已审核通过 2 份档案：张一、张二。" in text
    assert "4 份档案已不在待审核中，未处理。" in text
    assert response.redirect_chain[-1][0] == (
        f"{reverse('children:review_list')}?village={places.village.code}"
    )
    # Logged as single approvals are: one history entry each, by the reviewer.
    for child in (first, second):
        decision = child.changes.get(kind=ChildChange.Kind.APPROVED)
        assert (decision.by, decision.comment) == (supervisor, "")
        child.refresh_from_db()
        assert (child.reviewed_by, child.review_state) == (supervisor, ReviewState.APPROVED)
    assert not outside.changes.filter(kind=ChildChange.Kind.APPROVED).exists()


def test_bulk_approval_is_logged_as_a_single_approval_is(places, cast, client_for):
    director, supervisor = cast["village_director"], cast["township_supervisor"]
    one = register(director, places.village, name="张一")
    other = register(director, places.village, name="张二")
    client = client_for(supervisor)
    client.post(
        reverse("children:child_review", args=[one.pk]),
        {"decision": "approve", "seen": entry(one).split(":")[1]},
    )
    client.post(reverse("children:review_bulk"), {"entry": [entry(other)]})

    def logged(child):
        child.refresh_from_db()
        decision = child.changes.get(kind=ChildChange.Kind.APPROVED)
        return (
            decision.by,
            decision.subject,
            decision.changes,
            decision.comment,
            child.review_state,
            child.reviewed_by,
        )

    assert logged(one) == logged(other)


def test_an_entry_changed_after_it_was_seen_is_not_approved(places, cast, client_for):
    director, supervisor = cast["village_director"], cast["township_supervisor"]
    child = register(director, places.village)
    seen = entry(child)
    child_update(user=director, child_id=child.pk, data={"assessment": "good"})
    response = client_for(supervisor).post(
        reverse("children:review_bulk"), {"entry": [seen]}, follow=True
    )
    child.refresh_from_db()
    assert child.review_state == ReviewState.PENDING
    assert "张小明 在您查看后又有变动，未审核，请重新查看。" in response.content.decode()
    # The same from the single buttons (the queue and the file post what they showed).
    response = client_for(supervisor).post(
        reverse("children:child_review", args=[child.pk]),
        {"decision": "approve", "seen": seen.split(":")[1]},
        follow=True,
    )
    child.refresh_from_db()
    assert child.review_state == ReviewState.PENDING
    assert "在您查看后又有变动" in response.content.decode()
    client_for(supervisor).post(reverse("children:review_bulk"), {"entry": [entry(child)]})
    child.refresh_from_db()
    assert child.review_state == ReviewState.APPROVED


def test_bulk_approval_takes_a_page_at_most_and_nothing_unticked(places, cast, client_for):
    client = client_for(cast["township_supervisor"])
    response = client.post(reverse("children:review_bulk"), {}, follow=True)
    assert "请先勾选要审核通过的档案。" in response.content.decode()
    many = [f"{n}:0" for n in range(1, 102)]
    response = client.post(reverse("children:review_bulk"), {"entry": many}, follow=True)
    assert "一次最多审核 100 份档案。" in response.content.decode()


def test_bulk_approval_is_not_for_those_who_do_not_review(places, cast, client_for):
    director = cast["village_director"]
    child = register(director, places.village)
    for role in ("village_director", "school_admin", "teacher", "league", "volunteer"):
        response = client_for(cast[role]).post(
            reverse("children:review_bulk"), {"entry": [entry(child)]}
        )
        assert response.status_code == 404, role
    child.refresh_from_db()
    assert child.review_state == ReviewState.PENDING


def test_a_return_reaches_its_submitter_s_home_with_the_comment_until_they_act(
    places, cast, client_for
):
    director, supervisor = cast["village_director"], cast["township_supervisor"]
    director.full_name = "儿童主任 张兰"
    director.save()
    child = register(director, places.village)
    response = client_for(supervisor).post(
        reverse("children:child_review", args=[child.pk]),
        {"decision": "return", "comment": "请补充委托监护确认书日期", "next": "queue"},
        follow=True,
    )
    assert "已退回“张小明”。填报人儿童主任 张兰会在工作台上看到您的意见" in (
        response.content.decode()
    )
    home = client_for(director).get(reverse("web:home"))
    assert [c.pk for c in home.context["returned"]] == [child.pk]
    body = home.content.decode()
    assert 'data-testid="returned-to-me"' in body
    assert "请补充委托监护确认书日期" in body
    assert reverse("children:child_edit", args=[child.pk]) in body
    # Nobody else's home: not the reviewer's, not another director's of the township.
    next_door = make_user("sixin", role="village_director", area=places.sibling_village)
    for other in (supervisor, next_door, cast["county_admin"]):
        assert (
            'data-testid="returned-to-me"'
            not in client_for(other).get(reverse("web:home")).content.decode()
        )
    # Saving without changing anything is not acting on it.
    child_update(user=director, child_id=child.pk, data={})
    assert client_for(director).get(reverse("web:home")).context["returned"] != []
    # Acting on it submits it again: it leaves the home page and is back in the queue.
    child_update(user=director, child_id=child.pk, data={"entrustment_confirmed_on": "2026-03-01"})
    assert client_for(director).get(reverse("web:home")).context["returned"] == []
    waiting = queue(client_for(supervisor)).context["entries"]
    assert [e["submission"].child.pk for e in waiting] == [child.pk]


def test_a_return_goes_to_whoever_submitted_last(places, cast, client_for):
    """A record registered by one director and corrected by another (the village changed
    hands) goes back to the one who submitted the correction."""
    first = cast["village_director"]
    second = make_user("zhangsan2", role="village_director", area=places.village)
    child = register(first, places.village)
    child_review(user=cast["township_supervisor"], child_id=child.pk, approve=True)
    child_update(user=second, child_id=child.pk, data={"assessment": "good"})
    child_review(
        user=cast["township_supervisor"], child_id=child.pk, approve=False, comment="请核实"
    )
    assert client_for(first).get(reverse("web:home")).context["returned"] == []
    assert [c.pk for c in client_for(second).get(reverse("web:home")).context["returned"]] == [
        child.pk
    ]


def test_the_queue_takes_a_fixed_number_of_queries_whatever_its_length(places, cast, client_for):
    director = cast["village_director"]
    client = client_for(cast["township_supervisor"])
    queue(client)  # warm the session
    counts = []
    for batch in (3, 20):
        for i in range(batch):
            register(director, places.village, name=f"张{batch}{i}", school=places.school)
        with CaptureQueriesContext(connection) as queries:
            response = queue(client, per_page=50)
        assert len(response.context["entries"]) == {3: 3, 20: 23}[batch]
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 14


def test_the_queue_is_twenty_a_page_and_keeps_the_desktop_table(places, cast, client_for):
    for i in range(25):
        make_child(places.village, name=f"张{i:02d}", review_state="pending")
    response = queue(client_for(cast["township_supervisor"]))
    body = response.content.decode()
    assert len(response.context["entries"]) == 20
    assert body.count('data-testid="review-card"') == 20
    assert body.count('data-testid="review-row"') == 20
    assert 'class="table-responsive d-none d-md-block"' in body
    assert 'class="child-cards d-md-none" data-testid="review-cards"' in body
