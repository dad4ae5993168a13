"""Attacks on every URL pattern, found by walking the URL configuration (attack_kit):
a visitor who is not logged in, a user reaching into another county, a forged POST.

test_scope_matrix.py checks each role against each view inside and outside its scope;
these tests check, for whatever views exist, the three doors nobody may walk through.
"""

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse

from guanai.accounts.models import Role
from guanai.children.models import Child
from guanai.core.tests.attack_kit import (
    PARAMETERS,
    PUBLIC_VIEWS,
    ROLES,
    SNAPSHOT_SKIPS,
    UnfillableRoute,
    World,
    all_routes,
    attacker,
    body,
    inside,
    missing,
    outside,
    snapshot,
)

# A CSRF secret as the cookie holds it; the form may carry it unmasked.
CSRF_TOKEN = "AttackSuiteCsrfSecret0123456789a"


pytestmark = pytest.mark.usefixtures("rates_lifted")


def test_every_url_parameter_can_be_filled(world):
    problems = []
    for route in all_routes():
        try:
            for pick in (inside(world), outside(world), missing):
                route.urls(pick)
        except UnfillableRoute as error:
            problems.append(str(error))
    assert not problems, "\n".join(problems)
    for name, parameter in PARAMETERS.items():
        assert parameter.inside(world), name
        assert parameter.outside(world), name


def test_the_public_views_exist():
    # A stale allow-list would hide a public view that came back under the same name.
    assert {route.name for route in all_routes()} >= PUBLIC_VIEWS


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login_page(world):
    login = reverse("accounts:login")
    client = attacker(Client())
    wrong = []
    checked = 0
    for route in all_routes():
        if route.name in PUBLIC_VIEWS:
            continue
        for url in route.urls(inside(world)):
            for method in ("get", "post", "put", "delete"):
                response = getattr(client, method)(url)
                checked += 1
                if route.is_api:
                    ok = response.status_code == 401
                else:
                    ok = response.status_code == 302 and response["Location"].startswith(
                        f"{login}?next="
                    )
                if not ok:
                    wrong.append((method.upper(), url, response.status_code))
    assert checked > 100
    assert not wrong, "\n".join(map(str, wrong))


def test_the_public_views_show_nothing_of_the_children(world):
    client = attacker(Client())
    names = list(Child.objects.values_list("name", flat=True))
    for route in all_routes():
        if route.name in PUBLIC_VIEWS:
            for url in route.urls(inside(world)):
                page = client.get(url).content.decode()
                assert not [name for name in names if name in page], url


def test_the_snapshot_holds_every_table_of_the_project(db):
    """From the app registry itself: a model added later is in it without anyone listing
    it, and a skip names a table that exists (a stale one would hide the table that comes
    back under its name)."""
    tables = {
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith("guanai.") and not model._meta.proxy
    }
    assert set(SNAPSHOT_SKIPS) <= tables
    assert set(snapshot()) == tables - set(SNAPSHOT_SKIPS)
    assert "accounts.LoginEvent" in tables  # the walk finds the project's models


def test_the_snapshot_sees_a_change_in_a_table_nobody_listed(roles):
    before = snapshot()
    Role.objects.filter(code="volunteer").update(name="志愿者（改）")
    after = snapshot()
    assert {label for label in before if before[label] != after[label]} == {"accounts.Role"}


def secrets_of_county_b(world: World) -> list[str]:
    names = list(Child.objects.filter(pk__in=world.children_outside).values_list("name", flat=True))
    return [
        *names,
        world.places.other_county_school.name,
        world.outsider.username,
        world.visitor.username,
    ]


@pytest.mark.parametrize("role", ROLES)
def test_objects_of_another_county_are_404_for_every_role(role, world, client_for):
    """Every pattern with an object in its URL, filled with objects of 青川县 (for the system
    admin, who sees all, with objects that do not exist): 404 to GET and POST alike (405 where
    the view does not take the method), nothing of county B shown, nothing changed."""
    client = attacker(client_for(world.cast[role]))
    pick = missing if role == "system_admin" else outside(world)
    secrets = secrets_of_county_b(world)
    before = snapshot()
    wrong = []
    attacked = 0
    routes = [route for route in all_routes() if route.params]
    for route in routes:
        for url in route.urls(pick):
            statuses = []
            for method in ("get", "post"):
                response = client.post(url, {}) if method == "post" else client.get(url)
                statuses.append(response.status_code)
                content = body(response)
                shown = [s for s in secrets if s.encode() in content]
                if shown:
                    wrong.append((method.upper(), url, f"shows {shown}"))
            attacked += 1
            if not (set(statuses) <= {404, 405} and 404 in statuses):
                wrong.append((route.name, url, statuses))
    assert attacked >= len(routes) > 10
    assert not wrong, "\n".join(map(str, wrong))
    assert snapshot() == before


def test_posts_without_the_csrf_token_are_refused(world, client_for):
    """A logged-in county admin, objects in scope: every view that takes POST refuses one
    without the token (403), and takes it with the token (the 403 is the token's doing)."""
    user = world.cast["county_admin"]
    # Every URL first: the POSTs below may delete what later URLs are made of.
    plan = [(route, url) for route in all_routes() for url in route.urls(inside(world))]
    accepting, wrong = set(), []
    for route, url in plan:
        forged = client_for(user)
        forged.handler.enforce_csrf_checks = True
        refused = forged.post(url, {"name": "x"}).status_code
        honest = client_for(user)
        honest.handler.enforce_csrf_checks = True
        honest.cookies[settings.CSRF_COOKIE_NAME] = CSRF_TOKEN
        taken = honest.post(url, {"csrfmiddlewaretoken": CSRF_TOKEN}).status_code
        if taken == 405:
            continue  # does not take POST
        accepting.add(route.name)
        if refused != 403 or taken == 403:
            wrong.append((route.name, url, refused, taken))
    assert {
        "accounts:login",
        "accounts:logout",
        "children:child_edit",
        "roster:import",
    } <= accepting
    assert not wrong, "\n".join(map(str, wrong))


def test_public_posts_without_the_csrf_token_are_refused(world):
    """Logging in and choosing the language: no forged POST either (logging out, for a
    logged-in user: the test above)."""
    checked = set()
    for route in all_routes():
        if route.name not in PUBLIC_VIEWS:
            continue
        for url in route.urls(inside(world)):
            if Client().post(url).status_code == 405:
                continue
            forged = Client(enforce_csrf_checks=True).post(url, {"username": "x"})
            assert forged.status_code == 403, url
            checked.add(route.name)
    assert {"accounts:login", "set_language"} <= checked
