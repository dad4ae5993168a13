"""SQL metacharacters in every search box and filter: the forms sent by GET on every page
the URL configuration has (found by reading the pages, so a search added later is
attacked too), the roster export's filters, the ID-number lookup, the login form and the
text parameters of URLs. Always a page or a clean refusal, never a server error; and `%`
and `_` are letters, not wildcards.
"""

from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse
from django.urls.converters import StringConverter

from conftest import run_jobs
from guanai.core.tests.attack_kit import (
    GetForm,
    World,
    all_routes,
    attacker,
    get_forms,
    inside,
    parse,
)
from guanai.exports.models import ExportJob

METACHARACTERS = (
    "'",
    '"',
    "%",
    "_",
    "\\",
    "--",
    ";",
    "' OR 1=1 --",
    '" OR ""="',
    "%' OR '%'='",
    "1; DROP TABLE children_child; --",
    "\\%_",
    "\x00",
    "张\x00' OR 1=1 --",
    "zs'",
)
# For parameters that are not free text (choices, numbers): every metacharacter, in fewer
# requests.
PROBES = ("' OR 1=1 --", '"%_\\;', "\x00")
# Parameters a list page reads besides its form's fields (pages, page sizes, the village
# filter offered once a township is chosen).
EXTRA_PARAMETERS = ("page", "per_page", "village")
# Exports that take another page's filters (posted by that page's export form): each is
# asked for with every metacharacter in every filter, and its job run.
SAME_FILTERS = {
    "roster:export": "children:child_list",
    "audit:access_log_export": "audit:access_log",
}
NOTHING = "无此名称"  # matches no child, school or user


pytestmark = pytest.mark.usefixtures("rates_lifted")


def search_forms(client: Client, world: World) -> dict[str, GetForm]:
    """Every GET form of every page the county admin can open, by where it is sent."""
    found: dict[str, GetForm] = {}
    for route in all_routes():
        for url in route.urls(inside(world)):
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            for form in get_forms(response.content.decode(), url):
                known = found.setdefault(form.action, GetForm(form.action, [], []))
                known.fields += [f for f in form.fields if f not in known.fields]
                known.boxes += [f for f in form.boxes if f not in known.boxes]
    return found


def answered(response) -> bool:
    """A page, a redirect, a download or a form's refusal: anything but a server error."""
    return response.status_code in (200, 302, 400, 404, 422)


def test_metacharacters_in_every_search_and_filter(world, client_for):
    """Every field of every GET form (and the page and page size): search boxes get every
    metacharacter, and their partial as the box asks for it while typing; the rest the
    probes."""
    client = attacker(client_for(world.cast["county_admin"]))
    forms = search_forms(client, world)
    # The searches there are today, found by reading the pages.
    assert {reverse(n) for n in ("children:child_list", "accounts:user_list")} <= set(forms)
    assert "q" in forms[reverse("areas:school_list")].boxes
    wrong = []
    for target, form in forms.items():
        for name in [*form.fields, *(p for p in EXTRA_PARAMETERS if p not in form.fields)]:
            for value in METACHARACTERS if name in form.boxes else PROBES:
                response = client.get(target, {name: value})
                if not answered(response):
                    wrong.append((target, name, value, response.status_code))
            if name in form.boxes:
                response = client.get(
                    target,
                    {name: "' OR 1=1 --"},
                    headers={"HX-Request": "true", "HX-Target": "child-results"},
                )
                if not answered(response):
                    wrong.append((target, name, "htmx", response.status_code))
    assert not wrong, "\n".join(map(str, wrong))


def test_metacharacters_in_every_filter_of_every_export(world, client_for):
    """The exports read their page's filter in the export worker: every field of it gets
    the metacharacters; the request is answered, and every job it queues writes its file
    (an empty one) rather than failing."""
    client = attacker(client_for(world.cast["county_admin"]))
    forms = search_forms(client, world)
    wrong = []
    for target, source in SAME_FILTERS.items():
        form = forms[reverse(source)]
        for name in form.fields:
            for value in METACHARACTERS if name in form.boxes else PROBES:
                asked = client.post(reverse(target), {name: value, "format": "csv"})
                if asked.status_code not in (302, 400):
                    wrong.append((target, name, value, asked.status_code))
                run_jobs("exports")
    failed = ExportJob.objects.exclude(state="done").values_list("kind", "message")
    assert ExportJob.objects.filter(kind="access_log").count() > 10
    assert ExportJob.objects.filter(kind="roster").count() > 10
    assert not wrong, "\n".join(map(str, wrong))
    assert not failed, list(failed)


