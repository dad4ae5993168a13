"""Masked ID numbers that can be rebuilt: every role, every page the URL configuration has
(attack_kit) and every export, GET only (what is shown without revealing), must neither
show a child's or a family member's ID number nor show enough of it to rebuild it.

An 18-digit number is area (6) + birth date (8) + sequence (3, odd for men) + a check
character computed from the first 17. The file and the roster show the birth date, the
gender and the place of registration in clear, so the check assumes the viewer knows the
first 14 characters and the parity of the 17th, and adds whatever any page or export shows
of the last four. What is left must be at least the whole sequence with the check
character hidden: 500 numbers. A mask that keeps the last four (510821********123X) leaves
one.

Revealing a number (POST, with a reason, by roles that may) is not shown here: it is the
point of revealing, and logged (test_views, test_exporting).
"""

import csv
import html
import io
import re
from datetime import date

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import exported, make_child, make_id_number
from guanai.accounts.scope import CHILD_ACCESS, ChildAccess
from guanai.children.models import Child, Person
from guanai.children.services import child_update
from guanai.core.tests.attack_kit import ROLES, World, all_routes, attacker, body

pytestmark = pytest.mark.usefixtures("rates_lifted")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Numbers a viewer may be left to guess among: the sequence's 500 values of the shown
# gender's parity, the check character following from them.
FEWEST_CANDIDATES = 500
# Runs of digits, X and stars: a number shown whole, masked, or in parts; not digits
# inside a longer token of letters (a CSRF token, a file's hash).
RUN = re.compile(r"(?<![0-9A-Za-z*])[0-9X*]{4,}(?![0-9A-Za-z*])")
# The exports (masked) that the route walk's plain GET does not ask for: asked for by POST,
# made by the export worker, downloaded.
EXPORTS = (
    ("roster:export", {"format": "csv"}),
    ("audit:access_log_export", {"format": "csv"}),
)


def check_character(first17: str) -> str:
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def candidates(number: str, shown: dict[int, str]) -> int:
    """How many numbers fit what the viewer knows: the first 14 characters, the parity of
    the 17th (the gender), and the characters `shown` at their positions."""
    count = 0
    for sequence in range(1000):
        first17 = f"{number[:14]}{sequence:03d}"
        if int(first17[16]) % 2 != int(number[16]) % 2:
            continue
        candidate = first17 + check_character(first17)
        if all(candidate[i] == c for i, c in shown.items() if i >= 14):
            count += 1
    return count


def revealed(number: str, run: str) -> dict[int, str] | None:
    """The positions of the number a run of characters shows if it is a rendering of it,
    whole or masked, aligned at its start or at its end; None if it cannot be."""
    if len(run) > len(number):
        return None
    shown: dict[int, str] = {}
    fits = False
    for offset in {0, len(number) - len(run)}:
        pairs = [(offset + i, c) for i, c in enumerate(run)]
        if all(c == "*" or number[i] == c for i, c in pairs):
            fits = True
            shown |= {i: c for i, c in pairs if c != "*"}
    return shown if fits else None


def texts(response) -> list[str]:
    """What the response shows: an HTML page with its attributes (placeholders), each
    cell of a spreadsheet, a CSV file."""
    data = body(response)
    kind = response.get("Content-Type", "").split(";")[0].strip()
    if not data or kind.startswith("image/"):
        return []
    if kind == XLSX:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [
            str(cell)
            for sheet in book.sheet_names
            for row in book.get_sheet_by_name(sheet).to_python()
            for cell in row
        ]
    if kind == "text/csv":
        return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]
    return [html.unescape(data.decode())]


def id_numbers() -> set[str]:
    numbers = {*Child.objects.values_list("id_number", flat=True)}
    numbers |= {*Person.objects.values_list("id_number", flat=True)}
    return {n for n in numbers if n}


