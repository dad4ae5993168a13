"""The children's list as cards on a phone (the browser tests measure them at 390×844)."""

import re

import pytest
from django.urls import reverse

from conftest import make_child, make_id_number

pytestmark = pytest.mark.django_db


def cards_of(body: str) -> list[str]:
    section = body.split('data-testid="child-cards"', 1)[1].split("</ul>", 1)[0]
    return section.split('data-testid="child-card"')[1:]


def test_the_list_is_twenty_a_page_as_cards_and_as_the_desktop_table(places, cast, client_for):
    for i in range(25):
        make_child(places.village, name=f"张{i:02d}")
    response = client_for(cast["village_director"]).get(reverse("children:child_list"))
    body = response.content.decode()
    assert len(response.context["rows"]) == 20
    assert len(cards_of(body)) == 20
    assert body.count("<tr>") == 21  # the header and 20 rows
    assert 'class="table-responsive d-none d-md-block"' in body
    assert "1 / 2" in body


def test_a_card_shows_age_schooling_guardianship_risk_and_flags(places, cast, client_for):
    child = make_child(
        places.village, name="张小明", school=places.school, grade="三年级", risk_level="high"
    )
    make_child(places.village, name="李四", review_state="pending")
    child.guardianship_type = "none"
    child.guardian = None
    child.save()
    body = client_for(cast["village_director"]).get(reverse("children:child_list")).content
    cards = {
        re.search(r'data-testid="card-name">([^<]+)<', c)[1]: c for c in cards_of(body.decode())
    }
    assert set(cards) == {"张小明", "李四"}
    first = cards["张小明"]
    assert "三年级" in first
    assert "无人监护" in first
    assert 'data-testid="flag-unguarded"' in first
    assert "风险高" in first
    assert "留守" not in first  # left behind (2016), as most are: not marked
    assert "待审核" in cards["李四"]
    assert "不在学" in cards["李四"]  # no grade: the schooling
    assert "祖辈监护 · 李奶奶（祖母）" in cards["李四"]


def test_what_is_the_same_for_every_card_is_said_once(places, cast, client_for):
    make_child(places.village, name="张小明", school=places.school)
    make_child(places.village, name="张小红", school=places.school)
    body = client_for(cast["village_director"]).get(reverse("children:child_list")).content
    text = body.decode()
    assert 'data-testid="cards-village"' in text
    assert 'data-testid="cards-school"' in text
    assert len(cards_of(text)) == 2
    for card in cards_of(text):
        assert "长滩村" not in card
        assert "东河小学" not in card
    # Children of several villages: each card names its village, by its short name.
    make_child(places.sibling_village, name="李四")
    text = client_for(cast["township_supervisor"]).get(reverse("children:child_list")).content
    cards = cards_of(text.decode())
    assert sum("长滩村" in card for card in cards) == 2
    assert sum("四新村" in card for card in cards) == 1
    assert "村民委员会" not in "".join(cards)


def test_masked_values_stay_masked_on_cards(places, cast, client_for):
    number = make_id_number(sequence=55)
    make_child(places.village, name="张小明", id_number=number, address="长滩村三组12号")
    for role in ("county_admin", "village_director", "league"):
        body = client_for(cast[role]).get(reverse("children:child_list")).content.decode()
        assert "张小明" in body, role  # the card is there, masked
        assert number not in body, role
        assert number[6:14] not in body, role  # not even the birth date part
        for phone in ("13800001111", "13900002222", "13700003333"):
            assert phone not in body, role
        assert "三组12号" not in body, role
