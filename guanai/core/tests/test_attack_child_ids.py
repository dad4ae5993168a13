"""Guessing children's ids: on every URL pattern with a child in it (attack_kit), a
volunteer (who may open no child's file) tries every child id there is and those around
them, and a village director tries every child of the next village. All 404, nothing of
any child shown, nothing changed.
"""

import pytest

from conftest import make_child, make_id_number
from guanai.children.models import Child, Person
from guanai.core.tests.attack_kit import World, all_routes, attacker, body

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
    """Every child route with each of these ids (other parameters: objects the county
    admin may reach); what answered other than 404, or showed a name."""
    names = secrets()
    before = list(Child.objects.order_by("pk").values())
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
    assert list(Child.objects.order_by("pk").values()) == before
    return wrong


def test_a_volunteer_reaches_no_child_by_any_id(world, client_for):
    ids = list(Child.objects.values_list("pk", flat=True))
    assert len(ids) >= 9
    # Ids below 0 have no URL (the int converter takes digits only).
    around = range(max(0, min(ids) - 3), max(ids) + 4)
    assert not attack(attacker(client_for(world.cast["volunteer"])), world, [*around, 0, 2**31 - 1])


def test_a_village_director_reaches_no_child_of_the_next_village(world, client_for):
    next_village = list(
        Child.objects.filter(village=world.places.sibling_village).values_list("pk", flat=True)
    )
    assert len(next_village) == 4
    director = attacker(client_for(world.cast["village_director"]))
    assert not attack(director, world, next_village)
    # The director's own child opens: the 404s above are the scope's doing.
    own = Child.objects.get(village=world.places.village)
    assert director.get(f"/children/{own.pk}/").status_code == 200


def test_a_teacher_reaches_only_their_own_pupils(world, client_for):
    own = world.kids.village  # assigned to the cast's teacher
    others = list(Child.objects.exclude(pk=own.pk).values_list("pk", flat=True))
    teacher = attacker(client_for(world.cast["teacher"]))
    assert not attack(teacher, world, others)
    assert teacher.get(f"/children/{own.pk}/").status_code == 200
