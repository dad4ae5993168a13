"""Guessing children's ids: on every URL pattern with a child in it (attack_kit), a
volunteer tries every child id there is and those around them, a village director every
child of the next village, a teacher every child but their pupil. All 404, nothing of any
child shown, nothing changed anywhere; and each one's own children open, so the 404s are
the scope's doing.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_child, make_id_number
from guanai.accounts.scope import ChildAccess
from guanai.care.models import BackgroundCheck, Helper, Pairing
from guanai.children.models import Child, Person
from guanai.children.selectors import children_visible_to
from guanai.core.tests.attack_kit import World, all_routes, attacker, body, snapshot

pytestmark = pytest.mark.usefixtures("rates_lifted")


@pytest.fixture
def world(world: World) -> World:
    """County B as everywhere, and beside the director's village one with children in
    every state."""
    # 四新村, next to the director's village: children in every state.
    for sequence, (name, fields) in enumerate(
        [
            ("周新待审", {"review_state": "pending"}),
            ("吴新退回", {"review_state": "returned"}),
            ("郑新移出", {"status": "exited", "exit_reason": "moved"}),
        ],
        start=51,
    ):
        make_child(
            world.places.sibling_village,
            name=name,
            id_number=make_id_number(sequence=sequence),
            **fields,
        )
    return world


def child_routes():
    routes = [route for route in all_routes() if "child_id" in route.params]
    assert len(routes) >= 7
    return routes


def secrets() -> list[str]:
    """Every child's name, and their family's."""
    return [
        *Child.objects.values_list("name", flat=True),
        *Person.objects.values_list("name", flat=True),
    ]


def attack(client, world: World, child_ids: list[int]) -> list[tuple]:
    """The probe below, which must change nothing anywhere."""
    before = snapshot()
    wrong = probe(client, world, child_ids)
    assert snapshot() == before
    return wrong


def probe(client, world: World, child_ids: list[int]) -> list[tuple]:
    """Every child route with each of these ids (other parameters: objects the county
    admin may reach); what answered other than 404, or showed a name."""
    names = secrets()
    wrong = []
    for route in child_routes():
        for child_id in child_ids:

            def pick(name, parameter, child_id=child_id):
                return [child_id] if name == "child_id" else parameter.inside(world)

            for url in route.urls(pick):
                statuses = []
                for method in ("get", "post"):
                    response = client.post(url, {}) if method == "post" else client.get(url)
                    statuses.append(response.status_code)
                    content = body(response).decode(errors="replace")
                    leaked = [name for name in names if name in content]
                    if leaked:
                        wrong.append((method.upper(), url, leaked))
                if not (set(statuses) <= {404, 405} and 404 in statuses):
                    wrong.append((url, statuses))
    return wrong


def opens(client, child_id: int) -> bool:
    return client.get(reverse("children:child_detail", args=[child_id])).status_code == 200


def test_the_attack_reports_a_child_the_user_may_open(world, client_for):
    """The probe itself, on a child the director may open (its POSTs change the file, so
    no snapshot here): it reports the file and the names it shows, so an empty report
    below means that no route answered."""
    own = world.kids.village.pk
    director = attacker(client_for(world.cast["village_director"]))
    wrong = probe(director, world, [own])
    detail = reverse("children:child_detail", args=[own])
    assert (detail, [200, 405]) in wrong
    assert any(
        entry[:2] == ("GET", detail) and world.kids.village.name in entry[2] for entry in wrong
    )


@pytest.fixture
def volunteer_children(world: World) -> list[int]:
    """The children the cast's volunteer may open: none but the one paired with them
    (a helper whose login they are, with a clear background check). They see no child's
    whole file."""
    volunteer = world.cast["volunteer"]
    assert not children_visible_to(volunteer).exists()
    today = timezone.localdate()
    helper = Helper.objects.create(
        kind="volunteer", name="志愿者", area=world.places.village, user=volunteer
    )
    BackgroundCheck.objects.create(helper=helper, checked_on=today, result="clear")
    Pairing.objects.create(helper=helper, child=world.kids.village, started_on=today)
    paired = children_visible_to(volunteer, access=ChildAccess.PAIRED)
    assert list(paired.values_list("pk", flat=True)) == [world.kids.village.pk]
    return [world.kids.village.pk]


def test_a_volunteer_reaches_no_child_but_their_own_by_any_id(
    world, volunteer_children, client_for
):
    ids = list(Child.objects.values_list("pk", flat=True))
    assert len(ids) >= 9
    # Ids below 0 have no URL (the int converter takes digits only).
    around = [*range(max(0, min(ids) - 3), max(ids) + 4), 0, 2**31 - 1]
    volunteer = attacker(client_for(world.cast["volunteer"]))
    others = [child_id for child_id in around if child_id not in volunteer_children]
    assert not attack(volunteer, world, others)
    assert all(opens(volunteer, child_id) for child_id in volunteer_children)


def test_a_village_director_reaches_no_child_of_the_next_village(world, client_for):
    next_village = list(
        Child.objects.filter(village=world.places.sibling_village).values_list("pk", flat=True)
    )
    assert len(next_village) == 4
    director = attacker(client_for(world.cast["village_director"]))
    assert not attack(director, world, next_village)
    # The director's own child opens: the 404s above are the scope's doing.
    own = Child.objects.get(village=world.places.village)
    assert opens(director, own.pk)


def test_a_teacher_reaches_only_their_own_pupils(world, client_for):
    own = world.kids.village  # assigned to the cast's teacher
    others = list(Child.objects.exclude(pk=own.pk).values_list("pk", flat=True))
    teacher = attacker(client_for(world.cast["teacher"]))
    assert not attack(teacher, world, others)
    assert opens(teacher, own.pk)