def with_family_id_numbers(
    admin, child: Child, *, first: int, father: date, mother: date, guardian: date
):
    """The child's parents and guardian given ID numbers through the service, so that
    the history records them, masked, as a change. Their sequence numbers start at `first`,
    not at one drawn from the child's id: on PostgreSQL ids depend on the tests run before,
    and one made a number end in 2016, which every page's 2016 definition then "shows"."""
    family = {}
    for sequence, (role, birth) in enumerate(
        (("father", father), ("mother", mother), ("guardian", guardian)), start=first
    ):
        person = getattr(child, role)
        gender_sequence = sequence * 2 + (role == "father")  # odd for a man
        family[role] = {
            "name": person.name,
            "birth_date": birth,
            "id_number": make_id_number(birth=birth, sequence=gender_sequence % 1000),
        }
    child_update(user=admin, child_id=child.pk, data={}, family=family)


@pytest.fixture
def world(world: World) -> World:
    """Both children the school's roles see with their family's ID numbers; the first's
    own number corrected (the history holds old and new); a girl assigned to the
    counsellor, who otherwise sees nobody."""
    admin = world.cast["county_admin"]
    pupil = world.kids.village
    old_number = pupil.id_number
    child_update(
        user=admin,
        child_id=pupil.pk,
        data={"id_number": make_id_number(birth=pupil.birth_date, sequence=17)},
    )
    girl = make_child(
        world.places.village,
        name="陈小红",
        gender="female",
        birth_date=date(2013, 8, 20),
        school=world.places.school,
        id_number=make_id_number(birth=date(2013, 8, 20), sequence=24),
        responsible_teacher=world.cast["counsellor"],
    )
    for first, child in ((300, pupil), (310, girl)):
        child.refresh_from_db()
        with_family_id_numbers(
            admin,
            child,
            first=first,
            father=date(1984, 2, 11),
            mother=date(1987, 11, 3),
            guardian=date(1956, 7, 28),
        )
    world.extra = {"children": [pupil.pk, girl.pk], "old_numbers": [old_number]}
    return world


def seen_by(role: str, world: World, client_for) -> tuple[list[str], list[tuple]]:
    """Everything the role's GETs show: each route filled with objects inside the county
    (both children), and the exports in each format; and the requests that failed."""
    client = attacker(client_for(world.cast[role]))

    def pick(name, parameter):
        return world.extra["children"] if name == "child_id" else parameter.inside(world)

    urls = [url for route in all_routes() for url in route.urls(pick)]
    shown, failed = [], []
    for url in urls:
        response = client.get(url)
        if response.status_code >= 500:
            failed.append((url, response.status_code))
        shown += texts(response)
    for name, data in EXPORTS:
        response = exported(client, reverse(name), data)
        if response.status_code >= 500:
            failed.append((name, response.status_code))
        shown += texts(response)
    return shown, failed


@pytest.mark.parametrize("role", ROLES)
def test_nothing_a_role_sees_without_revealing_determines_an_id_number(role, world, client_for):
    shown, failed = seen_by(role, world, client_for)
    assert not failed
    numbers = id_numbers() | set(world.extra["old_numbers"])
    assert len(numbers) >= 12
    runs = [run for text in shown for run in RUN.findall(text)]
    whole = sorted(n for n in numbers if any(n in text for text in shown))
    assert not whole, f"{role} sees whole ID numbers: {whole}"
    rebuilt, renderings = [], 0
    for number in sorted(numbers):
        known: dict[int, str] = {}
        for run in runs:
            shown_here = revealed(number, run)
            if shown_here is not None and len(shown_here) >= 6:
                renderings += 1
            known |= shown_here or {}
        left = candidates(number, known)
        if left < FEWEST_CANDIDATES:
            rebuilt.append((number, "".join(known.get(i, "*") for i in range(18)), left))
    assert not rebuilt, f"{role} can rebuild (number, shown, candidates left): {rebuilt}"
    # The check looked at masked numbers: every role that sees children saw some.
    if ChildAccess.VIEW in CHILD_ACCESS[role]:
        assert renderings > 0, f"{role} saw no masked ID number at all"