def test_metacharacters_in_the_roster_export_sent_in_full(world, client_for):
    """The export in full is a POST with a reason, both logged: metacharacters there too."""
    client = attacker(client_for(world.cast["county_admin"]))
    for value in METACHARACTERS:
        for fmt in ("xlsx", "csv"):
            response = client.post(
                reverse("roster:export"), {"full": "1", "format": fmt, "q": value, "reason": value}
            )
            assert answered(response), (value, fmt)
            run_jobs("exports")
    assert not ExportJob.objects.exclude(state="done").exists()


def test_metacharacters_in_the_id_number_lookup_and_the_login(world, client_for):
    client = attacker(client_for(world.cast["county_admin"]))
    for value in METACHARACTERS:
        response = client.post(reverse("children:child_find"), {"id_number": value})
        if "\x00" in value:  # refused before any view (core.middleware.NulCharacterMiddleware)
            assert response.status_code == 400, value
            continue
        assert response.status_code == 302, value
        assert response["Location"] == reverse("children:child_list")  # found nobody
    for value in (*PROBES, "admin' --", "%"):
        visitor = Client()
        response = visitor.post(reverse("accounts:login"), {"username": value, "password": value})
        assert answered(response), value
        assert "_auth_user_id" not in visitor.session


def test_metacharacters_in_text_parameters_of_urls(world, client_for):
    client = attacker(client_for(world.cast["county_admin"]))
    wrong = []
    for route in all_routes():
        text = [n for n, c in route.converters.items() if isinstance(c, StringConverter)]
        if not text:
            continue
        for value in METACHARACTERS:

            def pick(name, parameter, value=value, text=text):
                return [value] if name in text else parameter.inside(world)

            for url in route.urls(pick):
                for method in ("get", "post"):
                    status = getattr(client, method)(url).status_code
                    refused = (400,) if "\x00" in value else ()
                    if status not in (404, 405, *refused):
                        wrong.append((method.upper(), url, status))
    assert not wrong, "\n".join(map(str, wrong))


def rows(page: str) -> Counter:
    """The elements of a page by name: a search that matched more shows more of them."""
    return Counter(tag.name for tag in parse(page)[0])


def test_percent_and_underscore_are_not_wildcards(world, client_for):
    """In every search box: `%`, `_` and their mixes find what a word that matches nothing
    finds (a real word finds more: see below)."""
    client = attacker(client_for(world.cast["county_admin"]))
    boxes = {
        (target, name)
        for target, form in search_forms(client, world).items()
        if target not in {reverse(t) for t in SAME_FILTERS}
        for name in form.boxes
    }
    assert {
        (reverse("children:child_list"), "q"),
        (reverse("accounts:user_list"), "q"),
        (reverse("areas:school_list"), "q"),
    } <= boxes
    wrong = []
    for target, name in boxes:
        nothing = rows(client.get(target, {name: NOTHING}).content.decode())
        if rows(client.get(target).content.decode()) == nothing:
            # A page that lists nothing anyway could not show a wildcard matching all.
            wrong.append((target, name, "lists no rows to tell a wildcard by"))
        # No name holds these (usernames do hold one "_"); as wildcards they match all.
        for wildcard in ("%", "%%", "_%", "%_%", "__", "___"):
            if rows(client.get(target, {name: wildcard}).content.decode()) != nothing:
                wrong.append((target, name, wildcard))
    assert not wrong, "\n".join(map(str, wrong))


@pytest.mark.parametrize(
    ("view", "word"),
    [
        ("children:child_list", "张"),
        ("children:child_list", "zxm"),
        ("areas:school_list", "东河"),
        ("accounts:user_list", "jiachuan"),
    ],
)
def test_a_real_search_finds_rows_a_wildcard_does_not(view, word, world, client_for):
    client = attacker(client_for(world.cast["county_admin"]))
    url = reverse(view)
    nothing = rows(client.get(url, {"q": NOTHING}).content.decode())
    assert rows(client.get(url, {"q": word}).content.decode()) != nothing
    assert rows(client.get(url, {"q": "%"}).content.decode()) == nothing
